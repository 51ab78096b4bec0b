/**
 * The browser side of islands: finds every `<sb-island>` the server rendered
 * and hydrates it with its component and deserialized props. The page names
 * the bundle of each island it uses in `<script type="application/json"
 * id="__sb_islands">` and loads this runtime with a plain
 * `<script type="module" src>`: no inline script, so a Content-Security-Policy
 * of `script-src 'self'` allows it. The bundles are fetched in parallel through
 * the page's `<link rel="modulepreload">`s, before the runtime asks for them.
 *
 * @example
 * ```ts
 * // the build's runtime entry:
 * import { hydrateIslands } from "./runtime.ts";
 * await hydrateIslands();
 * ```
 */
import { type ComponentType, h, hydrate } from "preact";
import { signal } from "@preact/signals";
import { deserializeProps } from "../serialize.ts";
import { BUNDLES_ELEMENT_ID, PROPS_ELEMENT_ID } from "./elements.ts";

/** Island bundles are served from here; the runtime imports nothing else. */
const BUNDLE_PREFIX = "/_build/";

type Island = ComponentType<Record<string, unknown>>;

function readJson<T>(id: string, fallback: T): T {
  const text = document.getElementById(id)?.textContent;
  return text ? JSON.parse(text) : fallback;
}

/** Hydrates every island on the page with the components given by name. */
export function boot(islands: Record<string, Island>): void {
  const allProps = readJson<string[]>(PROPS_ELEMENT_ID, []);
  for (const element of document.querySelectorAll<HTMLElement>("sb-island")) {
    const name = element.dataset.island ?? "";
    const component = islands[name];
    if (!component) {
      console.error(`island "${name}" has no bundle on this page`);
      continue;
    }
    const props = deserializeProps(allProps[Number(element.dataset.id)], signal);
    hydrate(h(component, props), element);
  }
}

/** Imports the bundles the page names, then hydrates its islands. */
export async function hydrateIslands(): Promise<void> {
  const bundles = readJson<Record<string, string>>(BUNDLES_ELEMENT_ID, {});
  const islands = await Promise.all(
    Object.entries(bundles)
      .filter(([, url]) => url.startsWith(BUNDLE_PREFIX))
      .map(async ([name, url]) => {
        const module: { default: Island } = await import(url);
        return [name, module.default] as const;
      }),
  );
  boot(Object.fromEntries(islands));
}
