import { define } from "../utils.ts";

/** `GET /metrics`: Prometheus text exposition; see lib/server/ops/status_endpoints.ts. */
export const handler = define.handlers({
  GET: (ctx) => ctx.state.services.ops.metrics(ctx.req),
});
