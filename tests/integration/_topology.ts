/**
 * The Deno Deploy topology in miniature: app instances in one test process
 * that share one Deno KV database and nothing else. Each has a bus namespace
 * of its own, so no BroadcastChannel joins them: with `CLUSTER=kv` the KV
 * database is their only link, as between Deploy's instances. (Separate
 * processes cannot show it on a local file: a KV watch does not see another
 * process's commits; Deploy's KV and KV Connect see every instance's.)
 *
 * @example
 * ```ts
 * await using cluster = await startTopology(3, { CLUSTER: "kv" });
 * const [a, b, c] = cluster.instances;
 * const socket = await openSocket(b.wsUrl, { token: await cluster.token("ada") });
 * ```
 */
import { startTestServer, type TestServer } from "../_helpers/server.ts";
import type { SessionUser } from "../../lib/protocol/mod.ts";
import { within } from "../_helpers/within.ts";
export { within };

/** A short expiry, so that a silent death shows within about two seconds. */
export const TOPOLOGY_EXPIRY_MS = 1_500;
/** How often each instance shares its metrics snapshot. */
export const TOPOLOGY_METRICS_MS = 200;
/** How long a test waits for what must cross, before it fails instead of hanging. */
export const CROSSING_DEADLINE_MS = 10_000;

/** Instances on one KV database. */
export interface Topology extends AsyncDisposable {
  instances: TestServer[];
  /** Starts one more instance on the database (same environment). */
  add(): Promise<TestServer>;
  /** An access token for `name` (id `user:<name>`), good on every instance. */
  token(name: string, role?: SessionUser["role"]): Promise<string>;
  /** Closes every instance still running, then the database. */
  close(): Promise<void>;
}

/**
 * Starts `count` instances on one fresh KV database, each on a bus namespace of
 * its own (unless `sharedNamespace`), with `env` over the defaults below.
 */
export async function startTopology(
  count: number,
  env: Record<string, string>,
  options: { sharedNamespace?: boolean } = {},
): Promise<Topology> {
  const dir = await Deno.makeTempDir({ prefix: "sb-topology-" });
  const kvPath = `${dir}/switchboard.kv`;
  const kv = await Deno.openKv(kvPath);
  const shared = `topology-${crypto.randomUUID()}`;
  const fullEnv = {
    CLUSTER_EXPIRY_MS: String(TOPOLOGY_EXPIRY_MS),
    RATE_BURST: "200",
    RATE_PER_SECOND: "500",
    ...env,
  };
  const instances: TestServer[] = [];
  const add = async () => {
    const instance = await startTestServer({
      kv,
      kvPath,
      env: fullEnv,
      busNamespace: options.sharedNamespace ? shared : `instance-${crypto.randomUUID()}`,
      metricsIntervalMs: TOPOLOGY_METRICS_MS,
    });
    instances.push(instance);
    return instance;
  };
  for (let index = 0; index < count; index++) await add();
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    for (const instance of instances) await instance.close();
    kv.close();
    await Deno.remove(dir, { recursive: true });
  };
  return {
    instances,
    add,
    async token(name, role = "user") {
      return (await instances[0].services.tokens.sign({ id: `user:${name}`, name, role })).token;
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
