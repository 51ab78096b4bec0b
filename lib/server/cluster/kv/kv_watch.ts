/**
 * The one `kv.watch` of a kv engine instance, over a fixed list of signal
 * keys (at most 10, KV's limit): whatever the number of rooms or instances,
 * an instance watches its room shards, the stream signal, the registry signal
 * and its own mailbox. A watch coalesces: it reports a key's latest value, not
 * every one, so a signal only says "look": what changed is read from where it
 * is kept. Each report names the keys whose versionstamp moved; the first
 * report after the watch (re)opens calls `onOpen` instead, since changes may
 * have been missed while it was closed. A watch that fails is opened again a
 * second later.
 *
 * @example
 * ```ts
 * const watch = watchSignals({
 *   kv, keys: [STREAM_SIGNAL, mailboxSignal(instance)],
 *   onChange: (index) => index === 0 ? readStreams() : readMail(),
 *   onOpen: () => readEverything(),
 *   onError: console.error,
 * });
 * await watch.stop();
 * ```
 */

/** Options of {@linkcode watchSignals}. */
export interface WatchSignalsOptions {
  kv: Deno.Kv;
  /** The keys to watch (at most 10). */
  keys: Deno.KvKey[];
  /** The key at `index` changed. */
  onChange(index: number): void;
  /** The watch (re)opened: anything may have changed meanwhile. */
  onOpen(): void;
  onError(error: unknown): void;
  /** How long to wait before opening a failed watch again. Default 1 000 ms (real time). */
  retryMs?: number;
}

/** A running watch. */
export interface SignalWatch {
  /** Resolves once the first report arrived (the watch is open). */
  readonly opened: Promise<void>;
  stop(): Promise<void>;
}

/** Watches `keys` until stopped. */
export function watchSignals(options: WatchSignalsOptions): SignalWatch {
  const { kv, keys, onChange, onOpen, onError } = options;
  if (keys.length > 10) throw new RangeError("kv.watch takes at most 10 keys");
  const retryMs = options.retryMs ?? 1_000;
  const opened = Promise.withResolvers<void>();
  let reader: ReadableStreamDefaultReader<Deno.KvEntryMaybe<unknown>[]> | null = null;
  let stopped = false;
  let wake: (() => void) | null = null;

  const watchOnce = async () => {
    reader = kv.watch(keys).getReader();
    let seen: (string | null)[] | null = null;
    for (;;) {
      const { done, value } = await reader.read();
      if (done || stopped) return;
      if (seen === null) {
        seen = value.map((entry) => entry.versionstamp);
        onOpen();
        opened.resolve();
        continue;
      }
      value.forEach((entry, index) => {
        if (entry.versionstamp === seen![index]) return;
        seen![index] = entry.versionstamp;
        onChange(index);
      });
    }
  };

  const running = (async () => {
    while (!stopped) {
      try {
        await watchOnce();
      } catch (error) {
        if (!stopped) onError(error);
      }
      if (stopped) return;
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, retryMs);
      });
    }
  })();

  return {
    opened: opened.promise,
    async stop() {
      stopped = true;
      wake?.();
      await reader?.cancel().catch(() => {});
      await running;
    },
  };
}
