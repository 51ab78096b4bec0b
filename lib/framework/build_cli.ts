/**
 * `deno task build`: builds `_build/`. With `--if-stale` (used by
 * `deno task start`) it does nothing when the build matches the sources.
 *
 * @example
 * ```sh
 * deno run -A lib/framework/build_cli.ts --if-stale
 * ```
 */
import { build, isBuildStale } from "./build.ts";

const root = new URL("../../", import.meta.url);

if (Deno.args.includes("--if-stale") && !(await isBuildStale(root))) {
  console.log("build is up to date");
} else {
  const started = performance.now();
  const manifest = await build(root);
  const islands = Object.keys(manifest.islands).length;
  console.log(
    `built ${manifest.build_id}: runtime + ${islands} island(s) in ${
      Math.round(performance.now() - started)
    } ms`,
  );
}
