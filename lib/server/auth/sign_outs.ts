/**
 * Signing out reaches every isolate: the sign-in's access tokens stop
 * verifying and its sockets (WebSocket and event stream) close with 4401,
 * wherever they are. The event travels on the bus, like kicks, so today it
 * reaches the isolates of one process (`deno serve --parallel`); other
 * instances refuse the sign-in's tokens only once they expire, within
 * `ACCESS_TOKEN_TTL_S`, and its refresh token is gone everywhere at once.
 *
 * @example
 * ```ts
 * const signOuts = createSignOuts({ events, tokens, hub });
 * signOuts.signedOut(loginId, Date.now() + 900_000); // every isolate closes its sockets
 * signOuts.stop();
 * ```
 */
import type { EventBus } from "../bus/mod.ts";
import type { TokenIssuer } from "./tokens.ts";

/** What {@linkcode createSignOuts} needs. */
export interface SignOutsOptions {
  /** Carries sign-outs (topic `signed_out`) to every isolate, this one included. */
  events: EventBus;
  tokens: Pick<TokenIssuer, "revokeLogin">;
  /** Closes the sockets of a sign-in on this isolate (the hub). */
  hub: { closeLogin(loginId: string): number };
}

/** Sign-outs, sent and heard. */
export interface SignOuts {
  /** Tells every isolate that `loginId` signed out; its tokens live until `untilMs` at most. */
  signedOut(loginId: string, untilMs: number): void;
  /** Stops listening. */
  stop(): void;
}

/** Creates the {@linkcode SignOuts} of one isolate and starts listening. */
export function createSignOuts({ events, tokens, hub }: SignOutsOptions): SignOuts {
  const stop = events.on("signed_out", ({ login_id, until }) => {
    tokens.revokeLogin(login_id, until);
    hub.closeLogin(login_id);
  });
  return {
    signedOut: (loginId, untilMs) =>
      events.emit("signed_out", { login_id: loginId, until: untilMs }),
    stop,
  };
}
