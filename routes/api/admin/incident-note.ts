import { define } from "../../../utils.ts";

/** `POST /api/admin/incident-note` `{ "incident", "text" }`: role admin; see lib/server/ops/admin_endpoints.ts. */
export const handler = define.handlers({
  POST: (ctx) => ctx.state.services.admin.incidentNote(ctx.req),
});
