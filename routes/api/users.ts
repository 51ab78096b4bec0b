import { define } from "../../utils.ts";

/** `GET /api/users?prefix=` (bearer): people by name; see lib/server/auth/user_lookup.ts. */
export const handler = define.handlers({
  GET: (ctx) => ctx.state.services.userLookup.handle(ctx.req),
});
