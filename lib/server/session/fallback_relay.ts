/**
 * Carries a fallback POST to the instance whose event stream holds its
 * session.
 *
 * Each instance serves its own TCP connections (the isolates of `deno task
 * start`, Deno Deploy's instances, the processes behind a load balancer), so
 * `POST /api/send?session=ID` may reach an instance other than the one that
 * opened `GET /api/events`. The session id names its owner
 * (`<instance>.<uuid>`, see `sessionOwner`), so the instance that received
 * the POST sends it to the owner alone (the cluster's directed event
 * `fallback.post`) and waits for the answer: the owner hands the body to the
 * session exactly as it would a local POST (the same user check, the same
 * limits) and says how that went (`fallback.post.delivered`). An owner that is
 * not alive, or no answer in time, means that no instance holds the session.
 *
 * @example
 * ```ts
 * const relay = createFallbackRelay({ events, clock, instance, instances, deliver: handToLocalSession });
 * const delivery = await relay.forward({ session, user: caller.user.id, body });
 * if (delivery === "unknown") return errorResponse(404, "bad_request", "no such session");
 * relay.close();
 * ```
 */
import type { Clock, TimerId } from "../../time/clock.ts";
import type { EventBus, TopicEvent } from "../bus/mod.ts";
import type { InstanceDirectory } from "../cluster/mod.ts";
import { sessionOwner } from "./hub.ts";

/** How long a forwarded POST waits for its session's owner, by default, before it counts as unknown. */
export const RELAY_TIMEOUT_MS = 5_000;

/**
 * What became of a POST, which its HTTP answer says: `accepted` 202, `forbidden`
 * 403 (another user's session), `closing` 410, `too_large` 413 (the session is
 * ended), `unknown` 404 (no instance holds the session).
 */
export type Delivery = TopicEvent<"fallback.post.delivered">["delivery"];

/** A POST for a session, as the instance that received it read it. */
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
  /** This instance's id: where answers come back to. */
  instance: string;
  /** Who is alive: a POST for a dead instance's session is unknown at once. */
  instances: Pick<InstanceDirectory, "isLive">;
  /** Hands a POST to a session of this instance; `unknown` when this instance does not hold it. */
  deliver(post: SessionPost): Delivery;
  /** Default {@linkcode RELAY_TIMEOUT_MS}. */
  timeoutMs?: number;
}

/** The relay of one instance: it forwards POSTs, and delivers those forwarded to it. */
export interface FallbackRelay {
  /** Sends a POST to the instance that holds its session; resolves with what became of it. */
  forward(post: SessionPost): Promise<Delivery>;
  /** Stops listening; forwards still waiting resolve `unknown`. */
  close(): void;
}

/** Creates a {@linkcode FallbackRelay} listening to the cluster's events. */
export function createFallbackRelay(options: FallbackRelayOptions): FallbackRelay {
  const { events, clock, instance, instances, deliver } = options;
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

  const stopRequests = events.on("fallback.post", ({ id, from, ...post }) => {
    // Answered even when unknown here, so the forwarder need not wait for its timeout.
    events.sendTo(from, "fallback.post.delivered", { id, delivery: deliver(post) });
  });
  const stopReplies = events.on("fallback.post.delivered", ({ id, delivery }) => {
    settle(id, delivery);
  });

  return {
    forward(post) {
      const owner = sessionOwner(post.session);
      if (!listening || !owner || owner === instance || !instances.isLive(owner)) {
        return Promise.resolve("unknown");
      }
      const id = crypto.randomUUID();
      const { promise, resolve } = Promise.withResolvers<Delivery>();
      waiting.set(id, { resolve, timer: clock.setTimeout(() => settle(id, "unknown"), timeoutMs) });
      events.sendTo(owner, "fallback.post", { id, from: instance, ...post });
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
