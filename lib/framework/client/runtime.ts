/**
 * The browser side of islands: finds every `<sb-island>` the server rendered
 * and hydrates it with its component and deserialized props.
 *
 * @example
 * ```ts
 * // emitted by the server into pages that use islands:
 * import { boot } from "/_build/runtime-1a2b3c4d.js";
 * import ConnectionBadge from "/_build/ConnectionBadge-5e6f7a8b.js";
 * boot({ ConnectionBadge });
 * ```
 */
import { type ComponentType, h, hydrate } from "preact";
import { signal } from "@preact/signals";
import { deserializeProps } from "../serialize.ts";

/** Hydrates every island on the page. */
export function boot(islands: Record<string, ComponentType<Record<string, unknown>>>): void {
  const propsElement = document.getElementById("__sb_props");
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
