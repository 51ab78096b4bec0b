import { useState } from "preact/hooks";
import type { ConnectionState } from "../lib/client/states.ts";
import { usePageClient } from "../components/chat/hooks.ts";

/** Props of {@linkcode ConnectionBadge}. */
export interface ConnectionBadgeProps {
  /** When the server rendered the page; shown in the details. */
  renderedAt: Date;
}

const LABELS: Record<ConnectionState, string> = {
  idle: "Connecting",
  connecting: "Connecting",
  open: "Connected",
  degraded: "Slow connection",
  reconnecting: "Reconnecting",
  fallback: "Connected (fallback)",
  failed: "Not connected",
  closed: "Disconnected",
};

/**
 * The page client's connection in the top bar: a coloured dot and a word. A
 * click shows the transport and the latency. Server-rendered as `idle`.
 */
export default function ConnectionBadge({ renderedAt }: ConnectionBadgeProps) {
  const client = usePageClient();
  const [open, setOpen] = useState(false);
  const online = client?.online.value ?? true;
  const state = client?.state.value ?? "idle";
  const shown = online ? state : "offline";
  const latency = client?.latencyMs.value ?? null;
  return (
    <span class="badge-wrap">
      <button
        type="button"
        class={`badge badge-${shown}`}
        data-state={state}
        aria-expanded={open}
        aria-controls="connection-badge-detail"
        onClick={() => setOpen(!open)}
      >
        <span class="dot" aria-hidden="true" />
        {online ? LABELS[state] : "Offline"}
      </button>
      {open && (
        <span class="badge-detail" id="connection-badge-detail" role="status">
          {client?.transport.value === "http" ? "HTTP fallback" : "WebSocket"}
          {latency !== null && ` · ${Math.round(latency)} ms`} · page rendered{" "}
          {renderedAt.toLocaleTimeString()}
        </span>
      )}
    </span>
  );
}
