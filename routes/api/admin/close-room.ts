import { define } from "../../../utils.ts";

/** `POST /api/admin/close-room` `{ "room" }`: role admin; see lib/server/ops/admin_endpoints.ts. */
export const handler = define.handlers({
  POST: (ctx) => ctx.state.services.admin.closeRoom(ctx.req),
});
