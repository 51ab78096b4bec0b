/**
 * A cluster engine of one instance for tests of what sits on the seam (the
 * room layer, presence): the local engine, on a namespace of its own, so no
 * other test's instances join it.
 *
 * @example
 * ```ts
 * const kv = await Deno.openKv(":memory:");
 * const cluster = await startTestCluster(kv, { clock });
 * const layer = roomLayerOnKv(kv, cluster, { clock, config: { maxTextChars: 100 } });
 * ```
 */
import { type Cluster, createCluster, newInstanceId } from "../../lib/server/cluster/mod.ts";
import { type Clock, createSystemClock } from "../../lib/time/clock.ts";
import {
  createKvClosedRoomFlags,
  createRoomLayer,
  type RoomLayer,
  type RoomLayerOptions,
} from "../../lib/server/rooms/mod.ts";
import { createKvMembershipStore } from "../../lib/server/membership/mod.ts";

/** Options of {@linkcode startTestCluster}. */
export interface TestClusterOptions {
  clock?: Clock;
  /** Messages kept per room. Default 1 000. */
  historyMax?: number;
  /** Instances on the same namespace are one cluster. Default: a namespace of its own. */
  namespace?: string;
}

/** Starts a local engine on `kv`; close it after whatever sits on it. */
export function startTestCluster(kv: Deno.Kv, options: TestClusterOptions = {}): Promise<Cluster> {
  return createCluster({
    engine: "local",
    kv,
    clock: options.clock ?? createSystemClock(),
    instance: newInstanceId(),
    namespace: options.namespace ?? `test-${crypto.randomUUID()}`,
    expiryMs: 15_000,
    log: { historyMax: options.historyMax ?? 1_000 },
  });
}

/**
 * A room layer on `cluster` whose closed rooms and membership are kept in
 * `kv`, and whose `findUser` finds nobody (no accounts behind it).
 */
export function roomLayerOnKv(
  kv: Deno.Kv,
  cluster: Cluster,
  options: Pick<RoomLayerOptions, "clock" | "config">,
): RoomLayer {
  return createRoomLayer({
    cluster,
    closedRooms: createKvClosedRoomFlags(kv),
    memberships: createKvMembershipStore({ kv }),
    findUser: () => Promise.resolve(null),
    ...options,
  });
}
