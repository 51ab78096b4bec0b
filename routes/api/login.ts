import { define } from "../../utils.ts";

/** `POST /api/login`: see lib/server/auth/endpoints.ts. */
export const handler = define.handlers({
  POST: (ctx) => ctx.state.services.auth.handleLogin(ctx.req, ctx.info),
});
