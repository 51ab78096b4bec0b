/**
 * The endpoints operators and the status page read:
 *
 * - `GET /metrics`: every live isolate's metrics in the Prometheus text
 *   format; with `METRICS_TOKEN` set, only for `Authorization: Bearer <it>`.
 * - `GET /api/status`: the public summary, or the admin detail for a role
 *   `admin` token (`lib/protocol/status.ts`). A missing or invalid token gets
 *   the public summary: the page is public.
 * - `GET /readyz`: 200 while the store answers a read and the isolate is not
 *   draining; otherwise 503 saying which.
 *
 * @example
 * ```ts
 * const ops = createOpsEndpoints({ config, kv, clock, hub, tokens, metrics, view });
 * app.get("/metrics", (ctx) => ops.metrics(ctx.req));
 * ```
 */
import type { Clock } from "../time/clock.ts";
import type { Config } from "./config.ts";
import type { Hub } from "./hub.ts";
import {
  buildStatusDetail,
  buildStatusSummary,
  type ClusterView,
  hasMetricsAccess,
  PROMETHEUS_CONTENT_TYPE,
  renderClusterMetrics,
  type SwitchboardMetrics,
} from "./metrics/mod.ts";
import { authenticateRequest } from "./request_auth.ts";
import type { TokenIssuer } from "./tokens.ts";
import { errorResponse } from "./http.ts";

/** The key `/readyz` reads; it never needs to exist. */
const READINESS_KEY: Deno.KvKey = ["readyz"];

const NO_STORE = { "cache-control": "no-store" };

/** What {@linkcode createOpsEndpoints} needs. */
export interface OpsEndpointsOptions {
  config: Config;
  kv: Deno.Kv;
  clock: Clock;
  hub: Pick<Hub, "accepting">;
  tokens: TokenIssuer;
  metrics: SwitchboardMetrics;
  view: ClusterView;
  /** How long `/readyz` waits for the store. Default 2 000 ms. */
  readyTimeoutMs?: number;
}

/** The operational endpoints. */
export interface OpsEndpoints {
  /** `GET /metrics` */
  metrics(req: Request): Promise<Response>;
  /** `GET /api/status` */
  status(req: Request): Promise<Response>;
  /** `GET /readyz` */
  readyz(): Promise<Response>;
}

/** Creates the {@linkcode OpsEndpoints}. */
export function createOpsEndpoints(options: OpsEndpointsOptions): OpsEndpoints {
  const { config, kv, clock, hub, tokens, metrics, view } = options;
  const readyTimeoutMs = options.readyTimeoutMs ?? 2_000;
  const report = { clock, identity: metrics.identity };

  /** Resolves when the store answers a read; rejects when it fails or takes too long. */
  const probeStore = async () => {
    const { promise: timeout, reject } = Promise.withResolvers<never>();
    const timer = clock.setTimeout(
      () => reject(new Error(`no answer in ${readyTimeoutMs} ms`)),
      readyTimeoutMs,
    );
    try {
      await Promise.race([kv.get(READINESS_KEY), timeout]);
    } finally {
      clock.clearTimeout(timer);
    }
  };

  return {
    async metrics(req) {
      if (!await hasMetricsAccess(req, config.metricsToken)) {
        return errorResponse(401, "unauthorized", "send Authorization: Bearer <METRICS_TOKEN>");
      }
      return new Response(renderClusterMetrics(metrics, view), {
        headers: { "content-type": PROMETHEUS_CONTENT_TYPE, ...NO_STORE },
      });
    },

    async status(req) {
      const caller = await authenticateRequest(req, tokens);
      const body = caller.ok && caller.user.role === "admin"
        ? buildStatusDetail(view, report)
        : buildStatusSummary(view, report);
      return Response.json(body, { headers: NO_STORE });
    },

    async readyz() {
      if (!hub.accepting) return errorResponse(503, "internal", "draining", NO_STORE);
      try {
        await probeStore();
      } catch (error) {
        return errorResponse(503, "internal", `the store is not answering: ${error}`, NO_STORE);
      }
      return Response.json({ ready: true }, { headers: NO_STORE });
    },
  };
}
