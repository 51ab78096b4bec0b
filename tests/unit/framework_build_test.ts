import { deepEqual, equal, match, ok } from "node:assert/strict";
import { hashSources } from "../../lib/framework/build.ts";
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
    const contents = await Deno.readFile(new URL(`_build/${file}`, root));
    const digest = await crypto.subtle.digest("SHA-256", contents);
    const hex = Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
    ok(file.includes(hex.slice(0, 12)), `${file} is not named by its content`);
  }
  equal(build.source_hash, await hashSources(root), "the build is stale");
});
