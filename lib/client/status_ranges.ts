/**
 * The status page's chosen range and its stored history (`GET
 * /api/status?range=`): the uptime bar, the incidents, the range's points
 * and, for admins, the drill-down. The live numbers come from
 * `live_status.ts`; this keeps the rest fresh, once a minute (the history
 * gains a point a minute), and reads a range at once when it is chosen.
 *
 * An admin reads with a bearer token (`getToken`) and gets the drill-down;
 * everyone else reads the public view. A failed read keeps what was shown
 * and says so (`state` `unavailable`) until a read succeeds.
 *
 * @example
 * ```ts
 * const ranges = createStatusRanges({ range: "24h", initial: data, clock: createSystemClock() });
 * ranges.start();
 * ranges.select("7d"); // reads /api/status?range=7d now
 * effect(() => render(ranges.range.value, ranges.data.value));
 * ```
 */
import { batch, type ReadonlySignal, signal } from "@preact/signals";
import type { StatusRangeData } from "../protocol/status.ts";
import type { StatusRange } from "../protocol/status_range.ts";
import { readStatusRangeData } from "../protocol/guards.ts";
import type { Clock, TimerId } from "../time/clock.ts";

/** Whether the data shown is the chosen range's, being read, or could not be read. */
export type StatusRangesState = "ready" | "loading" | "unavailable";

/** Options of {@linkcode createStatusRanges}. */
export interface StatusRangesOptions {
  /** The range the page was rendered with. */
  range: StatusRange;
  /** Its data, as rendered; null when the server could not read it. */
  initial: StatusRangeData | null;
  clock: Clock;
  /** Default `<location.origin>/api/status`; required outside a page. */
  url?: string;
  /** Default `<origin of url>/api/admin/incident-note`. */
  noteUrl?: string;
  /** How often to read the chosen range again. Default 60 000. */
  refreshMs?: number;
  /** A token to read with (admins get the drill-down); null reads the public view. */
  getToken?: () => Promise<string | null>;
  /** Default `fetch`. */
  fetch?: typeof fetch;
}

/** The chosen range and its data, returned by {@linkcode createStatusRanges}. */
export interface StatusRanges {
  readonly range: ReadonlySignal<StatusRange>;
  /** The newest data read for `range`; a previous range's while the new one loads. */
  readonly data: ReadonlySignal<StatusRangeData | null>;
  readonly state: ReadonlySignal<StatusRangesState>;
  /** Chooses a range and reads it now. */
  select(range: StatusRange): void;
  /** Reads the chosen range again now (once the reader turns out to be an admin). */
  refresh(): void;
  /**
   * Adds an admin's note to an incident (`POST /api/admin/incident-note`,
   * with `getToken`'s token) and reads the range again; resolves with why it
   * failed, in words, or null.
   */
  addNote(incident: number, text: string): Promise<string | null>;
  /** Starts the refresh timer. */
  start(): void;
  /** Stops the timer and abandons a running read. */
  stop(): void;
}

/**
 * Creates {@linkcode StatusRanges}, idle until started.
 *
 * @example
 * ```ts
 * const ranges = createStatusRanges({ range: "15m", initial: null, clock, url: "http://localhost:8000/api/status" });
 * ```
 */
export function createStatusRanges(options: StatusRangesOptions): StatusRanges {
  const { clock } = options;
  const fetchFn = options.fetch ?? globalThis.fetch;
  const refreshMs = options.refreshMs ?? 60_000;
  const origin = globalThis.location?.origin;
  if (!options.url && !origin) throw new TypeError("createStatusRanges: pass `url` outside a page");
  const url = options.url ?? new URL("/api/status", origin).href;
  const noteUrl = options.noteUrl ?? new URL("/api/admin/incident-note", url).href;
  const tokenOrNull = () => options.getToken?.().catch(() => null) ?? Promise.resolve(null);

  const range = signal(options.range);
  const data = signal(options.initial);
  const state = signal<StatusRangesState>(options.initial ? "ready" : "unavailable");
  let timer: TimerId | null = null;
  let reading: AbortController | null = null;

  const read = async () => {
    reading?.abort();
    const controller = new AbortController();
    reading = controller;
    const wanted = range.peek();
    if (data.peek()?.range.name !== wanted) state.value = "loading";
    try {
      const token = await tokenOrNull();
      const response = await fetchFn(`${url}?range=${wanted}`, {
        headers: {
          accept: "application/json",
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        cache: "no-store",
        signal: controller.signal,
      });
      const body: unknown = await response.json();
      if (reading !== controller) return;
      const received = response.ok ? readStatusRangeData(body) : null;
      if (!received || received.range.name !== wanted) {
        throw new Error(`bad answer (${response.status})`);
      }
      batch(() => {
        data.value = received;
        state.value = "ready";
      });
    } catch {
      if (reading === controller) state.value = "unavailable";
    } finally {
      if (reading === controller) reading = null;
    }
  };

  return {
    range,
    data,
    state,
    select(next) {
      if (next === range.peek() && state.peek() !== "unavailable") return;
      range.value = next;
      void read();
    },
    refresh: () => void read(),
    async addNote(incident, text) {
      try {
        const token = await tokenOrNull();
        if (!token) return "sign in as an admin to add notes";
        const response = await fetchFn(noteUrl, {
          method: "POST",
          headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
          body: JSON.stringify({ incident, text }),
        });
        if (!response.ok) {
          const body = await response.json().catch(() => null);
          return body?.error?.message ?? `the server answered ${response.status}`;
        }
        await response.body?.cancel();
        void read();
        return null;
      } catch {
        return "could not reach the server; try again";
      }
    },
    start() {
      if (timer === null) timer = clock.setInterval(() => void read(), refreshMs);
    },
    stop() {
      if (timer !== null) clock.clearInterval(timer);
      timer = null;
      reading?.abort();
      reading = null;
    },
  };
}
