/**
 * The production build: regenerates `manifest.gen.ts`, then bundles the
 * hydration runtime and every island with `deno bundle` (code splitting, so
 * preact and shared code load once) into content-hashed files in
 * `_build/bundles/`, lists the chunks each entry imports (read with
 * `es-module-lexer`) so pages can preload them, and writes brotli and gzip
 * copies of every bundle and every text file of `static/` into
 * `_build/compressed/` (see `./build_output.ts`).
 *
 * @example
 * ```ts
 * const manifest = await build(new URL("../../", import.meta.url));
 * console.log(manifest.build_id);
 * ```
 */
import { init as initModuleLexer, parse as parseModule } from "es-module-lexer";
import {
  type BuildManifest,
  BUNDLES_FOLDER,
  COMPRESSED_FOLDER,
  MANIFEST_FILE,
} from "./build_output.ts";
import { compress, ENCODINGS, isCompressibleType } from "./encoding.ts";
import { generateManifest, listIslands } from "./manifest.ts";
import { islandNameFromPath } from "./islands.ts";
import { listFiles, sha256Hex } from "./files.ts";
import { compressedName, contentTypeFor } from "./static_files.ts";

const RUNTIME_ENTRY = "runtime";

/** What the browser bundles and `manifest.gen.ts` are made from. */
const SOURCE_FOLDERS = [
  "static",
  "islands",
  "components",
  "routes",
  "lib/client",
  "lib/framework",
  "lib/protocol",
  "lib/time",
];
const SOURCE_FILES = ["deno.json", "deno.lock"];

/**
 * A hash over the sources a build depends on; a build whose `source_hash`
 * differs is stale. Paths and contents both count, so renames are noticed.
 */
export async function hashSources(root: URL): Promise<string> {
  const parts: string[] = [];
  for (const folder of SOURCE_FOLDERS) {
    for (const path of await listFiles(root, `./${folder}`)) {
      parts.push(path, await sha256Hex(await Deno.readFile(new URL(path, root))));
    }
  }
  for (const file of SOURCE_FILES) {
    try {
      parts.push(file, await sha256Hex(await Deno.readFile(new URL(file, root))));
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
  }
  return (await sha256Hex(parts.join("\n"))).slice(0, 16);
}

/** Whether `_build/` is missing or was made from other sources. */
export async function isBuildStale(root: URL): Promise<boolean> {
  try {
    const current: BuildManifest = JSON.parse(
      await Deno.readTextFile(new URL(`_build/${MANIFEST_FILE}`, root)),
    );
    return current.source_hash !== await hashSources(root);
  } catch {
    return true;
  }
}

/** Writes one re-export stub per entry so every bundle lands flat in one folder. */
async function writeEntryStubs(root: URL, stubDir: URL, islands: string[]): Promise<string[]> {
  await Deno.mkdir(stubDir, { recursive: true });
  const stubs: string[] = [];
  const runtimeStub = new URL(`${RUNTIME_ENTRY}.ts`, stubDir);
  const runtime = JSON.stringify(new URL("lib/framework/client/runtime.ts", root).href);
  await Deno.writeTextFile(
    runtimeStub,
    `import { hydrateIslands } from ${runtime};\nawait hydrateIslands();\n`,
  );
  stubs.push(runtimeStub.pathname);
  for (const island of islands) {
    const stub = new URL(`${islandNameFromPath(island)}.ts`, stubDir);
    await Deno.writeTextFile(
      stub,
      `export { default } from ${JSON.stringify(new URL(island, root).href)};\n`,
    );
    stubs.push(stub.pathname);
  }
  return stubs;
}

async function bundle(root: URL, entries: string[], outDir: URL): Promise<void> {
  const command = new Deno.Command(Deno.execPath(), {
    args: [
      "bundle",
      "--quiet",
      "--config",
      new URL("deno.json", root).pathname,
      "--platform",
      "browser",
      "--code-splitting",
      "--minify",
      "--outdir",
      outDir.pathname,
      ...entries,
    ],
    stdout: "inherit",
    stderr: "inherit",
  });
  const { success } = await command.output();
  if (!success) throw new Error("deno bundle failed (see the output above)");
}

/** The bundles each bundle imports statically (`./chunk-X.js`), by file name. */
async function directImports(files: ReadonlyMap<string, string>): Promise<Map<string, string[]>> {
  await initModuleLexer;
  const graph = new Map<string, string[]>();
  for (const [name, code] of files) {
    const [imports] = parseModule(code, name);
    graph.set(
      name,
      imports.flatMap((entry) =>
        entry.type === "static" || entry.type === "reexport-star"
          ? [entry.specifier.replace(/^\.\//, "")]
          : []
      ),
    );
  }
  return graph;
}

/** Every bundle `entry` imports, directly or through others, in a stable order. */
function importClosure(graph: ReadonlyMap<string, string[]>, entry: string): string[] {
  const seen = new Set<string>();
  const visit = (file: string) => {
    for (const imported of graph.get(file) ?? []) {
      if (seen.has(imported)) continue;
      seen.add(imported);
      visit(imported);
    }
  };
  visit(entry);
  return [...seen].sort();
}

/** Writes the brotli and gzip copies of `bytes` that are smaller than it. */
async function writeCompressed(bytes: Uint8Array, folder: URL): Promise<void> {
  const hash = await sha256Hex(bytes);
  for (const encoding of ENCODINGS) {
    const compressed = compress(bytes, encoding, "build");
    if (compressed.length >= bytes.length) continue;
    await Deno.writeFile(new URL(compressedName(hash, encoding), folder), compressed);
  }
}

/** Builds into `<root>/_build/` and returns the new manifest. */
export async function build(root: URL): Promise<BuildManifest> {
  await Deno.writeTextFile(new URL("manifest.gen.ts", root), await generateManifest(root));
  const islands = await listIslands(root);
  const work = new URL("_build.tmp/", root);
  await Deno.remove(work, { recursive: true }).catch(() => {});
  const outDir = new URL("out/", work);
  try {
    const stubs = await writeEntryStubs(root, new URL("entries/", work), islands);
    await bundle(root, stubs, outDir);

    const entryNames = new Set([RUNTIME_ENTRY, ...islands.map(islandNameFromPath)]);
    const hashed: Record<string, string> = {};
    const bundles = new Map<string, string>();
    for await (const entry of Deno.readDir(outDir)) {
      const code = await Deno.readTextFile(new URL(entry.name, outDir));
      const base = entry.name.replace(/\.js$/, "");
      // Chunks are already named by content hash; entries are not, and nothing imports them.
      if (!entryNames.has(base)) {
        bundles.set(entry.name, code);
        continue;
      }
      hashed[base] = `${base}-${(await sha256Hex(code)).slice(0, 12)}.js`;
      bundles.set(hashed[base], code);
    }
    const graph = await directImports(bundles);

    const target = new URL("_build/", root);
    const bundlesDir = new URL(BUNDLES_FOLDER, target);
    const compressedDir = new URL(COMPRESSED_FOLDER, target);
    await Deno.remove(target, { recursive: true }).catch(() => {});
    await Deno.mkdir(bundlesDir, { recursive: true });
    await Deno.mkdir(compressedDir, { recursive: true });
    const outputHashes: string[] = [];
    for (const [name, code] of bundles) {
      const bytes = new TextEncoder().encode(code);
      outputHashes.push(`${name}:${await sha256Hex(bytes)}`);
      await Deno.writeFile(new URL(name, bundlesDir), bytes);
      await writeCompressed(bytes, compressedDir);
    }
    const staticDir = new URL("static/", root);
    for (const path of await listFiles(staticDir, ".")) {
      if (!isCompressibleType(contentTypeFor(path))) continue;
      await writeCompressed(await Deno.readFile(new URL(path, staticDir)), compressedDir);
    }

    const { [RUNTIME_ENTRY]: runtime, ...islandFiles } = hashed;
    const manifest: BuildManifest = {
      build_id: (await sha256Hex(outputHashes.sort().join("\n"))).slice(0, 12),
      source_hash: await hashSources(root),
      runtime,
      islands: islandFiles,
      imports: Object.fromEntries(
        Object.values(hashed).sort().map((file) => [file, importClosure(graph, file)]),
      ),
    };
    await Deno.writeTextFile(
      new URL(MANIFEST_FILE, target),
      JSON.stringify(manifest, null, 2) + "\n",
    );
    return manifest;
  } finally {
    await Deno.remove(work, { recursive: true }).catch(() => {});
  }
}
