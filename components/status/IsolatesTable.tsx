import type { StatusDetail, StatusResponse } from "../../lib/protocol/status.ts";
import { formatAgo, formatBytes, formatCount, formatDuration, formatRate } from "./format.ts";

function IsolateRows({ status }: { status: StatusDetail }) {
  const now = status.server_time;
  return (
    <tbody>
      {status.isolates.map((isolate) => (
        <tr key={isolate.id} data-isolate={isolate.id}>
          <th scope="row">
            <code>{isolate.id}</code>
            {isolate.state === "draining" && <span class="tag tag-warn">draining</span>}
            {!isolate.kv_ok && <span class="tag tag-bad">store failing</span>}
          </th>
          <td>
            {isolate.region ?? <span class="muted">no region</span>}
            <span class="cell-sub">{isolate.host}</span>
          </td>
          <td>{formatDuration(isolate.uptime_s)}</td>
          <td class="num">
            {formatCount(isolate.connections)}
            <span class="cell-sub">{formatRate(isolate.messages_per_second)} msg/s</span>
          </td>
          <td class="num">
            {formatBytes(isolate.memory.rss_bytes)}
            <span class="cell-sub">heap {formatBytes(isolate.memory.heap_used_bytes)}</span>
          </td>
          <td>{formatAgo(isolate.last_seen, now)}</td>
        </tr>
      ))}
      {status.missing_isolates.map((gone) => (
        <tr key={gone.id} class="row-missing" data-isolate={gone.id}>
          <th scope="row">
            <code>{gone.id}</code>
            <span class="tag tag-bad">stopped reporting</span>
          </th>
          <td>
            <span class="cell-sub">{gone.host}</span>
          </td>
          <td colSpan={3} class="muted">—</td>
          <td>{formatAgo(gone.last_seen, now)}</td>
        </tr>
      ))}
    </tbody>
  );
}

/** The cluster plane as the answering instance sees it: its engine and who is alive. */
function ClusterNote({ status }: { status: StatusDetail }) {
  const { engine, instance, instances, expiry_ms } = status.cluster;
  return (
    <p class="panel-note" data-fact="cluster">
      Cluster engine <code>{engine}</code>: {formatCount(instances)}{" "}
      {instances === 1 ? "instance" : "instances"} alive by heartbeat
      {engine === "kv" ? " in the shared KV" : " in this process"}; one counts{" "}
      {formatDuration(expiry_ms / 1000)} after its last. Answered by <code>{instance}</code>.
    </p>
  );
}

/**
 * Every isolate that reports (and those that recently stopped), for admins,
 * with the cluster plane they make up.
 * The public view has only the count, and says so.
 *
 * @example
 * ```tsx
 * <IsolatesTable status={status} />
 * ```
 */
export function IsolatesTable({ status }: { status: StatusResponse }) {
  return (
    <section class="panel" aria-labelledby="isolates-title">
      <header class="panel-head">
        <h2 id="isolates-title">Isolates</h2>
        <p class="panel-sub">
          {status.isolates_up} reporting
        </p>
      </header>
      {status.view === "admin" && <ClusterNote status={status} />}
      {status.view === "admin"
        ? (
          <div class="table-scroll">
            <table class="data-table isolates">
              <thead>
                <tr>
                  <th scope="col">Isolate</th>
                  <th scope="col">Region / host</th>
                  <th scope="col">Uptime</th>
                  <th scope="col" class="num">Connections</th>
                  <th scope="col" class="num">Memory (RSS)</th>
                  <th scope="col">Last seen</th>
                </tr>
              </thead>
              <IsolateRows status={status} />
            </table>
          </div>
        )
        : (
          <p class="panel-note">
            {status.isolates_up} {status.isolates_up === 1 ? "isolate is" : "isolates are"}{" "}
            reporting. Hosts, memory and uptime of each isolate are shown to admins.
          </p>
        )}
    </section>
  );
}
