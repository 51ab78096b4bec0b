/**
 * Refresh tokens: opaque random ids kept in KV, so logging out revokes them.
 * KV holds only the SHA-256 of each id (its "handle"): reading the database
 * does not yield a usable token, and the handle alone can revoke but not mint.
 *
 * @example
 * ```ts
 * const refresh = createRefreshTokens({ kv, clock, ttlS: 86_400 });
 * const { id, handle } = await refresh.create({ userId: "user:1", name: "ada", guest: false });
 * await refresh.find(id); // the record
 * await refresh.revoke(handle);
 * ```
 */
import type { Clock } from "../time/clock.ts";
import { sha256Hex } from "./sha256.ts";
import { retryWhenLocked } from "./kv_retry.ts";

/** Who a refresh token belongs to. */
export interface RefreshIdentity {
  userId: string;
  name: string;
  guest: boolean;
}

/** A stored refresh token. */
export interface RefreshRecord extends RefreshIdentity {
  expiresAt: number;
}

/** The refresh token store. */
export interface RefreshTokens {
  /** Creates a token: `id` goes in the refresh cookie, `handle` in the logout cookie. */
  create(identity: RefreshIdentity): Promise<{ id: string; handle: string; expiresAt: number }>;
  /** The live record of a token id, or null. */
  find(id: string): Promise<RefreshRecord | null>;
  /** Deletes the token whose handle this is. */
  revoke(handle: string): Promise<void>;
}

const recordKey = (handle: string): Deno.KvKey => ["auth", "refresh", handle];

/** Creates the {@linkcode RefreshTokens} store. */
export function createRefreshTokens(
  { kv, clock, ttlS }: { kv: Deno.Kv; clock: Clock; ttlS: number },
): RefreshTokens {
  return {
    async create(identity) {
      const id = crypto.getRandomValues(new Uint8Array(32))
        .toBase64({ alphabet: "base64url", omitPadding: true });
      const handle = await sha256Hex(id);
      const expiresAt = clock.now() + ttlS * 1000;
      const record: RefreshRecord = { ...identity, expiresAt };
      await retryWhenLocked(() => kv.set(recordKey(handle), record, { expireIn: ttlS * 1000 }));
      return { id, handle, expiresAt };
    },
    async find(id) {
      if (!/^[\w-]{20,100}$/.test(id)) return null;
      const record = (await kv.get<RefreshRecord>(recordKey(await sha256Hex(id)))).value;
      // KV expiry is lazy, and tests run on a virtual clock: check the time ourselves.
      return record && record.expiresAt > clock.now() ? record : null;
    },
    async revoke(handle) {
      if (/^[0-9a-f]{64}$/.test(handle)) await retryWhenLocked(() => kv.delete(recordKey(handle)));
    },
  };
}
