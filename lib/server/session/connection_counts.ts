/**
 * Connections per user and per address, counted over every instance, for the
 * limits the hub admits by (`MAX_CONNECTIONS_PER_USER`,
 * `MAX_CONNECTIONS_PER_ADDRESS`). This instance counts its own exactly and
 * shares each count under `u <user id>` or `a <address>` in the cluster's
 * `connections` shares; the others' counts are theirs as last published.
 *
 * So the total is exact here and at most one publication behind elsewhere:
 * in the local engine one `BroadcastChannel` hop (well under a millisecond),
 * in the kv engine one outbox commit and one stream read (tens of ms, a few
 * hundred on a remote KV; the outbox commits at once when idle). A burst
 * that lands on several instances within that window can exceed a limit by
 * what the other instances admitted in it, and never by more than the limit
 * per instance, since each instance counts its own at once; once the window
 * passed, every instance refuses until the total is back under the limit.
 * The counts of an instance that dies stop counting with its heartbeat.
 *
 * @example
 * ```ts
 * const counts = createConnectionCounts(connectionShares(cluster));
 * if (counts.total(userKey(user.id)) >= config.maxConnectionsPerUser) refuse();
 * counts.add(userKey(user.id));
 * counts.remove(userKey(user.id)); // when it closes
 * ```
 */
import { z } from "zod";
import type { Cluster, KeyedShares } from "../cluster/mod.ts";

/** The cluster's shares the counts are kept in. */
export const CONNECTIONS_SPACE = "connections";

/**
 * The connection-count shares of a cluster.
 *
 * @example
 * ```ts
 * const hub = createHub({ ...options, connections: connectionShares(cluster) });
 * ```
 */
export function connectionShares(cluster: Pick<Cluster, "keyedShares">): KeyedShares<number> {
  return cluster.keyedShares(CONNECTIONS_SPACE, { schema: z.number().int().positive() });
}

/** The key of a user's count. */
export function userKey(userId: string): string {
  return `u ${userId}`;
}

/** The key of an address's count. */
export function addressKey(address: string): string {
  return `a ${address}`;
}

/** Connection counts over the cluster. */
export interface ConnectionCounts {
  /** Connections under `key`: this instance's, and the others' as last published. */
  total(key: string): number;
  /** One more connection here under `key`. */
  add(key: string): void;
  /** One fewer connection here under `key`. */
  remove(key: string): void;
}

/** Creates the counts of one instance; without `shares`, it counts only its own. */
export function createConnectionCounts(shares?: KeyedShares<number>): ConnectionCounts {
  const own = new Map<string, number>();
  const change = (key: string, by: number) => {
    const count = (own.get(key) ?? 0) + by;
    if (count > 0) own.set(key, count);
    else own.delete(key);
    shares?.set(key, count > 0 ? count : null);
  };
  return {
    total(key) {
      let total = own.get(key) ?? 0;
      for (const count of shares?.others(key) ?? []) total += count;
      return total;
    },
    add: (key) => change(key, 1),
    remove: (key) => change(key, -1),
  };
}
