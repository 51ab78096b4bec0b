/**
 * What the cluster plane costs in Deno KV operations, the kv engine against
 * the local one: instances in this process on one KV database wrapped in a
 * counter (`countingKv`), each with a subscriber in one room, then
 *
 * - connections that open and join the room, one after another: operations
 *   per connection (its connect and its join, everywhere they are read);
 * - messages from one publisher: operations per message;
 * - idle: the background (heartbeats, metrics snapshots, lease renewals);
 * - how long a share change (a connection count, a presence) takes to reach
 *   another instance: the staleness of the cluster-wide limits.
 *
 * Each figure is measured after the operations it caused have stopped, and
 * the background rate over the same time is taken off. With the local
 * engine the instances share a BroadcastChannel namespace (the isolates of
 * one process); with the kv engine nothing but the database.
 *
 * ```sh
 * deno run -A bench/cluster_kv_ops.ts [--instances=3] [--connections=30] [--messages=200] [--idle-s=20] [--smoke]
 * ```
 *
 * @example
 * ```ts
 * const result = await measureClusterOps({ engine: "kv", instances: 3, connections: 10, messages: 50, idleS: 10 });
 * result.perMessage.writes; // 1: the commit
 * ```
 */
import { parseArgs } from "node:util";
import { z } from "zod";
import type { Cluster } from "../lib/server/cluster/mod.ts";
import { createSwitchboard, type Switchboard } from "../server.ts";
import { BEARER_PROTOCOL_PREFIX, PROTOCOL } from "../lib/protocol/version.ts";

/** Operations counted on a KV database. */
export interface KvOpCounts {
  /** `get`, `getMany` and `list` calls. */
  reads: number;
  /** Entries `list` returned. */
  listed: number;
  /** Committed atomic operations, `set`s and `delete`s. */
  writes: number;
  /** Keys written or deleted by them. */
  mutations: number;
  /** `watch` calls, and the keys they watch. */
  watches: number;
  watchedKeys: number;
}

const ZERO: KvOpCounts = {
  reads: 0,
  listed: 0,
  writes: 0,
  mutations: 0,
  watches: 0,
  watchedKeys: 0,
};

/** A KV database that counts what is done to it. */
export function countingKv(kv: Deno.Kv): { kv: Deno.Kv; counts: KvOpCounts; reset(): void } {
  const counts: KvOpCounts = { ...ZERO };
  const wrapAtomic = (operation: Deno.AtomicOperation): Deno.AtomicOperation => {
    const proxy: Deno.AtomicOperation = new Proxy(operation, {
      get(target, property) {
        const value = Reflect.get(target, property);
        if (typeof value !== "function") return value;
        if (property === "commit") {
          return async () => {
            const result = await target.commit();
            if (result.ok) counts.writes++;
            return result;
          };
        }
        return (...args: unknown[]) => {
          if (property !== "check") counts.mutations++;
          value.apply(target, args);
          return proxy;
        };
      },
    });
    return proxy;
  };
  const proxy = new Proxy(kv, {
    get(target, property) {
      const value = Reflect.get(target, property);
      if (typeof value !== "function") return value;
      switch (property) {
        case "get":
        case "getMany":
          return (...args: unknown[]) => {
            counts.reads++;
            return value.apply(target, args);
          };
        case "list":
          return (...args: unknown[]) => {
            counts.reads++;
            const listed = value.apply(target, args) as Deno.KvListIterator<unknown>;
            return (async function* () {
              for await (const entry of listed) {
                counts.listed++;
                yield entry;
              }
            })();
          };
        case "set":
        case "delete":
          return async (...args: unknown[]) => {
            const result = await value.apply(target, args);
            counts.writes++;
            counts.mutations++;
            return result;
          };
        case "atomic":
          return () => wrapAtomic(target.atomic());
        case "watch":
          return (keys: Deno.KvKey[], ...rest: unknown[]) => {
            counts.watches++;
            counts.watchedKeys += keys.length;
            return value.call(target, keys, ...rest);
          };
        default:
          return value.bind(target);
      }
    },
  });
  return { kv: proxy, counts, reset: () => Object.assign(counts, ZERO) };
}

/** What {@linkcode measureClusterOps} runs. */
export interface ClusterOpsOptions {
  engine: "local" | "kv";
  instances: number;
  connections: number;
  messages: number;
  /** How long the background is measured. */
  idleS: number;
}

/** Counts per thing done, background taken off. */
export interface OpsPer {
  writes: number;
  mutations: number;
  reads: number;
  listed: number;
}

/** The figures of one engine. */
export interface ClusterOpsResult {
  engine: "local" | "kv";
  instances: number;
  perMessage: OpsPer;
  perConnection: OpsPer;
  /** The background of the whole cluster, per instance and minute. */
  idlePerInstanceMinute: OpsPer;
  /** Watches each instance opened, and keys each watches. */
  watchesPerInstance: number;
  watchedKeysPerInstance: number;
  /** Milliseconds from a share's change on one instance to another hearing it. */
  propagationMs: { p50: number; p90: number; max: number };
}

/** Times `rounds` share changes from `from` until `to` hears each, one at a time. */
async function measurePropagation(from: Cluster, to: Cluster, rounds: number) {
  const schema = z.number();
  const sender = from.keyedShares("bench.propagation", { schema });
  const receiver = to.keyedShares("bench.propagation", { schema });
  const times: number[] = [];
  for (let round = 1; round <= rounds; round++) {
    const arrived = Promise.withResolvers<void>();
    const stop = receiver.onChange(({ value }) => {
      if (value === round) arrived.resolve();
    });
    const started = performance.now();
    sender.set("k", round);
    await arrived.promise;
    times.push(performance.now() - started);
    stop();
    await sleep(10);
  }
  times.sort((x, y) => x - y);
  const at = (fraction: number) =>
    times[Math.min(times.length - 1, Math.floor(fraction * times.length))];
  return { p50: at(0.5), p90: at(0.9), max: times[times.length - 1] };
}

const ROOM = "bench";
const SECRET = "cluster-kv-ops-bench-secret";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until the counts have not moved for 400 ms; returns how long it took. */
async function settled(counts: KvOpCounts): Promise<number> {
  const started = performance.now();
  let last = JSON.stringify(counts);
  let quiet = 0;
  while (quiet < 4) {
    await sleep(100);
    const now = JSON.stringify(counts);
    quiet = now === last ? quiet + 1 : 0;
    last = now;
  }
  return performance.now() - started;
}

/** A socket that has said `hello`, joined the room, and counts the messages it gets. */
async function member(url: string, token: string) {
  let messages = 0;
  const ws = new WebSocket(url, [PROTOCOL, BEARER_PROTOCOL_PREFIX + token]);
  const joined = Promise.withResolvers<void>();
  const acks: (() => void)[] = [];
  ws.onmessage = (event) => {
    const frame = JSON.parse(event.data);
    if (frame.type === "hello") ws.send(JSON.stringify({ type: "join", room: ROOM }));
    if (frame.type === "joined") joined.resolve();
    if (frame.type === "message") messages++;
    if (frame.type === "ack") acks.shift()?.();
  };
  ws.onerror = () => joined.reject(new Error("socket failed"));
  await joined.promise;
  return {
    get messages() {
      return messages;
    },
    send(cid: string) {
      const { promise, resolve } = Promise.withResolvers<void>();
      acks.push(resolve);
      ws.send(JSON.stringify({ type: "send", room: ROOM, text: `message ${cid}`, cid }));
      return promise;
    },
    close: () => ws.close(),
  };
}

function per(counts: KvOpCounts, idle: KvOpCounts, idleMs: number, tookMs: number, n: number) {
  const less = (name: keyof OpsPer) =>
    Math.max(0, counts[name] - (idle[name] * tookMs) / idleMs) / n;
  return {
    writes: less("writes"),
    mutations: less("mutations"),
    reads: less("reads"),
    listed: less("listed"),
  };
}

/** Measures one engine. */
export async function measureClusterOps(options: ClusterOpsOptions): Promise<ClusterOpsResult> {
  const base = await Deno.openKv(":memory:");
  const counting = countingKv(base);
  const namespace = `bench-${crypto.randomUUID()}`;
  const instances: { switchboard: Switchboard; server: Deno.HttpServer<Deno.NetAddr> }[] = [];
  const sockets: Awaited<ReturnType<typeof member>>[] = [];
  try {
    for (let index = 0; index < options.instances; index++) {
      const switchboard = await createSwitchboard({
        env: {
          KV_PATH: ":memory:",
          CLUSTER: options.engine,
          JWT_SECRETS: SECRET,
          LOG_LEVEL: "error",
          RATE_BURST: "1000",
          RATE_PER_SECOND: "1000",
          MAX_CONNECTIONS_PER_ADDRESS: "10000",
        },
        kv: counting.kv,
        busNamespace: options.engine === "local" ? namespace : `${namespace}-${index}`,
      });
      const server = Deno.serve(
        { port: 0, hostname: "127.0.0.1", onListen: () => {} },
        switchboard.handler,
      );
      instances.push({ switchboard, server });
    }
    const urls = instances.map(({ server }) => `ws://127.0.0.1:${server.addr.port}/api/ws`);
    const tokens = instances[0].switchboard.services.tokens;
    const token = async (name: string) =>
      (await tokens.sign({ id: `user:${name}`, name, role: "user" })).token;
    const watches = { calls: counting.counts.watches, keys: counting.counts.watchedKeys };

    for (const [index, url] of urls.entries()) {
      sockets.push(await member(url, await token(`s${index}`)));
    }
    await settled(counting.counts);

    counting.reset();
    const idleMs = options.idleS * 1000;
    await sleep(idleMs);
    const idle = { ...counting.counts };

    counting.reset();
    let started = performance.now();
    for (let index = 0; index < options.connections; index++) {
      sockets.push(await member(urls[index % urls.length], await token(`c${index}`)));
    }
    let tookMs = performance.now() - started + await settled(counting.counts);
    const perConnection = per(counting.counts, idle, idleMs, tookMs, options.connections);

    counting.reset();
    started = performance.now();
    const [publisher] = sockets;
    for (let index = 0; index < options.messages; index++) await publisher.send(`m${index}`);
    const subscribers = sockets.slice(0, options.instances);
    while (subscribers.some((socket) => socket.messages < options.messages)) await sleep(20);
    tookMs = performance.now() - started + await settled(counting.counts);
    const perMessage = per(counting.counts, idle, idleMs, tookMs, options.messages);

    const propagationMs = await measurePropagation(
      instances[0].switchboard.services.cluster,
      instances[1].switchboard.services.cluster,
      options.messages,
    );
    const minute = (value: number) => (value * 60_000) / idleMs / options.instances;
    return {
      engine: options.engine,
      instances: options.instances,
      perMessage,
      perConnection,
      idlePerInstanceMinute: {
        writes: minute(idle.writes),
        mutations: minute(idle.mutations),
        reads: minute(idle.reads),
        listed: minute(idle.listed),
      },
      watchesPerInstance: watches.calls / options.instances,
      watchedKeysPerInstance: watches.keys / options.instances,
      propagationMs,
    };
  } finally {
    for (const socket of sockets) socket.close();
    for (const { switchboard, server } of instances) {
      await switchboard.close();
      await server.shutdown();
    }
    base.close();
  }
}

/** The results as a markdown table. */
export function clusterOpsTable(results: ClusterOpsResult[]): string {
  const f = (value: number) => value.toFixed(2);
  const cell = ({ writes, mutations, reads, listed }: OpsPer) =>
    `${f(writes)} / ${f(mutations)} / ${f(reads)} / ${f(listed)}`;
  const rows = results.map((result) =>
    `| ${result.engine} | ${result.instances} | ${cell(result.perMessage)} | ${
      cell(result.perConnection)
    } | ${
      cell(result.idlePerInstanceMinute)
    } | ${result.watchesPerInstance} (${result.watchedKeysPerInstance} keys) | ${
      f(result.propagationMs.p50)
    } / ${f(result.propagationMs.p90)} / ${f(result.propagationMs.max)} |`
  );
  return [
    "| engine | instances | per message: writes / keys written / reads / entries read | per connection (connect + join) | idle, per instance per minute | watches per instance | a share change reaches another instance, ms p50 / p90 / max |",
    "| --- | --- | --- | --- | --- | --- | --- |",
    ...rows,
  ].join("\n");
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      instances: { type: "string", default: "3" },
      connections: { type: "string", default: "30" },
      messages: { type: "string", default: "200" },
      "idle-s": { type: "string", default: "20" },
      smoke: { type: "boolean", default: false },
    },
  });
  const options = values.smoke ? { instances: 2, connections: 4, messages: 10, idleS: 1 } : {
    instances: Number(values.instances),
    connections: Number(values.connections),
    messages: Number(values.messages),
    idleS: Number(values["idle-s"]),
  };
  const results = [];
  for (const engine of ["local", "kv"] as const) {
    results.push(await measureClusterOps({ engine, ...options }));
  }
  console.log(JSON.stringify(results, null, 2));
  console.log(clusterOpsTable(results));
}
