import { define } from "../../utils.ts";

/** `GET /api/events`: the fallback transport's event stream; see lib/server/session/fallback.ts. */
export const handler = define.handlers({
  GET: (ctx) => ctx.state.services.fallback.openStream(ctx.req, ctx.info),
});
