/**
 * Turns a rendered page into a document: the HTML from the page (inside
 * `_app`), plus, only when the page used islands, their serialized props and
 * one module script that loads the runtime and exactly those island bundles.
 *
 * @example
 * ```ts
 * const html = renderDocument(() => <App />, islands, build, { devReload: false });
 * ```
 */
import type { VNode } from "preact";
import { BUILD_PREFIX, type BuildManifest } from "./build_output.ts";
import { type IslandRegistry, renderWithIslands } from "./islands.ts";

/** Options of {@linkcode renderDocument}. */
export interface DocumentOptions {
  /** Adds the development live-reload client. */
  devReload: boolean;
}

/** Escapes JSON for a `<script>` element (no `</script>` or `<!--` can close it). */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replaceAll("<", "\\u003c")
    .replaceAll("\u2028", "\\u2028")
    .replaceAll("\u2029", "\\u2029");
}

function islandScripts(
  used: { name: string }[],
  props: string[],
  build: BuildManifest | null,
): string {
  if (used.length === 0) return "";
  if (!build) {
    console.warn("islands are not hydrated: no build found, run `deno task build`");
    return "";
  }
  const imports = used.map((island, i) =>
    `import island${i} from ${JSON.stringify(`${BUILD_PREFIX}/${build.islands[island.name]}`)};`
  );
  const table = used.map((island, i) => `${JSON.stringify(island.name)}: island${i}`).join(", ");
  return `<script type="application/json" id="__sb_props">${jsonForScript(props)}</script>` +
    `<script type="module">import { boot } from ${
      JSON.stringify(`${BUILD_PREFIX}/${build.runtime}`)
    };${imports.join("")}boot({ ${table} });</script>`;
}

// Each dev server process has its own id: a different id after a reconnect
// means the server restarted with new code, so the page reloads.
const DEV_RELOAD_SCRIPT = `<script type="module">
let seen;
new EventSource("/_dev/reload").onmessage = (event) => {
  if (seen && event.data !== seen) location.reload();
  seen = event.data;
};
</script>`;

/** Renders a page to a complete HTML document string. */
export function renderDocument(
  create: () => VNode,
  islands: IslandRegistry,
  build: BuildManifest | null,
  options: DocumentOptions,
): string {
  const { html, used, props } = renderWithIslands(create, islands);
  const tail = islandScripts(used, props, build) + (options.devReload ? DEV_RELOAD_SCRIPT : "");
  const document = html.startsWith("<html") ? `<!DOCTYPE html>${html}` : html;
  const withBuild = document.replace(
    /^<!DOCTYPE html><html/,
    `<!DOCTYPE html><html data-build="${build?.build_id ?? "none"}"`,
  );
  const bodyEnd = withBuild.lastIndexOf("</body>");
  return bodyEnd === -1
    ? withBuild + tail
    : withBuild.slice(0, bodyEnd) + tail + withBuild.slice(bodyEnd);
}
