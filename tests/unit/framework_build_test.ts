import { deepEqual, equal, match, ok } from "node:assert/strict";
import { brotliDecompressSync, gunzipSync } from "node:zlib";
import { init as initModuleLexer, parse as parseModule } from "es-module-lexer";
import { hashSources } from "../../lib/framework/build.ts";
import { isCompressibleType } from "../../lib/framework/encoding.ts";
import { listFiles, sha256Hex } from "../../lib/framework/files.ts";
import { compressedName, contentTypeFor } from "../../lib/framework/static_files.ts";
import { readBuildManifest } from "../../lib/framework/build_output.ts";
import { generateManifest, listIslands } from "../../lib/framework/manifest.ts";
import { islandNameFromPath } from "../../lib/framework/islands.ts";

const root = new URL("../../", import.meta.url);

Deno.test("manifest.gen.ts lists every route and island (run `deno task build` if not)", async () => {
  const committed = await Deno.readTextFile(new URL("manifest.gen.ts", root));
  equal(committed, await generateManifest(root));
});

Deno.test("the build has a content-hashed bundle per island and is not stale", async () => {
  const build = await readBuildManifest(new URL("_build/", root));
  ok(build, "no _build/manifest.json: `deno task test` builds first");
  const islands = (await listIslands(root)).map(islandNameFromPath).sort();
  deepEqual(Object.keys(build.islands).sort(), islands);
  for (const file of [build.runtime, ...Object.values(build.islands)]) {
    match(file, /^[A-Za-z0-9_]+-[0-9a-f]{12}\.js$/);
    const contents = await Deno.readFile(new URL(`_build/bundles/${file}`, root));
    const digest = await crypto.subtle.digest("SHA-256", contents);
    const hex = Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
    ok(file.includes(hex.slice(0, 12)), `${file} is not named by its content`);
  }
  equal(build.source_hash, await hashSources(root), "the build is stale");
});

Deno.test("every bundle and every text file of static/ has a brotli and a gzip copy", async () => {
  const build = await readBuildManifest(new URL("_build/", root));
  ok(build);
  const bundles = (await listFiles(new URL("_build/bundles/", root), "."))
    .map((path) => new URL(path, new URL("_build/bundles/", root)));
  const texts = (await listFiles(new URL("static/", root), "."))
    .filter((path) => isCompressibleType(contentTypeFor(path)))
    .map((path) => new URL(path, new URL("static/", root)));
  ok(texts.some((url) => url.pathname.endsWith("/styles.css")));
  for (const url of [...bundles, ...texts]) {
    const bytes = await Deno.readFile(url);
    const hash = await sha256Hex(bytes);
    const copy = (encoding: "br" | "gzip") =>
      Deno.readFile(new URL(`_build/compressed/${compressedName(hash, encoding)}`, root));
    deepEqual(new Uint8Array(brotliDecompressSync(await copy("br"))), bytes, url.pathname);
    deepEqual(new Uint8Array(gunzipSync(await copy("gzip"))), bytes, url.pathname);
  }
});

Deno.test("each entry lists every chunk it imports, directly or through others", async () => {
  const build = await readBuildManifest(new URL("_build/", root));
  ok(build);
  await initModuleLexer;
  for (const entry of [build.runtime, ...Object.values(build.islands)]) {
    const listed = new Set(build.imports[entry]);
    const pending = [entry];
    while (pending.length > 0) {
      const file = pending.pop()!;
      const code = await Deno.readTextFile(new URL(`_build/bundles/${file}`, root));
      for (const imported of parseModule(code)[0]) {
        if (imported.type !== "static") continue;
        const name = imported.specifier.replace(/^\.\//, "");
        ok(listed.has(name), `${entry} imports ${name} through ${file}, unlisted`);
        pending.push(name);
      }
    }
  }
});

Deno.test("no bundle carries zod: the browser checks with lib/protocol/guards.ts", async () => {
  for (const path of await listFiles(new URL("_build/bundles/", root), ".")) {
    const code = await Deno.readTextFile(new URL(path, new URL("_build/bundles/", root)));
    ok(!code.includes("ZodError"), `${path} holds zod`);
  }
});
