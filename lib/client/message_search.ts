/**
 * The search box's state: the `search` frame's answers kept in one signal a
 * UI renders. Only the answer to the newest search is shown (an older one
 * arriving late is dropped); a refusal for asking too often says until when
 * (`rate_limited`), any other failure says why.
 *
 * @example
 * ```ts
 * const search = createMessageSearch({ search: client.search, now: Date.now });
 * await search.run("release notes");
 * search.state.value; // { kind: "results", q: "release notes", messages: [...] }
 * ```
 */
import { type ReadonlySignal, signal } from "@preact/signals";
import type { Message } from "../protocol/frames.ts";
// A type only: the search box is fetched on first use, and sharing the class would split it off.
import type { RequestError } from "./pending_requests.ts";

/** What the search box shows. */
export type SearchState =
  | { kind: "idle" }
  | { kind: "searching"; q: string }
  /** `messages` may be empty: nothing holds every word of `q`. */
  | { kind: "results"; q: string; messages: readonly Message[] }
  /** Too many searches: the server takes the next one at `retryAt` (ms since the epoch). */
  | { kind: "rate_limited"; q: string; retryAt: number }
  | { kind: "error"; q: string; message: string };

/** Options of {@linkcode createMessageSearch}. */
export interface MessageSearchOptions {
  /** Asks the server (the client's `search`). */
  search(q: string): Promise<readonly Message[]>;
  /** The time now, for `retryAt`. */
  now(): number;
}

/** The search box's state and what it does. */
export interface MessageSearch {
  readonly state: ReadonlySignal<SearchState>;
  /** Searches for messages holding every word of `q`; a blank `q` clears. */
  run(q: string): Promise<void>;
  /** Back to `idle`; an answer on its way is dropped. */
  clear(): void;
}

/** When the server gives no `retry_after_ms`, asking again is allowed after this long. */
const DEFAULT_RETRY_MS = 2_000;

/**
 * Creates a {@linkcode MessageSearch} in `idle`.
 *
 * @example
 * ```ts
 * const search = createMessageSearch({ search: (q) => client.search(q), now: Date.now });
 * ```
 */
export function createMessageSearch(options: MessageSearchOptions): MessageSearch {
  const state = signal<SearchState>({ kind: "idle" });
  /** Counts searches, so that only the newest one's answer shows. */
  let asked = 0;

  return {
    state,
    async run(text) {
      const q = text.trim();
      const mine = ++asked;
      if (q === "") {
        state.value = { kind: "idle" };
        return;
      }
      state.value = { kind: "searching", q };
      let next: SearchState;
      try {
        next = { kind: "results", q, messages: await options.search(q) };
      } catch (error) {
        const { code, retryAfterMs } = error as Partial<RequestError>;
        const retryAt = options.now() + (retryAfterMs ?? DEFAULT_RETRY_MS);
        next = code === "rate_limited"
          ? { kind: "rate_limited", q, retryAt }
          : { kind: "error", q, message: (error as Error).message };
      }
      if (mine === asked) state.value = next;
    },
    clear() {
      asked++;
      state.value = { kind: "idle" };
    },
  };
}
