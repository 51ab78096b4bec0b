/**
 * The Deno KV keys of the kv engine. Everything it writes lives under
 * `["cluster", …]`, beside the room log's keys (`../../store/keys.ts`), the
 * rate limits' `["rate", …]` and the leases' `["lease", …]`.
 *
 * | key | value | why |
 * | --- | --- | --- |
 * | `["cluster", "signal", "room", shard]` | `KvU64`, bumped by every commit to a room of the shard, inside the commit | watched: an instance reads the heads of its rooms in that shard (`ROOM_SHARDS` keys whatever the number of rooms) |
 * | `["cluster", "signal", "stream"]` | `KvU64`, bumped with every stream record | watched: an instance reads the streams of the others |
 * | `["cluster", "signal", "registry"]` | `KvU64`, bumped when an instance starts or stops | watched: the instances are listed again at once |
 * | `["cluster", "signal", "mailbox", id]` | `KvU64`, bumped with every mail to `id` | watched by `id` only |
 * | `["cluster", "instance", id]` | {@linkcode InstanceRecord}, expiring after `expiry_ms` | the heartbeat: rewritten every third of it |
 * | `["cluster", "seen", id]` | `{ started_at }` | every instance that started: the janitor clears what a dead one left, then this |
 * | `["cluster", "stream", id, seq, part]` | a record's parts, expiring after {@linkcode STREAM_RETENTION_MS} | `id`'s events and share changes, in order; seqs rise by 1, so a reader sees a gap |
 * | `["cluster", "mail", to, from, seq, part]` | a mail's parts, expiring after {@linkcode STREAM_RETENTION_MS} | directed events to `to`, deleted once read |
 * | `["cluster", "share", id, space, key, part]` | a share value's parts | `id`'s current values, read when an instance starts or finds a gap |
 *
 * A value's JSON is cut into parts that each fit a KV value (`kv_parts.ts`).
 *
 * @example
 * ```ts
 * kv.watch([...roomSignalKeys(), STREAM_SIGNAL, REGISTRY_SIGNAL, mailboxSignal(instance)]);
 * roomSignal("general"); // ["cluster", "signal", "room", 4]
 * ```
 */

/** How many shard signals room heads are hashed into. With the three other signals: one watch of 10 keys. */
export const ROOM_SHARDS = 7;

/** How long stream records and mails are kept: a reader further behind reloads the shares. */
export const STREAM_RETENTION_MS = 60_000;

/** The heartbeat of an instance. */
export interface InstanceRecord {
  id: string;
  started_at: number;
  /** When this heartbeat was written (the writer's clock). */
  beat_at: number;
  expiry_ms: number;
}

/** The shard of `room` (FNV-1a of its name). */
export function roomShard(room: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < room.length; index++) {
    hash ^= room.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % ROOM_SHARDS;
}

/** The signal every commit to `room` bumps. */
export function roomSignal(room: string): Deno.KvKey {
  return roomShardSignal(roomShard(room));
}

/** The signal of one shard. */
export function roomShardSignal(shard: number): Deno.KvKey {
  return ["cluster", "signal", "room", shard];
}

/** Every shard's signal, in shard order. */
export function roomSignalKeys(): Deno.KvKey[] {
  return Array.from({ length: ROOM_SHARDS }, (_, shard) => roomShardSignal(shard));
}

export const STREAM_SIGNAL: Deno.KvKey = ["cluster", "signal", "stream"];
export const REGISTRY_SIGNAL: Deno.KvKey = ["cluster", "signal", "registry"];

/** The signal of `id`'s mailbox. */
export function mailboxSignal(id: string): Deno.KvKey {
  return ["cluster", "signal", "mailbox", id];
}

export const INSTANCE_PREFIX: Deno.KvKey = ["cluster", "instance"];
export const SEEN_PREFIX: Deno.KvKey = ["cluster", "seen"];

export function instanceKey(id: string): Deno.KvKey {
  return [...INSTANCE_PREFIX, id];
}

export function seenKey(id: string): Deno.KvKey {
  return [...SEEN_PREFIX, id];
}

/** Where `id`'s stream records live. */
export function streamPrefix(id: string): Deno.KvKey {
  return ["cluster", "stream", id];
}

/** Where the mails to `to` live. */
export function mailPrefix(to: string): Deno.KvKey {
  return ["cluster", "mail", to];
}

/** Where `id`'s share values live. */
export function sharePrefix(id: string): Deno.KvKey {
  return ["cluster", "share", id];
}
