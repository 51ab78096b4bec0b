/**
 * Signing out reaches every isolate: the sign-in's access tokens stop
 * verifying and its sockets (WebSocket and event stream) close with 4401,
 * wherever they are. So does a password change, for every other sign-in of
 * the account. The events travel on the bus (topics `signed_out` and
 * `account_signed_out`), like kicks, so today they reach the isolates of one
 * process (`deno serve --parallel`); other instances refuse those tokens only
 * once they expire, within `ACCESS_TOKEN_TTL_S`, and the refresh tokens are
 * refused everywhere at once (they are checked in the store).
 *
 * @example
 * ```ts
 * const signOuts = createSignOuts({ events, tokens, hub });
 * signOuts.signedOut(loginId, Date.now() + 900_000); // every isolate closes its sockets
 * signOuts.accountSignedOut("user:1", { exceptLogin: loginId, issuedBefore: now, untilMs });
 * signOuts.stop();
 * ```
 */
import type { EventBus } from "../bus/mod.ts";
import type { TokenIssuer } from "./tokens.ts";

/** What {@linkcode createSignOuts} needs. */
export interface SignOutsOptions {
  /** Carries sign-outs (topic `signed_out`) to every isolate, this one included. */
  events: EventBus;
  tokens: Pick<TokenIssuer, "revokeLogin" | "revokeAccount">;
  /** Closes the sockets of a sign-in, or of an account but one sign-in, on this isolate (the hub). */
  hub: {
    closeLogin(loginId: string): number;
    closeAccount(userId: string, exceptLogin: string | null): number;
  };
}

/** Sign-outs, sent and heard. */
export interface SignOuts {
  /** Tells every isolate that `loginId` signed out; its tokens live until `untilMs` at most. */
  signedOut(loginId: string, untilMs: number): void;
  /**
   * Tells every isolate that every sign-in of `userId` but `exceptLogin` is
   * over: tokens issued until `issuedBefore` are refused until `untilMs`.
   */
  accountSignedOut(
    userId: string,
    revocation: { exceptLogin: string | null; issuedBefore: number; untilMs: number },
  ): void;
  /** Stops listening. */
  stop(): void;
}

/** Creates the {@linkcode SignOuts} of one isolate and starts listening. */
export function createSignOuts({ events, tokens, hub }: SignOutsOptions): SignOuts {
  const stops = [
    events.on("signed_out", ({ login_id, until }) => {
      tokens.revokeLogin(login_id, until);
      hub.closeLogin(login_id);
    }),
    events.on("account_signed_out", ({ user_id, except_login, issued_before, until }) => {
      tokens.revokeAccount(user_id, {
        exceptLogin: except_login,
        issuedBefore: issued_before,
        untilMs: until,
      });
      hub.closeAccount(user_id, except_login);
    }),
  ];
  return {
    signedOut: (loginId, untilMs) =>
      events.emit("signed_out", { login_id: loginId, until: untilMs }),
    accountSignedOut: (userId, { exceptLogin, issuedBefore, untilMs }) =>
      events.emit("account_signed_out", {
        user_id: userId,
        except_login: exceptLogin,
        issued_before: issuedBefore,
        until: untilMs,
      }),
    stop: () => stops.forEach((stop) => stop()),
  };
}
