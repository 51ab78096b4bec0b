import { useEffect, useRef } from "preact/hooks";
import type { ChatClient } from "../../lib/client/client.ts";
import type { LatencySample } from "../../lib/client/watchdog.ts";
import { secondsUntil, timeLabel } from "./format.ts";

/** Props of {@linkcode DiagnosticsPanel}. */
export interface DiagnosticsPanelProps {
  client: ChatClient;
  now: number;
  onClose(): void;
}

function clockTime(ts: number): string {
  return new Date(ts).toLocaleTimeString(undefined, { hour12: false });
}

/**
 * Everything the client knows about its connection, for support and for the
 * curious: opened with `?wsDebug=1` or Ctrl+Shift+W, closed with Escape.
 */
export function DiagnosticsPanel({ client, now, onClose }: DiagnosticsPanelProps) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);
  const nextRetryAt = client.nextRetryAt.value;
  const fallbackUntil = client.fallbackUntil.value;
  const latency = client.latencyMs.value;
  const user = client.user.value;
  const framesIn = client.framesIn.value;
  const framesOut = client.framesOut.value;
  const frameTypes = [...new Set([...Object.keys(framesIn), ...Object.keys(framesOut)])].sort();
  const attempts = [...client.attempts.value].reverse();
  const transitions = client.transitions.value.slice(-8).reverse();
  const outbox = client.outbox.value;

  const facts: [string, string][] = [
    ["State", client.state.value],
    ["Transport", client.transport.value === "http" ? "HTTP fallback" : "WebSocket"],
    ["Attempt", String(client.attempt.value)],
    ["Next retry", nextRetryAt === null ? "—" : `in ${secondsUntil(nextRetryAt, now)} s`],
    ["Latency", latency === null ? "—" : `${Math.round(latency)} ms`],
    ["Quality", client.quality.value],
    ["Network", client.online.value ? "online" : "offline"],
    ["Fallback until", fallbackUntil === null ? "—" : clockTime(fallbackUntil)],
    ["User", user ? `${user.name} (${user.role})` : "—"],
    ["Last error", client.lastError.value ?? "—"],
  ];

  return (
    <section
      class="diagnostics"
      role="dialog"
      aria-modal="false"
      aria-labelledby="diagnostics-title"
      onKeyDown={(event) => {
        if (event.key === "Escape") onClose();
      }}
    >
      <header class="diagnostics-header">
        <h2 id="diagnostics-title" tabIndex={-1} ref={heading}>Connection diagnostics</h2>
        <button type="button" class="icon-button" onClick={onClose}>
          <span aria-hidden="true">×</span>
          <span class="sr-only">Close diagnostics</span>
        </button>
      </header>
      <div class="diagnostics-body">
        <dl class="facts" data-testid="diagnostics-facts">
          {facts.map(([label, value]) => (
            <div key={label} class="fact">
              <dt>{label}</dt>
              <dd data-fact={label.toLowerCase().replaceAll(" ", "-")}>{value}</dd>
            </div>
          ))}
        </dl>
        <div class="diagnostics-actions">
          <button type="button" class="button" onClick={() => client.connect()}>Connect</button>
          <button type="button" class="button" onClick={() => client.disconnect()}>
            Disconnect
          </button>
          <button type="button" class="button" onClick={() => client.reconnectNow()}>
            Reconnect
          </button>
          <button type="button" class="button" onClick={() => client.ping()}>Ping</button>
          <button type="button" class="button" onClick={() => client.forceFallback()}>
            Force fallback
          </button>
        </div>

        <h3>Latency</h3>
        <LatencyChart samples={client.latencyHistory.value} />

        <h3>Attempts</h3>
        {attempts.length === 0 ? <p class="muted small">None yet.</p> : (
          <table class="diag-table">
            <thead>
              <tr>
                <th>#</th>
                <th>Via</th>
                <th>Started</th>
                <th>Cause</th>
                <th>Code</th>
                <th>Then waited</th>
              </tr>
            </thead>
            <tbody>
              {attempts.map((attempt) => (
                <tr key={attempt.startedAt + attempt.transport + attempt.n}>
                  <td>{attempt.n}</td>
                  <td>{attempt.transport === "http" ? "HTTP" : "WS"}</td>
                  <td>{clockTime(attempt.startedAt)}</td>
                  <td title={attempt.reason}>
                    {attempt.cause ??
                      (attempt.endedAt === null
                        ? (attempt.readyAt === null ? "running" : "connected")
                        : "ended")}
                  </td>
                  <td>{attempt.code ?? "—"}</td>
                  <td>
                    {attempt.retryDelayMs === null
                      ? "—"
                      : `${(attempt.retryDelayMs / 1000).toFixed(1)} s`}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}

        <h3>Transitions</h3>
        <ol class="transitions">
          {transitions.map((transition) => (
            <li key={transition.at + transition.to}>
              <span class="mono">{clockTime(transition.at)}</span> {transition.from} →{"  "}
              <strong>{transition.to}</strong> <span class="muted">{transition.reason}</span>
            </li>
          ))}
        </ol>

        <h3>Frames</h3>
        <table class="diag-table" data-testid="frame-counts">
          <thead>
            <tr>
              <th>Type</th>
              <th>In</th>
              <th>Out</th>
            </tr>
          </thead>
          <tbody>
            {frameTypes.map((type) => (
              <tr key={type}>
                <td class="mono">{type}</td>
                <td>{framesIn[type] ?? 0}</td>
                <td>{framesOut[type] ?? 0}</td>
              </tr>
            ))}
          </tbody>
        </table>

        <h3>Outbox ({outbox.length})</h3>
        {outbox.length === 0
          ? <p class="muted small">Empty: every message was acknowledged.</p>
          : (
            <ul class="outbox-list">
              {outbox.map((entry) => (
                <li key={entry.cid}>
                  <span class="mono">#{entry.room}</span> “{entry.text.slice(0, 60)}” —{" "}
                  {entry.status}, {entry.tries} {entry.tries === 1 ? "try" : "tries"}, queued{" "}
                  {timeLabel(entry.createdAt)}
                </li>
              ))}
            </ul>
          )}
      </div>
    </section>
  );
}

function LatencyChart({ samples }: { samples: readonly LatencySample[] }) {
  if (samples.length === 0) return <p class="muted small">No round trips measured yet.</p>;
  const values = samples.map((sample) => sample.ms);
  const max = Math.max(...values, 1);
  const width = 280;
  const height = 48;
  const step = samples.length > 1 ? width / (samples.length - 1) : 0;
  const points = values
    .map((value, i) =>
      `${(i * step).toFixed(1)},${(height - (value / max) * (height - 4) - 2).toFixed(1)}`
    )
    .join(" ");
  const average = values.reduce((sum, value) => sum + value, 0) / values.length;
  return (
    <figure class="latency">
      <svg
        viewBox={`0 0 ${width} ${height}`}
        preserveAspectRatio="none"
        role="img"
        aria-label="Round-trip latency over time"
      >
        <polyline points={points} />
      </svg>
      <figcaption class="muted small">
        {samples.length} samples · min {Math.round(Math.min(...values))} ms · avg{" "}
        {Math.round(average)} ms · max {Math.round(max)} ms
      </figcaption>
    </figure>
  );
}
