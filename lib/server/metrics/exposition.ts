/**
 * `GET /metrics` for the whole cluster: whichever isolate answers (with
 * `deno serve --parallel` or on Deploy a scrape lands on any of them), every
 * live isolate's series come out, told apart by an `isolate` label. This
 * isolate's values are read now; the others' are their last snapshots.
 *
 * @example
 * ```ts
 * if (!(await hasMetricsAccess(request, config.metricsToken))) return unauthorized();
 * return new Response(renderClusterMetrics(metrics, view), {
 *   headers: { "content-type": PROMETHEUS_CONTENT_TYPE },
 * });
 * ```
 */
import type { ClusterView } from "./cluster_view.ts";
import { type PrometheusSource, renderPrometheus } from "./prometheus.ts";
import type { SwitchboardMetrics } from "./switchboard_metrics.ts";

/** Renders every live isolate's metrics in the Prometheus text format. */
export function renderClusterMetrics(
  metrics: Pick<SwitchboardMetrics, "identity" | "registry">,
  view: ClusterView,
): string {
  const self = metrics.identity.id;
  const sources: PrometheusSource[] = [
    { labels: { isolate: self }, metrics: metrics.registry.snapshot() },
  ];
  for (const { snapshot } of view.isolates()) {
    if (snapshot.isolate.id === self) continue;
    sources.push({ labels: { isolate: snapshot.isolate.id }, metrics: snapshot.metrics });
  }
  return renderPrometheus(metrics.registry.descriptors(), sources);
}

/**
 * Whether a request may read `/metrics`: always when no `METRICS_TOKEN` is
 * set, otherwise only with `Authorization: Bearer <token>`. The comparison
 * runs on SHA-256 digests in constant time, so neither the token's content
 * nor its length leaks through timing.
 */
export async function hasMetricsAccess(
  request: Request,
  token: string | undefined,
): Promise<boolean> {
  if (!token) return true;
  const header = request.headers.get("authorization") ?? "";
  const match = /^Bearer (.+)$/i.exec(header);
  if (!match) return false;
  const [offered, expected] = await Promise.all(
    [match[1], token].map(async (text) =>
      new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)))
    ),
  );
  let difference = 0;
  for (let index = 0; index < expected.length; index++) {
    difference |= offered[index] ^ expected[index];
  }
  return difference === 0;
}
