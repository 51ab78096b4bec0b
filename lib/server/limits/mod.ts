/**
 * The measures the server's bounds are kept in: token buckets for rates (a
 * connection's frames, sign-in attempts, incident notes) and UTF-8 lengths for
 * sizes (a reply or a page held to its bytes without serializing it twice).
 *
 * Imports nothing of `lib/server`: every subsystem may use it.
 *
 * @example
 * ```ts
 * import { createKeyedLimiter, utf8Length } from "./mod.ts";
 * const perAddress = createKeyedLimiter({ burst: 5, perSecond: 1 / 60, clock });
 * if (perAddress.take(address) > 0) return tooManyAttempts();
 * utf8Length("Zoë ☃"); // 8
 * ```
 */
export * from "./token_bucket.ts";
export * from "./utf8_length.ts";
