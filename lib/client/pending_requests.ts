/**
 * The client's requests that wait for their reply, by the `ref` they went out
 * with: `history` pages, the member list's `members` pages, and the questions a caller awaits (`ask`: making a
 * room, inviting, the member list…). A reply (or an `error`) names its request
 * by echoing the ref, and the table says what was asked. A connection's end
 * forgets them all, since their replies can no longer come: each question is
 * answered that it failed.
 *
 * The table is a signal, so what a UI shows of it (an older page loading) is
 * computed from it and can never disagree with it.
 *
 * @example
 * ```ts
 * const pending = createPendingRequests();
 * pending.add({ kind: "older", room: "general" }, (ref) =>
 *   connection.send({ type: "history", room: "general", limit: 50, ref }));
 * pending.has((request) => request.kind === "older"); // true
 * pending.take(reply.ref); // { kind: "older", room: "general" }, and it is gone
 * ```
 */
import { signal } from "@preact/signals";
import type { ServerFrame } from "../protocol/frames.ts";
import type { MembersQuery } from "./member_list.ts";
import type { Gap } from "./room_state.ts";

/** The answer to a question: its reply frame, or why there is none. */
export type Answer =
  | { ok: true; frame: ServerFrame }
  /** `code` and `retryAfterMs` are the server's `error` frame's, when it sent one. */
  | { ok: false; message: string; code?: string; retryAfterMs?: number };

/**
 * Why a question got no answer: the server's `error` (its `code`, and when to
 * ask again for `rate_limited`), or the connection's end (no `code`).
 *
 * @example
 * ```ts
 * try {
 *   await client.search("release notes");
 * } catch (error) {
 *   if (error instanceof RequestError && error.code === "rate_limited") wait(error.retryAfterMs);
 * }
 * ```
 */
export class RequestError extends Error {
  readonly code: string | null;
  readonly retryAfterMs: number | null;
  constructor(message: string, code?: string, retryAfterMs?: number) {
    super(message);
    this.name = "RequestError";
    this.code = code ?? null;
    this.retryAfterMs = retryAfterMs ?? null;
  }
}

/** What a pending request asked for. */
export type PendingRequest =
  /** The page of messages before the oldest held (`loadOlder`); `done` hears whether it came. */
  | { kind: "older"; room: string; done?(arrived: boolean): void }
  /** Messages found missing while connected: a gap, or the rest of a paged `joined`. */
  | { kind: "gap"; room: string; gap: Gap }
  /** A page of the member list. */
  | { kind: "members"; room: string; asked: MembersQuery }
  /** The whole presence list again, after a big room shrank back. */
  | { kind: "refill"; room: string }
  /** A question someone awaits; `settle` hands them the answer. */
  | { kind: "ask"; settle(answer: Answer): void };

/** The requests waiting for a reply. */
export interface PendingRequests {
  /**
   * Sends a request with a fresh ref; it is pending from then on if `send`
   * returned true (it went out), and forgotten otherwise.
   */
  add(request: PendingRequest, send: (ref: string) => boolean): boolean;
  /** The request `ref` names, now answered and no longer pending; undefined for any other ref. */
  take(ref: string | undefined): PendingRequest | undefined;
  /** Whether a pending request matches (read reactively inside `computed` and `effect`). */
  has(matches: (request: PendingRequest) => boolean): boolean;
  /** The connection ended: no reply will come. */
  clear(): void;
}

/**
 * Creates an empty {@linkcode PendingRequests}.
 *
 * @example
 * ```ts
 * const pending = createPendingRequests();
 * ```
 */
export function createPendingRequests(): PendingRequests {
  const byRef = signal<ReadonlyMap<string, PendingRequest>>(new Map());
  let counter = 0;

  return {
    add(request, send) {
      const ref = `req-${++counter}`;
      if (!send(ref)) return false;
      byRef.value = new Map(byRef.peek()).set(ref, request);
      return true;
    },
    take(ref) {
      if (ref === undefined) return undefined;
      const request = byRef.peek().get(ref);
      if (!request) return undefined;
      const rest = new Map(byRef.peek());
      rest.delete(ref);
      byRef.value = rest;
      return request;
    },
    has(matches) {
      for (const request of byRef.value.values()) if (matches(request)) return true;
      return false;
    },
    clear() {
      const requests = byRef.peek();
      if (requests.size === 0) return;
      byRef.value = new Map();
      for (const request of requests.values()) {
        if (request.kind === "ask") request.settle({ ok: false, message: "the connection ended" });
        if (request.kind === "older") request.done?.(false);
      }
    },
  };
}
