import { define } from "../../utils.ts";

/** `GET /api/status`: the live status JSON; see lib/server/ops/status_endpoints.ts. */
export const handler = define.handlers({
  GET: (ctx) => ctx.state.services.ops.status(ctx.req),
});
