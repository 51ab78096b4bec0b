/**
 * Stopping on SIGINT/SIGTERM when every isolate of the process gets the
 * signal (`deno serve --parallel`): each isolate drains its own clients, and
 * the process exits once every isolate that started draining has finished —
 * or at the deadline, whichever is first — since the first `Deno.exit` ends
 * all isolates at once. The isolates tell each other over a BroadcastChannel.
 *
 * @example
 * ```ts
 * exitOnSignals({
 *   drain: () => services.drain(),
 *   close: () => switchboard.close(),
 *   deadlineMs: 4_500,
 * });
 * ```
 */

/** Options of {@linkcode exitOnSignals}. */
export interface ExitOnSignalsOptions {
  /** Tells clients to go and waits for them (bounded by its own timeout). */
  drain(): Promise<void>;
  /** Releases what is left (timers, KV). */
  close(): Promise<void>;
  /** Exit no later than this long after the signal (Deno Deploy kills at 5 s). */
  deadlineMs: number;
  /** How long to wait for sibling isolates to say they started draining. */
  settleMs?: number;
  channelName?: string;
}

type ShutdownMessage = { kind: "draining" | "drained"; isolate: string };

/** Installs the signal listeners. */
export function exitOnSignals(options: ExitOnSignalsOptions): void {
  const isolate = crypto.randomUUID();
  const channel = new BroadcastChannel(options.channelName ?? "switchboard-shutdown");
  const draining = new Set<string>();
  const drained = new Set<string>();
  let started = false;
  let exitCheck: (() => void) | null = null;

  channel.onmessage = (event: MessageEvent<ShutdownMessage>) => {
    const { kind, isolate: from } = event.data;
    (kind === "draining" ? draining : drained).add(from);
    exitCheck?.();
  };

  const allDrained = () => [...draining].every((id) => drained.has(id));

  const shutdown = async () => {
    if (started) return;
    started = true;
    const deadline = setTimeout(() => Deno.exit(0), options.deadlineMs);
    draining.add(isolate);
    channel.postMessage({ kind: "draining", isolate } satisfies ShutdownMessage);
    await options.drain();
    await options.close();
    drained.add(isolate);
    channel.postMessage({ kind: "drained", isolate } satisfies ShutdownMessage);
    // Siblings got the same signal; give them a moment to say they are draining.
    await new Promise((resolve) => setTimeout(resolve, options.settleMs ?? 100));
    await new Promise<void>((resolve) => {
      exitCheck = () => allDrained() && resolve();
      exitCheck();
    });
    clearTimeout(deadline);
    channel.close();
    Deno.exit(0);
  };

  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    Deno.addSignalListener(signal, shutdown);
  }
}
