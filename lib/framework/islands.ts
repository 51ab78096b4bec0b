/**
 * Server side of islands: while a page renders, every component registered as
 * an island is wrapped in an `<sb-island>` marker that records its name and
 * serialized props, so the browser can hydrate exactly that subtree. An island
 * rendered inside another island is part of the outer one and is not wrapped.
 *
 * @example
 * ```ts
 * const islands = createIslandRegistry({ "./islands/Counter.tsx": { default: Counter } });
 * const { html, used } = renderWithIslands(<Page />, islands);
 * ```
 */
import { type ComponentType, h, options, type VNode } from "preact";
import { renderToString } from "preact-render-to-string";
import { serializeProps } from "./serialize.ts";

/** A registered island. */
export interface Island {
  /** The export name used in markers and bundles (the file's base name). */
  readonly name: string;
  readonly component: ComponentType<Record<string, unknown>>;
}

/** Islands by component identity. */
export type IslandRegistry = ReadonlyMap<unknown, Island>;

/** What one page render produced. */
export interface IslandRender {
  html: string;
  /** Islands the page used, in first-use order. */
  used: Island[];
  /** Serialized props per island instance, by marker id. */
  props: string[];
}

/** Builds the registry from island modules keyed by their path (`./islands/Name.tsx`). */
export function createIslandRegistry(
  modules: Record<string, { default?: unknown }>,
): IslandRegistry {
  const registry = new Map<unknown, Island>();
  for (const [path, module] of Object.entries(modules)) {
    if (typeof module.default !== "function") continue;
    registry.set(module.default, {
      name: islandNameFromPath(path),
      component: module.default as Island["component"],
    });
  }
  return registry;
}

/** `./islands/chat_view.tsx` → `chat_view`. */
export function islandNameFromPath(path: string): string {
  const file = path.split("/").pop() ?? path;
  return file.replace(/\.[jt]sx?$/, "");
}

interface RenderState {
  islands: IslandRegistry;
  used: Set<Island>;
  props: string[];
  /** How many island markers enclose the vnode being rendered. */
  depth: number;
  /** Set while the marker creates the real island vnode, so it is not wrapped again. */
  creatingInner: boolean;
}

let current: RenderState | null = null;

function IslandMarker({ island, props }: { island: Island; props: Record<string, unknown> }) {
  const state = current!;
  const id = state.props.length;
  state.props.push(serializeProps(island.name, props));
  state.used.add(island);
  state.depth++;
  state.creatingInner = true;
  const inner = h(island.component, props);
  state.creatingInner = false;
  return h("sb-island", { "data-island": island.name, "data-id": String(id) }, inner);
}

type Hook = ((vnode: VNode) => void) | undefined;
const previousVnodeHook: Hook = options.vnode;
const previousDiffedHook: Hook = options.diffed;

options.vnode = (vnode) => {
  const state = current;
  if (state && state.depth === 0 && !state.creatingInner) {
    const island = state.islands.get(vnode.type);
    if (island) {
      const props = vnode.props as Record<string, unknown>;
      const marker = vnode as VNode<{ island: Island; props: Record<string, unknown> }>;
      marker.type = IslandMarker;
      marker.props = { island, props, children: undefined };
    }
  }
  previousVnodeHook?.(vnode);
};

options.diffed = (vnode) => {
  if (current && vnode.type === IslandMarker) current.depth--;
  previousDiffedHook?.(vnode);
};

/** Renders a page to HTML, collecting the islands it used and their props. */
export function renderWithIslands(
  create: () => VNode,
  islands: IslandRegistry,
): IslandRender {
  const state: RenderState = {
    islands,
    used: new Set(),
    props: [],
    depth: 0,
    creatingInner: false,
  };
  const outer = current;
  current = state;
  try {
    // The tree is created inside the render window so the vnode hook sees island elements.
    const html = renderToString(create());
    return { html, used: [...state.used], props: state.props };
  } finally {
    current = outer;
  }
}
