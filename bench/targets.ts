/**
 * The servers a bench runs against: Switchboard itself and its peers, each with
 * how to start it on a given port and why it may be unavailable on this machine
 * (a missing `npm ci`, no Bun binary, no Switchboard server yet).
 *
 * @example
 * ```ts
 * const target = TARGETS["deno-hub"];
 * await target.unavailable(); // undefined: Deno is always there
 * target.launch({ port: 8123, dataDir: "/tmp/x", secret: "s" }).args;
 * ```
 */
import type { Dialect } from "./loadgen/wire.ts";

export type TargetName =
  | "switchboard"
  | "switchboard-parallel"
  | "switchboard-deno-ws"
  | "switchboard-own-ws"
  | "deno-hub"
  | "deno-hub-parallel"
  | "node-ws"
  | "socket.io"
  | "bun";

/** Where and how a target is started. */
export interface LaunchContext {
  port: number;
  /** A fresh temporary directory for the server's data. */
  dataDir: string;
  /** The JWT secret the load generator mints tokens with. */
  secret: string;
}

/** A process to start. */
export interface Launch {
  command: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
}

/** One server under test. */
export interface Target {
  name: TargetName;
  /** How tables name it. */
  label: string;
  dialect: Dialect;
  /** Why it cannot run here, or `undefined` when it can. */
  unavailable(): Promise<string | undefined>;
  /** Run only when `--targets` names it (a variant for a side-by-side comparison). */
  onlyWhenNamed?: boolean;
  /** Work to do once before the first start (a build step). */
  prepare?(): Promise<void>;
  launch(context: LaunchContext): Launch;
}

const REPO_ROOT = new URL("../", import.meta.url).pathname;
const PEERS_DIR = new URL("./peers/", import.meta.url).pathname;
const NODE_MODULES = `${PEERS_DIR}node_modules/`;
const BUN_BINARY = `${NODE_MODULES}bun/bin/bun.exe`;
const BUILD_CLI = `${REPO_ROOT}lib/framework/build_cli.ts`;

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

async function runs(command: string, args: string[]): Promise<string | undefined> {
  try {
    const { success, stderr } = await new Deno.Command(command, { args, stdout: "null" }).output();
    return success
      ? undefined
      : `${command} ${args.join(" ")} failed: ${
        new TextDecoder().decode(stderr).trim().slice(0, 200)
      }`;
  } catch (error) {
    return `${command} cannot run: ${error instanceof Error ? error.message : error}`;
  }
}

const SETUP_HINT = "run `deno task bench:setup` (npm ci in bench/peers)";

async function nodePackageMissing(name: string): Promise<string | undefined> {
  const node = await runs("node", ["--version"]);
  if (node) return node;
  return exists(`${NODE_MODULES}${name}/package.json`)
    ? undefined
    : `${name} not installed: ${SETUP_HINT}`;
}

/**
 * Switchboard's environment in every bench (and `profile_server.ts`): limits
 * raised so that the bench measures throughput, not the abuse protection.
 */
export function benchSwitchboardEnv(dataDir: string, secret: string): Record<string, string> {
  return {
    KV_PATH: `${dataDir}/kv`,
    JWT_SECRETS: secret,
    RATE_BURST: "1000000",
    RATE_PER_SECOND: "1000000",
    MAX_CONNECTIONS_PER_ADDRESS: "100000",
    LOG_LEVEL: "warn",
  };
}

/** How a Switchboard target runs: its name, and the WebSocket engine it pins (else the default). */
interface SwitchboardVariant {
  name: TargetName;
  label: string;
  parallel: boolean;
  wsEngine?: "deno" | "own";
}

function switchboard(variant: SwitchboardVariant): Target {
  const { parallel, wsEngine } = variant;
  return {
    name: variant.name,
    label: variant.label,
    dialect: "switchboard",
    onlyWhenNamed: wsEngine !== undefined,
    unavailable: () =>
      Promise.resolve(
        exists(`${REPO_ROOT}main.ts`)
          ? undefined
          : "main.ts does not exist yet: no Switchboard server",
      ),
    async prepare() {
      if (!exists(BUILD_CLI)) return;
      const problem = await runs(Deno.execPath(), ["run", "-A", BUILD_CLI, "--if-stale"]);
      if (problem) throw new Error(problem);
    },
    // What `deno task start` runs: serve.ts, one isolate per core for the parallel target.
    launch: (context) => ({
      command: Deno.execPath(),
      args: ["run", "-A", "serve.ts"],
      cwd: REPO_ROOT,
      env: {
        HOST: "127.0.0.1",
        PORT: String(context.port),
        WORKERS: parallel ? String(navigator.hardwareConcurrency) : "1",
        ...benchSwitchboardEnv(context.dataDir, context.secret),
        ...(wsEngine ? { WS_ENGINE: wsEngine } : {}),
      },
    }),
  };
}

function denoHub(parallel: boolean): Target {
  return {
    name: parallel ? "deno-hub-parallel" : "deno-hub",
    label: parallel ? "bare Deno hub --parallel" : "bare Deno hub",
    dialect: "peer",
    unavailable: () => Promise.resolve(undefined),
    launch: ({ port }) => ({
      command: Deno.execPath(),
      args: [
        "serve",
        "-A",
        ...(parallel ? ["--parallel"] : []),
        "--host",
        "127.0.0.1",
        "--port",
        String(port),
        "bench/peers/deno_hub.ts",
      ],
      cwd: REPO_ROOT,
      env: { BENCH_HUB_RELAY: parallel ? "1" : "0" },
    }),
  };
}

function nodePeer(name: TargetName, label: string, dialect: Dialect, file: string, pkg: string) {
  return {
    name,
    label,
    dialect,
    unavailable: () => nodePackageMissing(pkg),
    launch: ({ port }: LaunchContext) => ({
      command: "node",
      args: [file],
      cwd: PEERS_DIR,
      env: { PORT: String(port), NODE_ENV: "production" },
    }),
  } satisfies Target;
}

/** Every target, by name. */
export const TARGETS: Record<TargetName, Target> = {
  "switchboard": switchboard({ name: "switchboard", label: "Switchboard", parallel: false }),
  "switchboard-parallel": switchboard({
    name: "switchboard-parallel",
    label: "Switchboard --parallel",
    parallel: true,
  }),
  // The two WebSocket engines side by side (WS_ENGINE), when named: --targets=switchboard-deno-ws,…
  "switchboard-deno-ws": switchboard({
    name: "switchboard-deno-ws",
    label: "Switchboard, Deno's WebSocket",
    parallel: false,
    wsEngine: "deno",
  }),
  "switchboard-own-ws": switchboard({
    name: "switchboard-own-ws",
    label: "Switchboard, own WebSocket",
    parallel: false,
    wsEngine: "own",
  }),
  "deno-hub": denoHub(false),
  "deno-hub-parallel": denoHub(true),
  "node-ws": nodePeer("node-ws", "Node + ws", "peer", "node_ws.cjs", "ws"),
  "socket.io": nodePeer(
    "socket.io",
    "Node + Socket.IO",
    "socket.io",
    "node_socketio.cjs",
    "socket.io",
  ),
  "bun": {
    name: "bun",
    label: "Bun pub/sub",
    dialect: "peer",
    unavailable: async () =>
      exists(BUN_BINARY)
        ? await runs(BUN_BINARY, ["--version"])
        : `bun not installed: ${SETUP_HINT}`,
    launch: ({ port }) => ({
      command: BUN_BINARY,
      args: ["bun_pubsub.mjs"],
      cwd: PEERS_DIR,
      env: { PORT: String(port) },
    }),
  },
};

/** The targets of the single-process scenarios, Switchboard first, then the floor. */
export const PEER_COMPARISON: TargetName[] = [
  "switchboard",
  "switchboard-deno-ws",
  "switchboard-own-ws",
  "deno-hub",
  "node-ws",
  "socket.io",
  "bun",
];

/** The version line of each runtime, for the README's machine section. */
export async function runtimeVersions(): Promise<Record<string, string>> {
  const versionOf = async (command: string, args: string[]) => {
    try {
      const output = await new Deno.Command(command, { args, stderr: "null" }).output();
      return new TextDecoder().decode(output.stdout).split("\n")[0].trim() || "unknown";
    } catch {
      return "not installed";
    }
  };
  return {
    deno: Deno.version.deno,
    node: await versionOf("node", ["--version"]),
    bun: exists(BUN_BINARY) ? await versionOf(BUN_BINARY, ["--version"]) : "not installed",
  };
}
