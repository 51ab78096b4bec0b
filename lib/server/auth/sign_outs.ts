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
 * const signOuts = createSignOuts({ link: bus, tokens, hub });
 * signOuts.signedOut(loginId, Date.now() + 900_000); // every isolate closes its sockets
 * signOuts.stop();
 * ```
 */
import { z } from "zod";
import type { PresenceLink } from "../presence/mod.ts";
import type { TokenIssuer } from "./tokens.ts";

/** The bus topic sign-outs travel on. */
export const SIGN_OUT_TOPIC = "signed_out";

const SignOutEvent = z.object({ login_id: z.string().max(64), until: z.number() });

/** What {@linkcode createSignOuts} needs. */
export interface SignOutsOptions {
  /** Carries sign-outs to every isolate, this one included; a `Bus` is one. */
  link: PresenceLink;
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
export function createSignOuts({ link, tokens, hub }: SignOutsOptions): SignOuts {
  const stop = link.on(SIGN_OUT_TOPIC, (data) => {
    const parsed = SignOutEvent.safeParse(data);
    if (!parsed.success) return;
    tokens.revokeLogin(parsed.data.login_id, parsed.data.until);
    hub.closeLogin(parsed.data.login_id);
  });
  return {
    signedOut: (loginId, untilMs) =>
      link.emit(SIGN_OUT_TOPIC, { login_id: loginId, until: untilMs }),
    stop,
  };
}
