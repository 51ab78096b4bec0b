/**
 * The layout rules of README.md's Layout section, checked on the sources:
 * which lib/server folder may import which, that folders meet only at their
 * mod.ts, that each mod.ts says what it imports, and that lib/server,
 * lib/client and lib/protocol keep to their sides.
 */
import { deepEqual, equal, ok } from "node:assert/strict";
import { dirname, join, normalize, relative } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const SERVER = join(ROOT, "lib/server");

/** Each folder of lib/server and the folders it may import (besides lib/protocol and lib/time). */
const MAY_IMPORT: Record<string, string[]> = {
  limits: [],
  metrics: [],
  postgres: [],
  http: ["metrics"],
  store: ["limits", "postgres"],
  accounts: ["store", "postgres"],
  membership: ["store", "postgres"],
  bus: ["store"],
  cluster: ["store", "bus", "postgres"],
  presence: ["cluster"],
  rooms: ["store", "bus", "presence", "membership", "cluster", "metrics", "limits", "postgres"],
  status_history: ["store", "cluster", "metrics", "postgres"],
  auth: ["accounts", "store", "bus", "cluster", "http", "limits", "postgres"],
  session: ["auth", "rooms", "bus", "cluster", "http", "metrics", "limits"],
  ops: [
    "session",
    "auth",
    "rooms",
    "cluster",
    "store",
    "bus",
    "http",
    "metrics",
    "status_history",
    "limits",
  ],
  test_hooks: ["session", "http"],
};

/** The root files a folder may import: what every part of the server is configured and logs with. */
const SHARED_ROOT_FILES = ["config.ts", "log.ts"];

/** The files at lib/server's root (the composition) and the folders and files each may import. */
const ROOT_FILES: Record<string, string[]> = {
  "config.ts": ["http", "postgres"],
  "log.ts": ["config.ts"],
  "shutdown.ts": [],
  // The stores of the configured engine, from every folder that keeps data.
  "storage.ts": [
    "postgres",
    "store",
    "rooms",
    "cluster",
    "status_history",
    "accounts",
    "membership",
    "auth",
    ...SHARED_ROOT_FILES,
  ],
  // Everything but the test hooks, which server.ts installs only with TEST_HOOKS=1.
  "services.ts": [
    ...Object.keys(MAY_IMPORT).filter((folder) => folder !== "test_hooks"),
    ...SHARED_ROOT_FILES,
    "storage.ts",
  ],
};

/** The folders at the HTTP edge, which may use lib/framework (its context and WebSocket route). */
const FRAMEWORK_USERS = new Set(["http", "session", "test_hooks", "services.ts"]);

/** Every TypeScript file below `dir`, as an absolute path. */
function sourcesBelow(dir: string): string[] {
  const files: string[] = [];
  for (const entry of Deno.readDirSync(dir)) {
    const path = join(dir, entry.name);
    if (entry.isDirectory) files.push(...sourcesBelow(path));
    else if (/\.tsx?$/.test(entry.name)) files.push(path);
  }
  return files.sort();
}

/** The specifiers a module imports or re-exports (statically or dynamically), comments aside. */
function importsOf(path: string): string[] {
  const code = Deno.readTextFileSync(path)
    .replace(/\/\*[\s\S]*?\*\//g, "")
    .replace(/^\s*\/\/.*$/gm, "");
  const patterns = [
    /(?:^|[;\n])\s*(?:import|export)\s[^;]*?\sfrom\s*"([^"]+)"/g,
    /(?:^|[;\n])\s*import\s*"([^"]+)"/g,
    /\bimport\(\s*"([^"]+)"\s*\)/g,
  ];
  return patterns.flatMap((pattern) => [...code.matchAll(pattern)].map((match) => match[1]));
}

/** Where a relative import lands, relative to the repository root (`lib/server/rooms/mod.ts`). */
function resolved(from: string, specifier: string): string | null {
  if (!specifier.startsWith(".")) return null;
  return relative(ROOT, normalize(join(dirname(from), specifier)));
}

/** The lib/server part a path belongs to: its folder, or the root file itself. */
function partOf(path: string): string {
  return relative("lib/server", path).split("/")[0];
}

function isFolder(part: string): boolean {
  return !part.endsWith(".ts");
}

Deno.test("layout: lib/server holds the folders the rules name, and the root holds the composition", () => {
  const parts = new Set(sourcesBelow(SERVER).map((path) => partOf(relative(ROOT, path))));
  deepEqual(
    [...parts].sort(),
    [...Object.keys(MAY_IMPORT), ...Object.keys(ROOT_FILES)].sort(),
    "a new folder or root file needs its rule here and in README.md's Layout section",
  );
  for (const folder of Object.keys(MAY_IMPORT)) {
    ok(parts.has(folder) && Deno.statSync(join(SERVER, folder, "mod.ts")).isFile, folder);
  }
});

Deno.test("layout: the folders depend on each other without a cycle", () => {
  const done = new Set<string>();
  const visiting = new Set<string>();
  const visit = (folder: string, path: string[]) => {
    if (done.has(folder)) return;
    ok(!visiting.has(folder), `cycle: ${[...path, folder].join(" → ")}`);
    visiting.add(folder);
    for (const next of MAY_IMPORT[folder]) visit(next, [...path, folder]);
    visiting.delete(folder);
    done.add(folder);
  };
  for (const folder of Object.keys(MAY_IMPORT)) visit(folder, []);
});

Deno.test("layout: a lib/server folder imports only what its rule allows, and only through mod.ts", () => {
  const problems: string[] = [];
  for (const path of sourcesBelow(SERVER)) {
    const file = relative(ROOT, path);
    const part = partOf(file);
    const mayImport = isFolder(part)
      ? [...MAY_IMPORT[part], ...SHARED_ROOT_FILES]
      : ROOT_FILES[part];
    for (const specifier of importsOf(path)) {
      const target = resolved(path, specifier);
      if (target === null) continue;
      if (target.startsWith("lib/framework/") && !FRAMEWORK_USERS.has(part)) {
        problems.push(`${file} imports ${target}: only the HTTP edge uses lib/framework`);
      }
      if (target.startsWith("lib/client/")) problems.push(`${file} imports ${target}`);
      if (!target.startsWith("lib/server/")) continue;
      const targetPart = partOf(target);
      if (targetPart === part) continue;
      if (!mayImport.includes(targetPart)) {
        problems.push(`${file} imports ${target}: ${part} may not import ${targetPart}`);
      } else if (isFolder(targetPart) && target !== `lib/server/${targetPart}/mod.ts`) {
        problems.push(`${file} imports ${target}: import lib/server/${targetPart}/mod.ts`);
      }
    }
  }
  deepEqual(problems, []);
});

Deno.test("layout: each mod.ts says which folders it imports, as the rules do", () => {
  for (const [folder, allowed] of Object.entries(MAY_IMPORT)) {
    const doc = Deno.readTextFileSync(join(SERVER, folder, "mod.ts"));
    const paragraph = doc.match(/^ \* Imports [\s\S]*?(?=\n \*\n)/m)?.[0];
    ok(paragraph, `${folder}/mod.ts has no "Imports …" paragraph`);
    const named = [...paragraph.matchAll(/`\.\.\/(\w+)`/g)].map((match) => match[1]);
    deepEqual(named.sort(), [...allowed].sort(), `${folder}/mod.ts`);
  }
});

Deno.test("layout: lib/protocol, lib/client and lib/server keep to their sides", () => {
  const crossings: string[] = [];
  const check = (dir: string, forbidden: string[]) => {
    for (const path of sourcesBelow(join(ROOT, dir))) {
      for (const specifier of importsOf(path)) {
        const target = resolved(path, specifier);
        if (target && forbidden.some((side) => target.startsWith(side))) {
          crossings.push(`${relative(ROOT, path)} imports ${target}`);
        }
      }
    }
  };
  check("lib/protocol", ["lib/server/", "lib/client/", "lib/framework/"]);
  check("lib/client", ["lib/server/"]);
  check("lib/server", ["lib/client/"]);
  deepEqual(crossings, []);
});

Deno.test("layout: the import scanner sees every kind of import", () => {
  const file = Deno.makeTempFileSync({ suffix: ".ts" });
  try {
    Deno.writeTextFileSync(
      file,
      [
        'import { a } from "./a.ts";',
        'import type {\n  B,\n  C,\n} from "./b.ts";',
        'export * from "./c.ts";',
        'export { d } from "./d.ts";',
        'import "./e.ts";',
        'const f = await import("./f.ts");',
        '/** import { g } from "./g.ts"; */',
        '// import { h } from "./h.ts";',
      ].join("\n"),
    );
    deepEqual(importsOf(file).sort(), ["./a.ts", "./b.ts", "./c.ts", "./d.ts", "./e.ts", "./f.ts"]);
    equal(partOf("lib/server/rooms/local_rooms.ts"), "rooms");
    equal(partOf("lib/server/services.ts"), "services.ts");
  } finally {
    Deno.removeSync(file);
  }
});
