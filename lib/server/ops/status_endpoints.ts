/**
 * The endpoints operators and the status page read:
 *
 * - `GET /metrics`: every live isolate's metrics in the Prometheus text
 *   format; with `METRICS_TOKEN` set, only for `Authorization: Bearer <it>`.
 * - `GET /api/status`: the public summary, or the admin detail for a role
 *   `admin` token (`lib/protocol/status.ts`). A missing or invalid token gets
 *   the public summary: the page is public. With `?range=` (one of
 *   `lib/protocol/status_range.ts`), the same with the stored history of the
 *   range: 400 for a range it does not know, 503 when the store fails.
 * - `GET /readyz`: 200 while the store answers a read and the isolate is not
 *   draining; otherwise 503 saying which.
 *
 * @example
 * ```ts
 * const probe = () => kv.get(["readyz"]);
 * const ops = createOpsEndpoints({ config, probe, clock, hub, tokens, metrics, view, activity, ranges, log });
 * app.get("/metrics", (ctx) => ops.metrics(ctx.req));
 * ```
 */
import type { StatusRangeData, StatusResponse, StatusView } from "../../protocol/status.ts";
import {
  parseStatusRange,
  STATUS_RANGE_HELP,
  type StatusRange,
} from "../../protocol/status_range.ts";
import type { Clock } from "../../time/clock.ts";
import type { Config } from "../config.ts";
import type { Logger } from "../log.ts";
import type { Hub } from "../session/mod.ts";
import {
  buildStatusDetail,
  buildStatusSummary,
  type ClusterView,
  hasMetricsAccess,
  PROMETHEUS_CONTENT_TYPE,
  renderClusterMetrics,
  type StatusActivity,
  type StatusReportOptions,
  type SwitchboardMetrics,
} from "../metrics/mod.ts";
import type { RangeReports } from "../status_history/mod.ts";
import { authenticateRequest, type TokenIssuer } from "../auth/mod.ts";
import { errorResponse } from "../http/mod.ts";

const NO_STORE = { "cache-control": "no-store" };

/** What {@linkcode createOpsEndpoints} needs. */
export interface OpsEndpointsOptions {
  config: Config;
  /** One read of the store (KV, PostgreSQL): `/readyz` is 200 only while it answers. */
  probe(): Promise<unknown>;
  clock: Clock;
  hub: Pick<Hub, "accepting">;
  tokens: TokenIssuer;
  metrics: SwitchboardMetrics;
  view: ClusterView;
  /** The last five minutes and the newest values (the status history's recorder). */
  activity: StatusActivity;
  /** The stored ranges. */
  ranges: RangeReports;
  /** The cluster plane, as the admin detail shows it. */
  cluster?: StatusReportOptions["cluster"];
  /** How long `/readyz` waits for the store. Default 2 000 ms. */
  readyTimeoutMs?: number;
  /** Where a store's failure is told in full; the public answers only say it failed. */
  log: Pick<Logger, "warn">;
}

/** The operational endpoints. */
export interface OpsEndpoints {
  /** `GET /metrics` */
  metrics(req: Request): Promise<Response>;
  /** `GET /api/status` */
  status(req: Request): Promise<Response>;
  /** `GET /readyz` */
  readyz(): Promise<Response>;
  /** The live status in `view`, as `GET /api/status` without a range answers it. */
  liveStatus(view: StatusView): StatusResponse;
  /** A range's stored history in `view`; rejects when the store fails. */
  rangeStatus(range: StatusRange, view: StatusView): Promise<StatusRangeData>;
}

/** Creates the {@linkcode OpsEndpoints}. */
export function createOpsEndpoints(options: OpsEndpointsOptions): OpsEndpoints {
  const { config, probe, clock, hub, tokens, metrics, view, ranges, log } = options;
  const readyTimeoutMs = options.readyTimeoutMs ?? 2_000;
  const report = {
    clock,
    identity: metrics.identity,
    activity: options.activity,
    cluster: options.cluster,
  };
  const liveStatus = (statusView: StatusView): StatusResponse =>
    statusView === "admin" ? buildStatusDetail(view, report) : buildStatusSummary(view, report);

  /** Resolves when the store answers a read; rejects when it fails or takes too long. */
  const probeStore = async () => {
    const { promise: timeout, reject } = Promise.withResolvers<never>();
    const timer = clock.setTimeout(
      () => reject(new Error(`no answer in ${readyTimeoutMs} ms`)),
      readyTimeoutMs,
    );
    try {
      await Promise.race([probe(), timeout]);
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
      const asked = new URL(req.url).searchParams.get("range");
      const range = parseStatusRange(asked);
      if (range === null) return errorResponse(400, "bad_request", STATUS_RANGE_HELP, NO_STORE);
      const caller = await authenticateRequest(req, tokens);
      const statusView: StatusView = caller.ok && caller.user.role === "admin" ? "admin" : "public";
      const live = liveStatus(statusView);
      if (asked === null) return Response.json(live, { headers: NO_STORE });
      let stored;
      try {
        stored = await ranges.read(range, statusView);
      } catch (error) {
        // The error may name the database's host: it goes to the log, not to the public.
        log.warn("status.range_failed", { error: String(error) });
        return errorResponse(503, "internal", "the status history is not answering", NO_STORE);
      }
      return Response.json({ ...live, ...stored }, { headers: NO_STORE });
    },

    liveStatus,
    rangeStatus: (range, statusView) => ranges.read(range, statusView),

    async readyz() {
      if (!hub.accepting) return errorResponse(503, "internal", "draining", NO_STORE);
      try {
        await probeStore();
      } catch (error) {
        log.warn("readyz.store_failed", { error: String(error) });
        return errorResponse(503, "internal", "the store is not answering", NO_STORE);
      }
      return Response.json({ ready: true }, { headers: NO_STORE });
    },
  };
}
