/**
 * The ids of the two JSON elements a page with islands carries, shared by
 * the server that writes them (`page.ts`) and the runtime that reads them.
 *
 * @example
 * ```ts
 * document.getElementById(PROPS_ELEMENT_ID); // <script type="application/json" id="__sb_props">
 * ```
 */

/** Each island instance's serialized props, by marker id. */
export const PROPS_ELEMENT_ID = "__sb_props";

/** The bundle URL of each island the page uses, by island name. */
export const BUNDLES_ELEMENT_ID = "__sb_islands";
