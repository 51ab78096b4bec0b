/**
 * Signing out reaches every instance: the sign-in's access tokens stop
 * verifying and its sockets (WebSocket and event stream) close with 4401,
 * wherever they are. The cluster carries the sign-out to every live instance
 * (its reliable `signed_out` event), and it is also kept in KV until the
 * sign-in's last access token has expired, so an instance that starts later
 * refuses those tokens too (`load`).
 *
 * | key | value | why |
 * | --- | --- | --- |
 * | `["signed_out", loginId]` | `{ until }`, expiring then | a sign-in whose access tokens must not verify until `until` |
 *
 * @example
 * ```ts
 * const signOuts = createSignOuts({ kv, clock, events, tokens, hub });
 * await signOuts.load(); // at start
 * await signOuts.signedOut(loginId, Date.now() + 900_000); // every instance closes its sockets
 * signOuts.stop();
 * ```
 */
import type { Clock } from "../../time/clock.ts";
import type { EventBus } from "../bus/mod.ts";
import { retryWhenLocked } from "../store/mod.ts";
import type { TokenIssuer } from "./tokens.ts";

/** The prefix of the sign-ins that signed out. */
export const SIGNED_OUT_PREFIX: Deno.KvKey = ["signed_out"];

/** What {@linkcode createSignOuts} needs. */
export interface SignOutsOptions {
  kv: Deno.Kv;
  clock: Clock;
  /** Carries sign-outs (topic `signed_out`) to every instance, this one included. */
  events: EventBus;
  tokens: Pick<TokenIssuer, "revokeLogin">;
  /** Closes the sockets of a sign-in on this instance (the hub). */
  hub: { closeLogin(loginId: string): number };
}

/** Sign-outs, sent and heard. */
export interface SignOuts {
  /** Tells every instance that `loginId` signed out; its tokens live until `untilMs` at most. */
  signedOut(loginId: string, untilMs: number): Promise<void>;
  /** Refuses the tokens of the sign-ins that signed out before this instance started. */
  load(): Promise<void>;
  /** Stops listening. */
  stop(): void;
}

/** Creates the {@linkcode SignOuts} of one instance and starts listening. */
export function createSignOuts(options: SignOutsOptions): SignOuts {
  const { kv, clock, events, tokens, hub } = options;
  const stop = events.on("signed_out", ({ login_id, until }) => {
    tokens.revokeLogin(login_id, until);
    hub.closeLogin(login_id);
  });
  return {
    async signedOut(loginId, untilMs) {
      events.emit("signed_out", { login_id: loginId, until: untilMs });
      const expireIn = Math.max(1, untilMs - clock.now());
      await retryWhenLocked(() =>
        kv.set([...SIGNED_OUT_PREFIX, loginId], { until: untilMs }, { expireIn })
      );
    },
    async load() {
      const now = clock.now();
      for await (const entry of kv.list<{ until: number }>({ prefix: SIGNED_OUT_PREFIX })) {
        const until = entry.value?.until;
        // KV deletes expired entries lazily: one may still be listed.
        if (typeof until === "number" && until > now) {
          tokens.revokeLogin(String(entry.key[SIGNED_OUT_PREFIX.length]), until);
        }
      }
    },
    stop,
  };
}
