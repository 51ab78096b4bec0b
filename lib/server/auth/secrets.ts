/**
 * Where the JWT signing secrets come from: `JWT_SECRETS`, or, when none is
 * configured, one secret generated at first start and kept in the database
 * (a {@linkcode JwtSecretStore}) so every isolate, every process and every
 * restart signs with the same key.
 *
 * @example
 * ```ts
 * const secrets = await resolveJwtSecrets([], createKvJwtSecretStore(kv), log); // generates one
 * ```
 */
import type { Logger } from "../log.ts";
import { keyIdOf } from "./tokens.ts";
import { retryWhenLocked } from "../store/mod.ts";
import type { Sql } from "../postgres/mod.ts";

/** Where the generated secret is kept: one for everyone who asks, the first one stored. */
export interface JwtSecretStore {
  /** Stores `generated` unless a secret is stored already; resolves with the stored one. */
  keep(generated: string): Promise<string>;
}

const SECRET_KEY: Deno.KvKey = ["auth", "jwt_secret"];

/** Creates the {@linkcode JwtSecretStore} on `kv`, under `["auth", "jwt_secret"]`. */
export function createKvJwtSecretStore(kv: Deno.Kv): JwtSecretStore {
  return {
    async keep(generated) {
      const stored = await kv.get<string>(SECRET_KEY);
      if (stored.value) return stored.value;
      const created = await retryWhenLocked(() =>
        kv.atomic().check({ key: SECRET_KEY, versionstamp: null }).set(SECRET_KEY, generated)
          .commit()
      );
      // Another isolate stored one at the same moment: use theirs.
      return created.ok ? generated : (await kv.get<string>(SECRET_KEY)).value!;
    },
  };
}

/**
 * Creates the {@linkcode JwtSecretStore} in PostgreSQL (table `server_secrets`):
 * one statement that inserts the secret or, when one is there, returns it,
 * so processes starting at once all end up with the first one stored.
 */
export function createPgJwtSecretStore(sql: Sql): JwtSecretStore {
  return {
    async keep(generated) {
      // `do update` (a no-op) rather than `do nothing`: it returns the row that is there.
      const [row] = await sql<{ value: string }[]>`
        insert into server_secrets (name, value) values ('jwt', ${generated})
        on conflict (name) do update set name = server_secrets.name
        returning value`;
      return row.value;
    },
  };
}

/** Below this length an HMAC secret is guessable; allowed, but logged. */
const WEAK_SECRET_CHARS = 32;

/** Returns the configured secrets, or the one kept in `store` (creating it on first start). */
export async function resolveJwtSecrets(
  configured: string[],
  store: JwtSecretStore,
  log: Logger,
): Promise<string[]> {
  if (configured.length > 0) {
    for (const secret of configured) {
      if (secret.length < WEAK_SECRET_CHARS) {
        log.warn("auth.weak_secret", {
          kid: await keyIdOf(secret),
          message: `a JWT secret is shorter than ${WEAK_SECRET_CHARS} characters`,
        });
      }
    }
    return configured;
  }
  const generated = crypto.getRandomValues(new Uint8Array(32)).toBase64();
  const kept = await store.keep(generated);
  // Another isolate or process generated one first: use theirs (it logged it).
  if (kept !== generated) return [kept];
  log.warn("auth.jwt_secret_generated", {
    kid: await keyIdOf(generated),
    message: "JWT_SECRETS is not set: generated a signing secret and stored it in the database",
  });
  return [generated];
}
