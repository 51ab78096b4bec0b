/**
 * The build's output as the server sees it: `_build/manifest.json`, written by
 * `deno task build` and only read at run time.
 *
 * @example
 * ```ts
 * const build = await readBuildManifest(new URL("../../_build/", import.meta.url));
 * build?.islands["connection_badge"]; // "connection_badge-3f9a1c0e.js"
 * ```
 */

/** The contents of `_build/manifest.json`. */
export interface BuildManifest {
  /** Changes whenever any output file changes. */
  build_id: string;
  /** A hash of the sources the build was made from, to tell when it is stale. */
  source_hash: string;
  /** The hydration runtime's file name. */
  runtime: string;
  /** Island name → bundle file name. */
  islands: Record<string, string>;
}

/** The URL path the build folder is served at. */
export const BUILD_PREFIX = "/_build";

/** The manifest's file name inside the build folder. */
export const MANIFEST_FILE = "manifest.json";

/** Reads the manifest, or returns `null` when there is no build yet. */
export async function readBuildManifest(dir: URL): Promise<BuildManifest | null> {
  try {
    return JSON.parse(await Deno.readTextFile(new URL(MANIFEST_FILE, dir)));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return null;
    throw error;
  }
}
