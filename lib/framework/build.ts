/**
 * The production build: regenerates `manifest.gen.ts`, then bundles the
 * hydration runtime and every island with `deno bundle` (code splitting, so
 * preact and shared code load once) into content-hashed files in `_build/`.
 *
 * @example
 * ```ts
 * const manifest = await build(new URL("../../", import.meta.url));
 * console.log(manifest.build_id);
 * ```
 */
import { type BuildManifest, MANIFEST_FILE } from "./build_output.ts";
import { generateManifest, listIslands } from "./manifest.ts";
import { islandNameFromPath } from "./islands.ts";
import { listFiles, sha256Hex } from "./files.ts";

const RUNTIME_ENTRY = "runtime";

/** What the browser bundles and `manifest.gen.ts` are made from. */
const SOURCE_FOLDERS = [
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
  await Deno.writeTextFile(
    runtimeStub,
    `export * from ${JSON.stringify(new URL("lib/framework/client/runtime.ts", root).href)};\n`,
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

    const target = new URL("_build/", root);
    await Deno.remove(target, { recursive: true }).catch(() => {});
    await Deno.mkdir(target, { recursive: true });
    const entryNames = new Set([RUNTIME_ENTRY, ...islands.map(islandNameFromPath)]);
    const hashed: Record<string, string> = {};
    const outputHashes: string[] = [];
    for await (const entry of Deno.readDir(outDir)) {
      const contents = await Deno.readFile(new URL(entry.name, outDir));
      const hash = (await sha256Hex(contents)).slice(0, 12);
      const base = entry.name.replace(/\.js$/, "");
      // Chunks are already named by content hash; entries are not, and nothing imports them.
      const name = entryNames.has(base) ? `${base}-${hash}.js` : entry.name;
      if (entryNames.has(base)) hashed[base] = name;
      outputHashes.push(`${name}:${hash}`);
      await Deno.writeFile(new URL(name, target), contents);
    }
    const { [RUNTIME_ENTRY]: runtime, ...islandFiles } = hashed;
    const manifest: BuildManifest = {
      build_id: (await sha256Hex(outputHashes.sort().join("\n"))).slice(0, 12),
      source_hash: await hashSources(root),
      runtime,
      islands: islandFiles,
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
