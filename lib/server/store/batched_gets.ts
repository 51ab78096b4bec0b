/**
 * Small KV reads made together: reads of a few keys (a join's access check,
 * its read position) asked while an earlier group of reads is under way wait
 * for it and go out together, packed into `getMany` calls of up to 10 keys.
 * Each KV call is a round trip to SQLite's thread (~120 µs of CPU here), so a
 * join storm costs a call per ten keys instead of one per read. A read's own
 * keys always go in one call, so each caller still gets one consistent
 * snapshot, and no caller gets a read that started before it asked.
 *
 * @example
 * ```ts
 * const getMany = createBatchedGets(kv);
 * const [info, membership] = await getMany<[RoomInfo, Membership]>([infoKey, memberKey]);
 * ```
 */

/** `getMany` of at most 10 keys, sharing KV calls with others' reads. */
export type BatchedGets = <T extends readonly unknown[]>(
  keys: readonly [...{ [K in keyof T]: Deno.KvKey }],
) => Promise<{ [K in keyof T]: Deno.KvEntryMaybe<T[K]> }>;

/** `getMany` reads at most this many keys at a time. */
export const GET_MANY_MAX_KEYS = 10;

interface PendingRead {
  keys: readonly Deno.KvKey[];
  resolve(entries: Deno.KvEntryMaybe<unknown>[]): void;
  reject(error: unknown): void;
}

/** Creates the {@linkcode BatchedGets} of `kv`; a failed call fails the reads it carried. */
export function createBatchedGets(kv: Pick<Deno.Kv, "getMany">): BatchedGets {
  let pending: PendingRead[] = [];
  let flushing = false;

  /** Reads `group`'s keys in one call and hands each read its own entries. */
  const readGroup = async (group: PendingRead[]) => {
    try {
      const entries = await kv.getMany(group.flatMap((read) => read.keys));
      let offset = 0;
      for (const read of group) {
        read.resolve(entries.slice(offset, offset + read.keys.length));
        offset += read.keys.length;
      }
    } catch (error) {
      for (const read of group) read.reject(error);
    }
  };

  const flush = async () => {
    flushing = true;
    while (pending.length > 0) {
      const reads = pending;
      pending = [];
      const groups: PendingRead[][] = [];
      let group: PendingRead[] = [];
      let keys = 0;
      for (const read of reads) {
        if (keys + read.keys.length > GET_MANY_MAX_KEYS) {
          groups.push(group);
          group = [];
          keys = 0;
        }
        group.push(read);
        keys += read.keys.length;
      }
      groups.push(group);
      await Promise.all(groups.map(readGroup));
    }
    flushing = false;
  };

  const getMany = (keys: readonly Deno.KvKey[]) => {
    if (keys.length > GET_MANY_MAX_KEYS) {
      return Promise.reject(new RangeError(`at most ${GET_MANY_MAX_KEYS} keys per read`));
    }
    return new Promise<Deno.KvEntryMaybe<unknown>[]>((resolve, reject) => {
      pending.push({ keys, resolve, reject });
      // Reads asked in this same turn go out with this one.
      if (!flushing) {
        flushing = true;
        queueMicrotask(flush);
      }
    });
  };
  return getMany as BatchedGets;
}
