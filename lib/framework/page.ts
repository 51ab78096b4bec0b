/**
 * Turns a rendered page into a document: the HTML from the page (inside
 * `_app`), plus, only when the page used islands, their serialized props and
 * bundle names (JSON, which no browser runs), a `modulepreload` for the
 * runtime, exactly those island bundles and every chunk they import, and the
 * runtime's `<script type="module" src>`. Nothing is inline, so the page works
 * under a Content-Security-Policy of `script-src 'self'`.
 *
 * @example
 * ```ts
 * const html = renderDocument(() => <App />, islands, build, { devReload: false });
 * ```
 */
import type { VNode } from "preact";
import { BUILD_PREFIX, type BuildManifest } from "./build_output.ts";
import { BUNDLES_ELEMENT_ID, PROPS_ELEMENT_ID } from "./client/elements.ts";
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
  const bundles = Object.fromEntries(
    used.map((island) => [island.name, `${BUILD_PREFIX}/${build.islands[island.name]}`]),
  );
  const preloaded = new Set<string>();
  for (const entry of [build.runtime, ...used.map((island) => build.islands[island.name])]) {
    preloaded.add(entry);
    for (const chunk of build.imports[entry] ?? []) preloaded.add(chunk);
  }
  const preloads = [...preloaded].map((file) =>
    `<link rel="modulepreload" href="${BUILD_PREFIX}/${file}">`
  );
  return `<script type="application/json" id="${PROPS_ELEMENT_ID}">${
    jsonForScript(props)
  }</script>` +
    `<script type="application/json" id="${BUNDLES_ELEMENT_ID}">${
      jsonForScript(bundles)
    }</script>` +
    preloads.join("") +
    `<script type="module" src="${BUILD_PREFIX}/${build.runtime}"></script>`;
}

/**
 * The path of the development live-reload client. Each dev server process
 * has its own id: a different id after a reconnect means the server restarted
 * with new code, so the page reloads.
 */
export const DEV_RELOAD_SCRIPT_PATH = "/_dev/reload.js";

/** The live-reload client, served at {@linkcode DEV_RELOAD_SCRIPT_PATH} in development. */
export const DEV_RELOAD_SCRIPT = `let seen;
new EventSource("/_dev/reload").onmessage = (event) => {
  if (seen && event.data !== seen) location.reload();
  seen = event.data;
};
`;

/** Renders a page to a complete HTML document string. */
export function renderDocument(
  create: () => VNode,
  islands: IslandRegistry,
  build: BuildManifest | null,
  options: DocumentOptions,
): string {
  const { html, used, props } = renderWithIslands(create, islands);
  const tail = islandScripts(used, props, build) +
    (options.devReload ? `<script type="module" src="${DEV_RELOAD_SCRIPT_PATH}"></script>` : "");
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
