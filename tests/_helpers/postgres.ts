/**
 * A private PostgreSQL for the tests of one file: `initdb` into a temp dir (as
 * the `postgres` user when the tests run as root, since PostgreSQL refuses to
 * run as root), `pg_ctl start` on a free port of 127.0.0.1 with its Unix
 * socket inside the temp dir, and a fresh database for each test that asks,
 * so tests never see each other's rows. The cluster starts on the first
 * `database()` of the file (about 1 s) and is stopped and removed when the
 * test process ends, failed tests included; a cluster left behind by a
 * killed test process is removed by the next one that starts.
 *
 * Without the binaries (`pg_config --bindir`, or /usr/lib/postgresql/N/bin)
 * the file's PostgreSQL tests are skipped with a loud line
 * (`!!! POSTGRES TESTS SKIPPED: …`, which `.ci/run` looks for), except under
 * `CI` or `REQUIRE_POSTGRES`, where the file fails.
 *
 * @example
 * ```ts
 * const pg = privatePostgres();
 * if (pg) {
 *   Deno.test("stores survive", async () => {
 *     const url = await pg.database(); // postgres://postgres@127.0.0.1:PORT/t_…
 *   });
 * }
 * ```
 */
import postgres from "postgres";
import { isProcessAlive } from "../../bench/process_stats.ts";
import { connectPostgres, migrate, type Postgres } from "../../lib/server/postgres/mod.ts";

/** The private cluster of this test file. */
export interface PrivatePostgres {
  /** A new, empty database on the cluster (starting the cluster first if needed): its URL. */
  database(): Promise<string>;
  /** Stops the cluster (fast shutdown: connections are cut), keeping its data. */
  stop(): Promise<void>;
  /** Starts the stopped cluster again, on the same port. */
  start(): Promise<void>;
}

/** What `.ci/run` looks for in the test output. */
export const POSTGRES_SKIP_MARKER = "!!! POSTGRES TESTS SKIPPED";

const TEMP_PREFIX = "sb-pg-";

/** The folder holding `initdb` and `pg_ctl`, or null. */
function findBinaries(): string | null {
  const candidates: string[] = [];
  try {
    const output = new Deno.Command("pg_config", { args: ["--bindir"], stderr: "null" })
      .outputSync();
    if (output.success) candidates.push(new TextDecoder().decode(output.stdout).trim());
  } catch {
    // No pg_config: look where Debian installs the server.
  }
  try {
    const versions = [...Deno.readDirSync("/usr/lib/postgresql")]
      .map((entry) => entry.name).sort((a, b) => Number(b) - Number(a));
    candidates.push(...versions.map((version) => `/usr/lib/postgresql/${version}/bin`));
  } catch {
    // Not installed there.
  }
  return candidates.find((dir) => isFile(`${dir}/initdb`) && isFile(`${dir}/pg_ctl`)) ?? null;
}

function isFile(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

/** Whether the tests run as root, so the server must run as the `postgres` user. */
const asRoot = Deno.uid() === 0;

/** Runs a PostgreSQL binary (as `postgres` when root); throws with its output when it fails. */
function run(bin: string, args: string[]): Promise<void> {
  const [command, fullArgs] = asRoot
    ? ["runuser", ["-u", "postgres", "--", bin, ...args]]
    : [bin, args];
  return new Deno.Command(command, { args: fullArgs, stdin: "null" }).output().then((out) => {
    if (!out.success) {
      const text = new TextDecoder().decode(new Uint8Array([...out.stdout, ...out.stderr]));
      throw new Error(`${bin} ${args.join(" ")} failed:\n${text}`);
    }
  });
}

function idOf(flag: "-u" | "-g"): number {
  const out = new Deno.Command("id", { args: [flag, "postgres"] }).outputSync();
  return Number(new TextDecoder().decode(out.stdout).trim());
}

/** A port nobody listens on right now. */
function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

/** Stops and removes clusters whose test process died without cleaning up. */
function removeOrphans(binDir: string) {
  const tmp = Deno.env.get("TMPDIR") ?? "/tmp";
  for (const entry of Deno.readDirSync(tmp)) {
    if (!entry.isDirectory || !entry.name.startsWith(TEMP_PREFIX)) continue;
    const dir = `${tmp}/${entry.name}`;
    let owner: number;
    try {
      owner = Number(Deno.readTextFileSync(`${dir}/owner.pid`));
    } catch {
      continue;
    }
    if (isProcessAlive(owner)) continue;
    stopNow(binDir, dir);
  }
}

/** Stops a cluster at once and removes its folder; used when the test process ends. */
function stopNow(binDir: string, dir: string) {
  const args = ["stop", "-D", `${dir}/data`, "-m", "immediate", "-w"];
  const [command, fullArgs] = asRoot
    ? ["runuser", ["-u", "postgres", "--", `${binDir}/pg_ctl`, ...args]]
    : [`${binDir}/pg_ctl`, args];
  new Deno.Command(command, { args: fullArgs, stdout: "null", stderr: "null" }).outputSync();
  Deno.removeSync(dir, { recursive: true });
}

interface Cluster {
  dir: string;
  port: number;
}

async function startCluster(binDir: string): Promise<Cluster> {
  removeOrphans(binDir);
  const dir = await Deno.makeTempDir({ prefix: TEMP_PREFIX });
  await Deno.writeTextFile(`${dir}/owner.pid`, String(Deno.pid));
  addEventListener("unload", () => stopNow(binDir, dir));
  if (asRoot) await Deno.chown(dir, idOf("-u"), idOf("-g"));
  await run(`${binDir}/initdb`, [
    "-D",
    `${dir}/data`,
    "-U",
    "postgres",
    "--auth=trust",
    "-E",
    "UTF8",
    "--no-sync",
    "--no-instructions",
  ]);
  const cluster = { dir, port: 0 };
  // A port picked free may be taken before the server binds it: pick another.
  for (let attempt = 1;; attempt++) {
    cluster.port = freePort();
    try {
      await startServer(binDir, cluster);
      return cluster;
    } catch (error) {
      if (attempt === 3) throw error;
    }
  }
}

function startServer(binDir: string, { dir, port }: Cluster): Promise<void> {
  const options = [
    `-p ${port}`,
    `-k ${dir}`,
    "-c listen_addresses=127.0.0.1",
    // A test cluster needs no durability across power loss; it needs speed.
    "-c fsync=off",
    "-c full_page_writes=off",
    "-c max_connections=300",
  ].join(" ");
  return run(`${binDir}/pg_ctl`, [
    "start",
    "-D",
    `${dir}/data`,
    "-l",
    `${dir}/server.log`,
    "-w",
    "-o",
    options,
  ]);
}

/**
 * The private PostgreSQL of this test file, or null (after a loud line) when
 * the binaries are missing. Throws under `CI` or `REQUIRE_POSTGRES` instead of
 * skipping.
 */
export function privatePostgres(): PrivatePostgres | null {
  const binDir = findBinaries();
  if (binDir === null) {
    const why = "no initdb/pg_ctl (pg_config --bindir, /usr/lib/postgresql/*/bin); " +
      "install them with: apt-get install -y postgresql";
    if (Deno.env.get("CI") || Deno.env.get("REQUIRE_POSTGRES")) {
      throw new Error(`PostgreSQL is required here (CI or REQUIRE_POSTGRES): ${why}`);
    }
    console.error(`${POSTGRES_SKIP_MARKER}: ${why}`);
    return null;
  }
  let cluster: Promise<Cluster> | null = null;
  let databases = 0;
  const started = () => cluster ??= startCluster(binDir);
  const url = (port: number, database: string) =>
    `postgres://postgres@127.0.0.1:${port}/${database}`;
  return {
    async database() {
      const { port } = await started();
      const name = `t_${++databases}_${crypto.randomUUID().slice(0, 8)}`;
      const admin = postgres(url(port, "postgres"), { max: 1, onnotice: () => {} });
      try {
        await admin.unsafe(`create database ${name}`);
      } finally {
        await admin.end();
      }
      return url(port, name);
    },
    async stop() {
      const { dir } = await started();
      await run(`${binDir}/pg_ctl`, ["stop", "-D", `${dir}/data`, "-m", "fast", "-w"]);
    },
    async start() {
      await startServer(binDir, await started());
    },
  };
}

/** A migrated database of a cluster, and pools on it. */
export interface MigratedDatabase {
  url: string;
  /** A new pool on the database (closed by `close`). */
  pool(size?: number): Promise<Postgres>;
  /** Closes every pool opened. */
  close(): Promise<void>;
}

/** A new database on `cluster` with the schema migrated. */
export async function migratedDatabase(cluster: PrivatePostgres): Promise<MigratedDatabase> {
  const url = await cluster.database();
  const pools: Postgres[] = [];
  const pool = async (size = 4) => {
    const db = await connectPostgres({ url, poolSize: size });
    pools.push(db);
    return db;
  };
  await migrate((await pool(1)).sql);
  return {
    url,
    pool,
    async close() {
      await Promise.all(pools.map((db) => db.close()));
    },
  };
}
