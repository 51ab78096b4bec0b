/**
 * Signing out reaches every instance: the sign-in's access tokens stop
 * verifying and its sockets (WebSocket and event stream) close with 4401,
 * wherever they are. The cluster carries the sign-out to every live instance
 * (its reliable `signed_out` event), and it is also kept in the database
 * ({@linkcode SignedOutStore}) until the sign-in's last access token has
 * expired, so an instance that starts later refuses those tokens too
 * (`load`). A password change ends every other sign-in of the account the
 * same way, on every live instance (the reliable `account_signed_out`
 * event); their refresh tokens are refused everywhere at once (they are
 * checked against the account in the store), and an instance that starts
 * later accepts their access tokens until those expire, within
 * `ACCESS_TOKEN_TTL_S`.
 *
 * | where | what | why |
 * | --- | --- | --- |
 * | KV `["signed_out", loginId]` | `{ until }`, expiring then | a sign-in whose access tokens must not verify until `until` |
 * | PostgreSQL `signed_out` | `login_id`, `until` (index on `until`) | the same; a sign-out deletes a bounded batch of expired rows |
 *
 * @example
 * ```ts
 * const signOuts = createSignOuts({ store: createKvSignedOutStore(kv), clock, events, tokens, hub });
 * await signOuts.load(); // at start
 * await signOuts.signedOut(loginId, Date.now() + 900_000); // every instance closes its sockets
 * signOuts.accountSignedOut("user:1", { exceptLogin: loginId, issuedBefore: now, untilMs });
 * signOuts.stop();
 * ```
 */
import type { Clock } from "../../time/clock.ts";
import type { EventBus } from "../bus/mod.ts";
import type { Sql } from "../postgres/mod.ts";
import { retryWhenLocked } from "../store/mod.ts";
import type { TokenIssuer } from "./tokens.ts";

/** The prefix of the sign-ins that signed out. */
export const SIGNED_OUT_PREFIX: Deno.KvKey = ["signed_out"];

/** Most expired rows one sign-out deletes in PostgreSQL. */
const PRUNE_BATCH = 100;

/** A sign-in that signed out, and until when its access tokens must not verify. */
export interface SignedOut {
  loginId: string;
  until: number;
}

/** Where sign-outs are kept until their sign-in's last access token expired. */
export interface SignedOutStore {
  /** Keeps that `loginId` signed out, until `until` (`now` is the writer's clock). */
  keep(signedOut: SignedOut, now: number): Promise<void>;
  /** The sign-outs whose `until` is after `now`. */
  live(now: number): Promise<SignedOut[]>;
}

/**
 * Creates the {@linkcode SignedOutStore} on `kv`.
 *
 * @example
 * ```ts
 * const store = createKvSignedOutStore(kv);
 * ```
 */
export function createKvSignedOutStore(kv: Deno.Kv): SignedOutStore {
  return {
    async keep({ loginId, until }, now) {
      const expireIn = Math.max(1, until - now);
      await retryWhenLocked(() => kv.set([...SIGNED_OUT_PREFIX, loginId], { until }, { expireIn }));
    },
    async live(now) {
      const live: SignedOut[] = [];
      for await (const entry of kv.list<{ until: number }>({ prefix: SIGNED_OUT_PREFIX })) {
        const until = entry.value?.until;
        // KV deletes expired entries lazily: one may still be listed.
        if (typeof until === "number" && until > now) {
          live.push({ loginId: String(entry.key[SIGNED_OUT_PREFIX.length]), until });
        }
      }
      return live;
    },
  };
}

/**
 * Creates the {@linkcode SignedOutStore} in PostgreSQL (table `signed_out`).
 *
 * @example
 * ```ts
 * const store = createPgSignedOutStore(pg.sql);
 * ```
 */
export function createPgSignedOutStore(sql: Sql): SignedOutStore {
  return {
    async keep({ loginId, until }, now) {
      await sql`
        insert into signed_out (login_id, until) values (${loginId}, ${until})
        on conflict (login_id) do update set until = excluded.until`;
      // KV forgets expired sign-outs by itself; here each sign-out deletes a few.
      await sql`
        delete from signed_out where login_id in (
          select login_id from signed_out where until <= ${now} limit ${PRUNE_BATCH})
        and until <= ${now}`;
    },
    async live(now) {
      const rows = await sql<{ login_id: string; until: number }[]>`
        select login_id, until from signed_out where until > ${now}`;
      return rows.map((row) => ({ loginId: row.login_id, until: row.until }));
    },
  };
}

/** What {@linkcode createSignOuts} needs. */
export interface SignOutsOptions {
  store: SignedOutStore;
  clock: Clock;
  /** Carries sign-outs (topic `signed_out`) to every instance, this one included. */
  events: EventBus;
  tokens: Pick<TokenIssuer, "revokeLogin" | "revokeAccount">;
  /** Closes the sockets of a sign-in, or of an account but one sign-in, on this instance (the hub). */
  hub: {
    closeLogin(loginId: string): number;
    closeAccount(userId: string, exceptLogin: string | null): number;
  };
}

/** Sign-outs, sent and heard. */
export interface SignOuts {
  /** Tells every instance that `loginId` signed out; its tokens live until `untilMs` at most. */
  signedOut(loginId: string, untilMs: number): Promise<void>;
  /**
   * Tells every instance that every sign-in of `userId` but `exceptLogin` is
   * over: tokens issued until `issuedBefore` are refused until `untilMs`.
   */
  accountSignedOut(
    userId: string,
    revocation: { exceptLogin: string | null; issuedBefore: number; untilMs: number },
  ): void;
  /** Refuses the tokens of the sign-ins that signed out before this instance started. */
  load(): Promise<void>;
  /** Stops listening. */
  stop(): void;
}

/** Creates the {@linkcode SignOuts} of one instance and starts listening. */
export function createSignOuts(options: SignOutsOptions): SignOuts {
  const { store, clock, events, tokens, hub } = options;
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
    async signedOut(loginId, untilMs) {
      events.emit("signed_out", { login_id: loginId, until: untilMs });
      await store.keep({ loginId, until: untilMs }, clock.now());
    },
    accountSignedOut: (userId, { exceptLogin, issuedBefore, untilMs }) =>
      events.emit("account_signed_out", {
        user_id: userId,
        except_login: exceptLogin,
        issued_before: issuedBefore,
        until: untilMs,
      }),
    async load() {
      for (const { loginId, until } of await store.live(clock.now())) {
        tokens.revokeLogin(loginId, until);
      }
    },
    stop: () => stops.forEach((stop) => stop()),
  };
}
