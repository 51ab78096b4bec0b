import { define } from "../../utils.ts";

/** `POST /api/token`: a new access token for the refresh cookie (see lib/server/auth/endpoints.ts). */
export const handler = define.handlers({
  POST: (ctx) => ctx.state.services.auth.handleToken(ctx.req),
});
