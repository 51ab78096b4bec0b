/**
 * The build's output as the server sees it, written by `deno task build` and
 * only read at run time:
 *
 * ```
 * _build/manifest.json      this manifest
 * _build/bundles/           the runtime, one bundle per island, shared chunks (served at /_build/)
 * _build/compressed/        brotli and gzip copies of the bundles and of static/, by content hash
 * ```
 *
 * @example
 * ```ts
 * const build = await readBuildManifest(new URL("../../_build/", import.meta.url));
 * build?.islands["ConnectionBadge"]; // "ConnectionBadge-3f9a1c0e5d7b.js"
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
  /**
   * Runtime or island bundle → every chunk it imports, directly or through
   * other chunks, so a page can preload them all at once.
   */
  imports: Record<string, string[]>;
}

/** The URL path the bundles are served at. */
export const BUILD_PREFIX = "/_build";

/** The manifest's file name inside the build folder. */
export const MANIFEST_FILE = "manifest.json";

/** The folder of the bundles inside the build folder. */
export const BUNDLES_FOLDER = "bundles/";

/** The folder of the compressed copies inside the build folder. */
export const COMPRESSED_FOLDER = "compressed/";

/** Reads the manifest, or returns `null` when there is no build yet. */
export async function readBuildManifest(dir: URL): Promise<BuildManifest | null> {
  try {
    return JSON.parse(await Deno.readTextFile(new URL(MANIFEST_FILE, dir)));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return null;
    throw error;
  }
}
