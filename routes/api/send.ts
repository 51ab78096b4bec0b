import { define } from "../../utils.ts";

/** `POST /api/send?session=ID`: frames into a fallback session; see lib/server/session/fallback.ts. */
export const handler = define.handlers({
  POST: (ctx) => ctx.state.services.fallback.send(ctx.req),
});
