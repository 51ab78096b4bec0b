/**
 * What every cluster contract (`cluster_*.ts` beside this file) runs on: an
 * engine's instances on one shared store, started and stopped at will. An
 * engine's test file gives a factory; each contract test gets a fresh store.
 *
 * @example
 * ```ts
 * const setup = async (): Promise<ClusterFixture> => {
 *   const kv = await Deno.openKv(":memory:");
 *   return {
 *     start: (options) => createKvCluster({ kv, clock: createSystemClock(), instance: newInstanceId(), expiryMs: options.expiryMs, log: { historyMax: 1_000 } }),
 *     close: () => kv.close(),
 *   };
 * };
 * clusterEventsContract("kv", setup);
 * ```
 */
import type { Cluster } from "../../lib/server/cluster/mod.ts";
import { within } from "../_helpers/within.ts";
export { within };

/** How an instance is started. */
export interface InstanceOptions {
  /** How long it counts after its last heartbeat. */
  expiryMs: number;
}

/** An engine's instances on one shared store. */
export interface ClusterFixture {
  /** Starts one more instance on the store (real time). */
  start(options: InstanceOptions): Promise<Cluster>;
  /** Closes the store, after every instance was closed. */
  close(): Promise<void> | void;
}

/** A short expiry, so that a silent death is seen within a second. */
export const SHORT_EXPIRY_MS = 600;
/** A long one, for tests where nobody dies. */
export const LONG_EXPIRY_MS = 30_000;
/** How long a test waits for what must happen, before it fails instead of hanging. */
export const DEADLINE_MS = 10_000;

/** Resolves once `condition` holds, checking it whenever `subscribe`'s listener is called. */
export function when(
  subscribe: (listener: () => void) => () => void,
  condition: () => boolean,
): Promise<void> {
  return new Promise((resolve) => {
    if (condition()) return resolve();
    const stop = subscribe(() => {
      if (!condition()) return;
      stop();
      resolve();
    });
  });
}

/**
 * Registers a contract's test: a fresh store, the instances the test starts,
 * each closed (with its goodbye unless it was closed already) afterwards.
 */
export function clusterTest(
  contract: string,
  engine: string,
  setup: () => Promise<ClusterFixture>,
) {
  return (
    name: string,
    fn: (start: (options?: Partial<InstanceOptions>) => Promise<Cluster>) => Promise<void>,
  ) =>
    Deno.test(`${contract} (${engine}): ${name}`, async () => {
      const fixture = await setup();
      const started: Cluster[] = [];
      try {
        await fn(async (options) => {
          const cluster = await fixture.start({ expiryMs: LONG_EXPIRY_MS, ...options });
          started.push(cluster);
          return cluster;
        });
      } finally {
        for (const cluster of started) await cluster.close();
        await fixture.close();
      }
    });
}
