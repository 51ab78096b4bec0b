import { define } from "../../utils.ts";

/** `POST /api/guest`: see lib/server/auth/endpoints.ts. */
export const handler = define.handlers({
  POST: (ctx) => ctx.state.services.auth.handleGuest(ctx.req, ctx.info),
});
