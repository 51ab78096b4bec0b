import { define } from "../../utils.ts";

/** `POST /api/logout`: revokes the refresh token and clears its cookies (see lib/server/auth/endpoints.ts). */
export const handler = define.handlers({
  POST: (ctx) => ctx.state.services.auth.handleLogout(ctx.req),
});
