import { define } from "../../utils.ts";

/** `GET /api/config`: the effective protocol settings, for service discovery. */
export const handler = define.handlers({
  GET: (ctx) => Response.json(ctx.state.services.publicConfig()),
});
