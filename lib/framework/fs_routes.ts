/**
 * File routes: turns the modules of `routes/` (listed in the generated
 * `manifest.gen.ts`) into route records, like Fresh's `fsRoutes()`.
 *
 * - `routes/index.tsx` → `/`, `routes/api/config.ts` → `/api/config`
 * - `routes/rooms/[room].tsx` → `/rooms/:room`
 * - `_app.tsx` wraps every page, `_404.tsx` renders unknown paths,
 *   `_middleware.ts` in a folder runs before every route below it.
 *
 * @example
 * ```ts
 * const { routes } = loadFsRoutes(manifest);
 * routes.map((route) => route.pattern); // ["/", "/api/config", …]
 * ```
 */
import type { ComponentType } from "preact";
import type { Middleware, PageProps, RouteHandler } from "./context.ts";
import { patternFromRouteFile } from "./router.ts";

/** What a route module may export. */
export interface RouteModule {
  handler?: RouteHandler<never>;
  default?: ComponentType<PageProps<never, never>>;
}

/** The shape of `manifest.gen.ts`. */
export interface FsManifest {
  /** Route modules keyed by path, e.g. `./routes/api/config.ts`. */
  routes: Record<string, unknown>;
  /** Island modules keyed by path, e.g. `./islands/Chat.tsx`. */
  islands: Record<string, { default?: unknown }>;
}

/** One file route, ready to register. */
export interface FsRoute<State> {
  pattern: string;
  handler?: RouteHandler<State>;
  page?: ComponentType<PageProps<unknown, unknown>>;
  middlewares: Middleware<State>[];
}

/** The routes and special pages of a manifest. */
export interface FsRoutes<State> {
  routes: FsRoute<State>[];
  appWrapper: ComponentType<PageProps<unknown, unknown>> | null;
  notFound: ComponentType<PageProps<unknown, unknown>> | null;
}

const ROUTES_PREFIX = "./routes/";

function routePath(key: string): string {
  if (!key.startsWith(ROUTES_PREFIX)) throw new TypeError(`not a route file: ${key}`);
  return key.slice(ROUTES_PREFIX.length).replace(/\.[jt]sx?$/, "");
}

/** Folder of a route path: `api/rooms/index` → `api/rooms`, `index` → ``. */
function folderOf(path: string): string {
  const slash = path.lastIndexOf("/");
  return slash === -1 ? "" : path.slice(0, slash);
}

/** Builds route records from a manifest. */
export function loadFsRoutes<State>(manifest: FsManifest): FsRoutes<State> {
  const middlewareByFolder = new Map<string, Middleware<State>>();
  let appWrapper: FsRoutes<State>["appWrapper"] = null;
  let notFound: FsRoutes<State>["notFound"] = null;
  const pages: [string, RouteModule][] = [];

  for (const [key, value] of Object.entries(manifest.routes)) {
    const module = value as RouteModule & { handler?: unknown; default?: unknown };
    const path = routePath(key);
    const name = path.split("/").pop()!;
    if (name === "_middleware") {
      const middleware = module.handler ?? module.default;
      if (typeof middleware !== "function") {
        throw new TypeError(`${key} must export a middleware function as handler`);
      }
      middlewareByFolder.set(folderOf(path), middleware as Middleware<State>);
    } else if (name === "_app") {
      appWrapper = module.default as FsRoutes<State>["appWrapper"];
    } else if (name === "_404") {
      notFound = module.default as FsRoutes<State>["notFound"];
    } else if (!name.startsWith("_")) {
      pages.push([path, module]);
    }
  }

  const routes = pages.map(([path, module]): FsRoute<State> => {
    const folder = folderOf(path);
    const middlewares = [...middlewareByFolder.entries()]
      .filter(([dir]) => dir === "" || folder === dir || folder.startsWith(dir + "/"))
      .sort(([a], [b]) => a.length - b.length)
      .map(([, middleware]) => middleware);
    if (!module.handler && !module.default) {
      throw new TypeError(`./routes/${path} exports neither handler nor a default page`);
    }
    return {
      pattern: patternFromRouteFile(path),
      handler: module.handler as RouteHandler<State> | undefined,
      page: module.default as FsRoute<State>["page"],
      middlewares,
    };
  });
  return { routes, appWrapper, notFound };
}
