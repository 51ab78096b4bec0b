/**
 * The Deno KV keys of the room log. Everything the log writes lives under these
 * four prefixes, so other modules sharing the database never collide with it.
 *
 * | key | value | why |
 * | --- | --- | --- |
 * | `["room_head", room]` | `number`, the room's newest seq | the one key every commit checks, so two commits can never take the same seq; watched for fan-out across instances; listing the prefix lists the rooms that have messages (a head of 0, written by earlier versions for rooms without any, is not listed) |
 * | `["room_unused", room]` | `{ until }`, expiring then | a room someone joined that has no message yet, listed until `until`: nobody's empty rooms go away by themselves |
 * | `["room_message", room, seq]` | {@linkcode Message} | seqs sort as numbers, so a range read is a history page |
 * | `["send_cid", userId, cid]` | {@linkcode Receipt}, expiring after 24 h | idempotent sends: a retried cid finds its original receipt |
 *
 * @example
 * ```ts
 * const kv = await Deno.openKv(":memory:");
 * await kv.get(roomHeadKey("general")); // { value: null, ... } until the first commit
 * ```
 */

/** The key holding a room's newest seq. */
export function roomHeadKey(room: string): Deno.KvKey {
  return ["room_head", room];
}

/** The prefix under which every room's head lives. */
export const ROOM_HEAD_PREFIX: Deno.KvKey = ["room_head"];

/** The key that lists a room without messages for a while. */
export function roomUnusedKey(room: string): Deno.KvKey {
  return ["room_unused", room];
}

/** The prefix under which every room without messages is listed. */
export const ROOM_UNUSED_PREFIX: Deno.KvKey = ["room_unused"];

/** The key of one message of a room. */
export function roomMessageKey(room: string, seq: number): Deno.KvKey {
  return ["room_message", room, seq];
}

/** The prefix under which a room's messages live, in seq order. */
export function roomMessagesPrefix(room: string): Deno.KvKey {
  return ["room_message", room];
}

/** The prefix under which every user's cids live. */
export const SEND_CID_PREFIX: Deno.KvKey = ["send_cid"];

/** The key recording which message a user's `cid` produced. */
export function sendCidKey(userId: string, cid: string): Deno.KvKey {
  return ["send_cid", userId, cid];
}
