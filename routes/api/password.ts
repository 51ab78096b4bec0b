import { define } from "../../utils.ts";

/** `POST /api/password` (bearer): changes the password, ending the other sign-ins (see lib/server/auth/endpoints.ts). */
export const handler = define.handlers({
  POST: (ctx) => ctx.state.services.auth.handlePassword(ctx.req, ctx.info),
});
