/**
 * The browser side of islands: the one script a page with islands loads. It
 * reads which bundles the page needs (a JSON element the server wrote, so no
 * script is inline and `script-src 'self'` holds), imports them, then finds
 * every `<sb-island>` the server rendered and hydrates it with its component
 * and deserialized props.
 *
 * @example
 * ```ts
 * // the server writes, for a page that uses ConnectionBadge:
 * // <script type="application/json" id="__sb_islands">{"ConnectionBadge":"/_build/ConnectionBadge-5e6f.js"}</script>
 * // <script type="module" src="/_build/runtime-1a2b.js"></script>
 * boot({ ConnectionBadge }); // what the runtime then does with the imported bundles
 * ```
 */
import { type ComponentType, h, hydrate } from "preact";
import { signal } from "@preact/signals";
import { deserializeProps } from "../serialize.ts";
import { BUNDLES_ELEMENT_ID, PROPS_ELEMENT_ID } from "./elements.ts";

/** Island bundles are served from here; the runtime imports nothing else. */
const BUNDLE_PREFIX = "/_build/";

type Islands = Record<string, ComponentType<Record<string, unknown>>>;

/** Hydrates every island on the page. */
export function boot(islands: Islands): void {
  const propsElement = document.getElementById(PROPS_ELEMENT_ID);
  const allProps: string[] = JSON.parse(propsElement?.textContent ?? "[]");
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

/** Imports the bundles the page lists, then hydrates its islands. */
export async function start(): Promise<void> {
  const listed = document.getElementById(BUNDLES_ELEMENT_ID);
  const bundles: Record<string, string> = JSON.parse(listed?.textContent ?? "{}");
  const islands: Islands = {};
  await Promise.all(
    Object.entries(bundles)
      .filter(([, url]) => url.startsWith(BUNDLE_PREFIX))
      .map(async ([name, url]) => {
        islands[name] = (await import(url)).default;
      }),
  );
  boot(islands);
}

if (typeof document !== "undefined") start();
