/**
 * Carries a fallback POST to the isolate whose event stream owns its session.
 *
 * Under `deno serve --parallel` (and on Deno Deploy) each isolate serves its
 * own TCP connections, so `POST /api/send?session=ID` may reach an isolate
 * other than the one that opened `GET /api/events`. That isolate forwards the
 * POST over the bus and waits, briefly, for the answer: the owner hands the
 * body to the session exactly as it would a local POST (the same user check,
 * the same limits) and says how that went. No answer in time means that no
 * isolate holds the session.
 *
 * @example
 * ```ts
 * const relay = createFallbackRelay({ events, clock, deliver: handToLocalSession });
 * const delivery = await relay.forward({ session, user: caller.user.id, body });
 * if (delivery === "unknown") return errorResponse(404, "bad_request", "no such session");
 * relay.close();
 * ```
 */
import type { Clock, TimerId } from "../../time/clock.ts";
import type { EventBus, TopicEvent } from "../bus/mod.ts";

/** How long a forwarded POST waits for its session's owner before it counts as unknown. */
export const RELAY_TIMEOUT_MS = 1_000;

/**
 * What became of a POST, which its HTTP answer says: `accepted` 202, `forbidden`
 * 403 (another user's session), `closing` 410, `too_large` 413 (the session is
 * ended), `unknown` 404 (no isolate holds the session).
 */
export type Delivery = TopicEvent<"fallback.post.delivered">["delivery"] | "unknown";

/** A POST for a session, as the isolate that received it read it. */
export interface SessionPost {
  session: string;
  /** The id of the token's user: only the session's own user may post to it. */
  user: string;
  /** The body (one frame, or a JSON array of them); null when it was over the size limit. */
  body: string | null;
}

/** Options of {@linkcode createFallbackRelay}. */
export interface FallbackRelayOptions {
  /** Carries POSTs (topic `fallback.post`) and their answers (`fallback.post.delivered`). */
  events: EventBus;
  clock: Clock;
  /** Hands a POST to a session of this isolate; `unknown` when this isolate does not hold it. */
  deliver(post: SessionPost): Delivery;
  /** Default {@linkcode RELAY_TIMEOUT_MS}. */
  timeoutMs?: number;
}

/** The relay of one isolate: it forwards POSTs, and delivers those forwarded to it. */
export interface FallbackRelay {
  /** Sends a POST to the isolate that holds its session; resolves with what became of it. */
  forward(post: SessionPost): Promise<Delivery>;
  /** Stops listening; forwards still waiting resolve `unknown`. */
  close(): void;
}

/** Creates a {@linkcode FallbackRelay} listening on the bus. */
export function createFallbackRelay(options: FallbackRelayOptions): FallbackRelay {
  const { events, clock, deliver } = options;
  const timeoutMs = options.timeoutMs ?? RELAY_TIMEOUT_MS;
  const waiting = new Map<string, { resolve(delivery: Delivery): void; timer: TimerId }>();
  let listening = true;

  const settle = (id: string, delivery: Delivery) => {
    const forward = waiting.get(id);
    if (!forward) return;
    waiting.delete(id);
    clock.clearTimeout(forward.timer);
    forward.resolve(delivery);
  };

  // Every isolate hears every request, its own included; only the owner answers.
  const stopRequests = events.on("fallback.post", ({ id, ...post }) => {
    const delivery = deliver(post);
    if (delivery !== "unknown") events.emit("fallback.post.delivered", { id, delivery });
  });
  const stopReplies = events.on("fallback.post.delivered", ({ id, delivery }) => {
    settle(id, delivery);
  });

  return {
    forward(post) {
      if (!listening) return Promise.resolve("unknown");
      const id = crypto.randomUUID();
      const { promise, resolve } = Promise.withResolvers<Delivery>();
      waiting.set(id, { resolve, timer: clock.setTimeout(() => settle(id, "unknown"), timeoutMs) });
      events.emit("fallback.post", { id, ...post });
      return promise;
    },
    close() {
      listening = false;
      stopRequests();
      stopReplies();
      for (const id of [...waiting.keys()]) settle(id, "unknown");
    },
  };
}
