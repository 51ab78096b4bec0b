/**
 * Keeps the status page's numbers fresh. It prefers `status` frames pushed
 * over the page's connection (the WebSocket, or the fallback event stream,
 * which carries the same frames). Whenever no push has arrived for two
 * intervals (signed out, still connecting, reconnecting, or a server that does
 * not push), it polls `GET /api/status` every interval instead, and goes back
 * to pushes as soon as one arrives.
 *
 * A visitor who is not signed in is not given a guest identity behind their
 * back: that would mint an account and a connection just for watching (and
 * count them in "users online"). Polling at the server's sampling interval
 * shows the same numbers, since the status only changes once per interval.
 *
 * ## Modes
 *
 * | mode | meaning |
 * | --- | --- |
 * | `idle` | not started: the numbers are the ones the page was rendered with |
 * | `waiting` | started; nothing new has arrived yet |
 * | `live` | the last update was pushed over the connection |
 * | `polling` | the last update came from `GET /api/status` |
 * | `unreachable` | the last poll failed; the numbers shown are from `receivedAt` |
 *
 * @example
 * ```ts
 * const live = createLiveStatus({ initial, clock: createSystemClock(), push: getPageClient() });
 * live.start();
 * effect(() => render(live.status.value, live.mode.value));
 * ```
 */
import { batch, type ReadonlySignal, signal } from "@preact/signals";
import { isStatusResponse } from "../protocol/guards.ts";
import type { StatusResponse } from "../protocol/status.ts";
import type { Clock, TimerId } from "../time/clock.ts";

/** Where the live status's numbers come from right now. */
export type LiveStatusMode = "idle" | "waiting" | "live" | "polling" | "unreachable";

/** Something that pushes status over a connection: the chat client. */
export interface StatusPushSource {
  /**
   * Asks for pushes, now and after every reconnect; `onStatus` gets each status
   * as it arrives. The returned function stops them.
   */
  subscribeStatus(onStatus: (status: StatusResponse) => void): () => void;
}

/** Options of {@linkcode createLiveStatus}. */
export interface LiveStatusOptions {
  /** The status the page was rendered with. */
  initial: StatusResponse;
  clock: Clock;
  /** Pushes to prefer over polling. Default none: poll only. */
  push?: StatusPushSource;
  /** Default `<location.origin>/api/status`; required outside a page. */
  url?: string;
  /** How often to poll while no pushes arrive. Default the status's own sampling interval. */
  intervalMs?: number;
  /** Default `fetch`. */
  fetch?: typeof fetch;
}

/** The status page's numbers, returned by {@linkcode createLiveStatus}. */
export interface LiveStatus {
  /** The newest status seen. */
  readonly status: ReadonlySignal<StatusResponse>;
  readonly mode: ReadonlySignal<LiveStatusMode>;
  /** When `status` arrived (the clock's epoch ms); null while it is the page's own. */
  readonly receivedAt: ReadonlySignal<number | null>;
  /** Subscribes to pushes and starts the poll timer. Starting twice is a no-op. */
  start(): void;
  /** Unsubscribes, stops the timer and abandons a running poll. */
  stop(): void;
}

/**
 * Creates a {@linkcode LiveStatus} in mode `idle`.
 *
 * @example
 * ```ts
 * const live = createLiveStatus({ initial, clock, url: "http://localhost:8000/api/status" });
 * ```
 */
export function createLiveStatus(options: LiveStatusOptions): LiveStatus {
  const { clock, push } = options;
  const fetchFn = options.fetch ?? globalThis.fetch;
  const intervalMs = options.intervalMs ?? options.initial.history.interval_ms;
  const origin = globalThis.location?.origin;
  if (!options.url && !origin) throw new TypeError("createLiveStatus: pass `url` outside a page");
  const url = options.url ?? new URL("/api/status", origin).href;

  const status = signal<StatusResponse>(options.initial);
  const mode = signal<LiveStatusMode>("idle");
  const receivedAt = signal<number | null>(null);

  let started = false;
  let timer: TimerId | null = null;
  let lastPushAt: number | null = null;
  let poll: AbortController | null = null;
  let stopPushes: (() => void) | null = null;

  const accept = (next: StatusResponse, from: "live" | "polling") => {
    // A reply overtaken by a newer push or poll must not roll the numbers back.
    if (next.server_time < status.peek().server_time) return;
    batch(() => {
      status.value = next;
      mode.value = from;
      receivedAt.value = clock.now();
    });
  };

  const runPoll = async () => {
    poll?.abort();
    const controller = new AbortController();
    poll = controller;
    try {
      const response = await fetchFn(url, {
        headers: { accept: "application/json" },
        cache: "no-store",
        signal: controller.signal,
      });
      const body: unknown = await response.json();
      if (poll !== controller) return;
      if (!response.ok || !isStatusResponse(body)) {
        throw new Error(`bad answer (${response.status})`);
      }
      accept(body, "polling");
    } catch {
      if (poll === controller) mode.value = "unreachable";
    } finally {
      if (poll === controller) poll = null;
    }
  };

  const tick = () => {
    const pushedRecently = lastPushAt !== null && clock.now() - lastPushAt < 2 * intervalMs;
    if (!pushedRecently) void runPoll();
  };

  return {
    status,
    mode,
    receivedAt,
    start() {
      if (started) return;
      started = true;
      mode.value = "waiting";
      stopPushes = push?.subscribeStatus((pushed) => {
        lastPushAt = clock.now();
        accept(pushed, "live");
      }) ?? null;
      timer = clock.setInterval(tick, intervalMs);
    },
    stop() {
      if (timer !== null) clock.clearInterval(timer);
      timer = null;
      stopPushes?.();
      stopPushes = null;
      poll?.abort();
      poll = null;
      started = false;
      mode.value = "idle";
    },
  };
}
