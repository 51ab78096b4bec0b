/**
 * Where the JWT signing secrets come from: `JWT_SECRETS`, or, when none is
 * configured, one secret generated at first start and kept in KV so every
 * isolate and every restart signs with the same key.
 *
 * @example
 * ```ts
 * const secrets = await resolveJwtSecrets([], kv, log); // generates and stores one
 * ```
 */
import type { Logger } from "../log.ts";
import { keyIdOf } from "./tokens.ts";
import { retryWhenLocked } from "../store/mod.ts";

const SECRET_KEY: Deno.KvKey = ["auth", "jwt_secret"];

/** Below this length an HMAC secret is guessable; allowed, but logged. */
const WEAK_SECRET_CHARS = 32;

/** Returns the configured secrets, or the one kept in KV (creating it on first start). */
export async function resolveJwtSecrets(
  configured: string[],
  kv: Deno.Kv,
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
  const stored = await kv.get<string>(SECRET_KEY);
  if (stored.value) return [stored.value];

  const generated = crypto.getRandomValues(new Uint8Array(32)).toBase64();
  const created = await retryWhenLocked(() =>
    kv.atomic().check({ key: SECRET_KEY, versionstamp: null }).set(SECRET_KEY, generated).commit()
  );
  if (!created.ok) {
    // Another isolate generated one at the same moment: use theirs.
    const winner = await kv.get<string>(SECRET_KEY);
    return [winner.value!];
  }
  log.warn("auth.jwt_secret_generated", {
    kid: await keyIdOf(generated),
    message: "JWT_SECRETS is not set: generated a signing secret and stored it in KV",
  });
  return [generated];
}
