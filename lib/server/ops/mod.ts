/**
 * What operators and administrators call: `GET /metrics`, `GET /api/status`
 * and `GET /readyz` (`status_endpoints.ts`), and the admin tools under
 * `POST /api/admin/*` (`admin_endpoints.ts`).
 *
 * Imports `../session`, `../auth`, `../rooms`, `../cluster`, `../store`,
 * `../bus`, `../http`, `../metrics`, `../status_history` and `../limits`
 * (besides `lib/protocol`, `lib/time`, and the root's `config.ts` and
 * `log.ts`): it sits on top of the subsystems it reports on and acts on.
 *
 * @example
 * ```ts
 * import { createAdmin, createOpsEndpoints } from "./mod.ts";
 * app.get("/readyz", () => ops.readyz());
 * app.post("/api/admin/kick", (ctx) => admin.kick(ctx.req));
 * ```
 */
export * from "./status_endpoints.ts";
export * from "./admin_endpoints.ts";
