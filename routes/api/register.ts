import { define } from "../../utils.ts";

/** `POST /api/register`: a new account, signed in (201); see lib/server/auth/endpoints.ts. */
export const handler = define.handlers({
  POST: (ctx) => ctx.state.services.auth.handleRegister(ctx.req, ctx.info),
});
