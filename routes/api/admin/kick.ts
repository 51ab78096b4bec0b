import { define } from "../../../utils.ts";

/** `POST /api/admin/kick` `{ "user_id" }`: role admin; see lib/server/ops/admin_endpoints.ts. */
export const handler = define.handlers({
  POST: (ctx) => ctx.state.services.admin.kick(ctx.req),
});
