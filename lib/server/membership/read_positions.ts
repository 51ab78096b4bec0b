/**
 * Read positions: how far each account has read each room (second edition,
 * `read`), kept on the server so every device of the account agrees. A
 * position only moves forward: a `read` below it changes nothing, so two
 * devices reporting at once can never move it back. The Deno KV engine keeps
 * one key per account and room (`["read_position", userId, room]`), moved
 * with a checked atomic write; the PostgreSQL one a row of `read_positions`
 * moved with `greatest`.
 *
 * @example
 * ```ts
 * const positions = createKvReadPositions(kv);
 * await positions.advance("user:ada", "general", 12); // 12: it moved
 * await positions.advance("user:ada", "general", 5); // null: not forward
 * await positions.of("user:ada", ["general", "random"]); // Map { "general" => 12 }
 * ```
 */
import type { Sql } from "../postgres/mod.ts";
import {
  type BatchedGets,
  createBatchedGets,
  GET_MANY_MAX_KEYS,
  retryWhenLocked,
} from "../store/mod.ts";

/** The read positions of every account. */
export interface ReadPositions {
  /** Moves `userId`'s position in `room` to `seq` if that is forward; the new position, or null. */
  advance(userId: string, room: string, seq: number): Promise<number | null>;
  /** `userId`'s positions in `rooms` (those with one; at most 100 rooms are asked at once). */
  of(userId: string, rooms: readonly string[]): Promise<Map<string, number>>;
}

/** The most rooms {@linkcode ReadPositions.of} reads in one call. */
export const READ_POSITIONS_MAX = 100;

/** The key of `userId`'s position in `room`. */
export function readPositionKey(userId: string, room: string): Deno.KvKey {
  return ["read_position", userId, room];
}

/**
 * {@linkcode ReadPositions} in Deno KV; `getMany`, when given, is shared with
 * other small reads (the access checks') so that a join storm packs them into
 * few KV calls.
 */
export function createKvReadPositions(
  kv: Deno.Kv,
  getMany: BatchedGets = createBatchedGets(kv),
): ReadPositions {
  return {
    async advance(userId, room, seq) {
      const key = readPositionKey(userId, room);
      for (;;) {
        const current = await kv.get<number>(key);
        if ((current.value ?? 0) >= seq) return null;
        const written = await retryWhenLocked(() =>
          kv.atomic().check(current).set(key, seq).commit()
        );
        if (written.ok) return seq;
      }
    },

    async of(userId, rooms) {
      const keys = rooms.slice(0, READ_POSITIONS_MAX).map((room) => readPositionKey(userId, room));
      const positions = new Map<string, number>();
      for (let start = 0; start < keys.length; start += GET_MANY_MAX_KEYS) {
        const entries = await getMany<number[]>(keys.slice(start, start + GET_MANY_MAX_KEYS));
        for (const entry of entries) {
          if (entry.value !== null) positions.set(String(entry.key[2]), entry.value);
        }
      }
      return positions;
    },
  };
}

/** {@linkcode ReadPositions} in PostgreSQL (table `read_positions`, migrated). */
export function createPgReadPositions(sql: Sql): ReadPositions {
  return {
    async advance(userId, room, seq) {
      const rows = await sql<{ seq: number }[]>`
        insert into read_positions (user_id, room, seq) values (${userId}, ${room}, ${seq})
        on conflict (user_id, room) do update set seq = excluded.seq
          where read_positions.seq < excluded.seq
        returning seq`;
      return rows.length === 1 ? Number(rows[0].seq) : null;
    },

    async of(userId, rooms) {
      const asked = rooms.slice(0, READ_POSITIONS_MAX);
      const rows = await sql<{ room: string; seq: number }[]>`
        select room, seq from read_positions
        where user_id = ${userId} and room = any(${asked}::text[])`;
      return new Map(rows.map((row) => [row.room, Number(row.seq)]));
    },
  };
}
