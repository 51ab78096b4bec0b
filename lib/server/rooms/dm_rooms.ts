/**
 * The name of a direct message: `dm-` and the first 40 hex digits of the
 * SHA-256 of its people's ids, sorted, one per line. The same set of people
 * always gets the same room, whoever opens it, and nobody can guess a room of
 * people they are not among from names alone (ids are random).
 *
 * @example
 * ```ts
 * await dmRoomName(["user:b", "user:a"]) === await dmRoomName(["user:a", "user:b"]); // true
 * ```
 */
import { DM_PREFIX } from "../../protocol/mod.ts";

/** Hex digits of the hash in a direct message's name (`dm-` and these: 43 characters). */
const HASH_DIGITS = 40;

/** The room of exactly the people with these ids. */
export async function dmRoomName(userIds: readonly string[]): Promise<string> {
  const ids = [...new Set(userIds)].sort().join("\n");
  const digest = new Uint8Array(
    await crypto.subtle.digest("SHA-256", new TextEncoder().encode(ids)),
  );
  const hex = Array.from(digest, (byte) => byte.toString(16).padStart(2, "0")).join("");
  return DM_PREFIX + hex.slice(0, HASH_DIGITS);
}
