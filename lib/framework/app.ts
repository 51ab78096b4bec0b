/**
 * The application: middleware, routes (registered in code or from the
 * `routes/` folder), WebSocket routes, islands and static files, in the shape
 * of Fresh 2's `App`.
 *
 * @example
 * ```ts
 * const app = new App<{ user?: string }>({ root: new URL("./", import.meta.url) })
 *   .use(async (ctx) => {
 *     const response = await ctx.next();
 *     response.headers.set("x-served-by", "switchboard");
 *     return response;
 *   })
 *   .get("/hello/:name", (ctx) => new Response(`hi ${ctx.params.name}`));
 * Deno.serve(app.handler());
 * ```
 */
import { type ComponentType, h, type VNode } from "preact";
import {
  BUILD_PREFIX,
  type BuildManifest,
  MANIFEST_FILE,
  readBuildManifest,
} from "./build_output.ts";
import type {
  Context,
  HandlerFn,
  Middleware,
  PageProps,
  PageResult,
  RouteHandler,
} from "./context.ts";
import { createIslandRegistry, type IslandRegistry } from "./islands.ts";
import { renderDocument } from "./page.ts";
import {
  compareSpecificity,
  compilePattern,
  matchSegments,
  type PathPattern,
  pathSegments,
} from "./router.ts";
import { createStaticFiles, isUnsafePath, type StaticFiles } from "./static_files.ts";
import { upgradeWebSocket, type WsHandlers } from "./ws.ts";
import type { ServeInfo } from "./socket_handover.ts";
import { type FsManifest, loadFsRoutes } from "./fs_routes.ts";

/** Options of {@linkcode App}. */
export interface AppOptions {
  /** The project root holding `static/` and `_build/`. */
  root: URL;
  /** Development mode: pages reload when the build changes. */
  dev?: boolean;
}

type AnyPage = ComponentType<PageProps<unknown, unknown>>;

interface Route<State> {
  pattern: PathPattern;
  /** `null` matches every method. */
  method: string | null;
  handler?: RouteHandler<State>;
  page?: AnyPage;
  middlewares: Middleware<State>[];
}

interface Loaded {
  build: BuildManifest | null;
  buildFiles: StaticFiles;
  staticFiles: StaticFiles;
}

const METHODS_WITH_PAGES = new Set(["GET", "HEAD"]);

function isPageResult(value: unknown): value is PageResult {
  return typeof value === "object" && value !== null && "data" in value &&
    !(value instanceof Response);
}

function errorResponse(status: number, code: string, message: string): Response {
  return Response.json({ error: { code, message } }, { status });
}

/** A Fresh-shaped application. */
export class App<State> {
  #options: AppOptions;
  #middlewares: Middleware<State>[] = [];
  #routes: Route<State>[] = [];
  #islands: IslandRegistry = new Map();
  #appWrapper: AnyPage | null = null;
  #notFound: AnyPage | null = null;
  #loaded: Promise<Loaded> | null = null;
  #devServerId = crypto.randomUUID();

  constructor(options: AppOptions) {
    this.#options = options;
  }

  /** Adds middleware that runs before every route, in the order added. */
  use(middleware: Middleware<State>): this {
    this.#middlewares.push(middleware);
    return this;
  }

  /** Handles GET (and HEAD) on `path` (`/rooms/:room`). */
  get(path: string, handler: HandlerFn<State>): this {
    return this.#add(path, "GET", handler);
  }

  /** Handles POST on `path`. */
  post(path: string, handler: HandlerFn<State>): this {
    return this.#add(path, "POST", handler);
  }

  /** Handles every method on `path`. */
  all(path: string, handler: HandlerFn<State>): this {
    return this.#add(path, null, handler);
  }

  /** A managed WebSocket route; see {@linkcode WsHandlers}. */
  ws<Data>(path: string, handlers: WsHandlers<State, Data>): this {
    return this.#add(path, "GET", (ctx) => upgradeWebSocket(ctx, handlers));
  }

  /** Adds the routes and islands of a generated manifest (`manifest.gen.ts`). */
  fsRoutes(manifest: FsManifest): this {
    const loaded = loadFsRoutes<State>(manifest);
    this.#islands = createIslandRegistry(manifest.islands);
    this.#appWrapper = loaded.appWrapper;
    this.#notFound = loaded.notFound;
    for (const route of loaded.routes) {
      this.#routes.push({
        pattern: compilePattern(route.pattern),
        method: null,
        handler: route.handler,
        page: route.page,
        middlewares: route.middlewares,
      });
    }
    this.#routes.sort((a, b) => compareSpecificity(a.pattern, b.pattern));
    return this;
  }

  /** The request handler for `Deno.serve`, `deno serve`, Deno Deploy and the guarded server. */
  handler(): (req: Request, info: ServeInfo) => Promise<Response> {
    return (req, info) => this.#handle(req, info);
  }

  /** The build this app serves, once loaded. */
  async build(): Promise<BuildManifest | null> {
    return (await this.#load()).build;
  }

  #add(path: string, method: string | null, handler: HandlerFn<State>): this {
    this.#routes.push({ pattern: compilePattern(path), method, handler, middlewares: [] });
    return this;
  }

  #load(): Promise<Loaded> {
    this.#loaded ??= (async () => {
      const buildDir = new URL("_build/", this.#options.root);
      const build = await readBuildManifest(buildDir);
      const buildFiles = await createStaticFiles(buildDir, {
        prefix: BUILD_PREFIX,
        cacheControl: "public, max-age=31536000, immutable",
      });
      const staticFiles = await createStaticFiles(new URL("static/", this.#options.root));
      return { build, buildFiles, staticFiles };
    })();
    return this.#loaded;
  }

  async #handle(req: Request, info: ServeInfo): Promise<Response> {
    const url = new URL(req.url);
    if (isUnsafePath(url.pathname)) {
      return errorResponse(400, "bad_request", "path not allowed");
    }
    const loaded = await this.#load();
    const file = url.pathname.startsWith(BUILD_PREFIX + "/")
      ? (url.pathname === `${BUILD_PREFIX}/${MANIFEST_FILE}`
        ? null
        : await loaded.buildFiles.serve(req, url.pathname))
      : await loaded.staticFiles.serve(req, url.pathname);
    if (file) return file;
    if (this.#options.dev && url.pathname === "/_dev/reload") {
      return devReloadStream(this.#devServerId);
    }

    const match = this.#match(req.method, url.pathname);
    const chain = [...this.#middlewares, ...(match?.route.middlewares ?? [])];
    let index = 0;
    const ctx: Context<State> = {
      req,
      url,
      info,
      params: match?.params ?? {},
      state: {} as State,
      next: () => {
        const middleware = chain[index++];
        if (middleware) return Promise.resolve(middleware(ctx));
        return this.#runRoute(ctx, match?.route ?? null, loaded);
      },
      render: (data, init) =>
        Promise.resolve(this.#renderPage(ctx, match?.route.page, data, init, loaded)),
      redirect: (location, status = 303) => new Response(null, { status, headers: { location } }),
    };
    try {
      return await ctx.next();
    } catch (error) {
      console.error(JSON.stringify({
        level: "error",
        event: "http.unhandled",
        path: url.pathname,
        error: String(error instanceof Error ? error.stack ?? error.message : error),
      }));
      return errorResponse(500, "internal", "internal server error");
    }
  }

  #match(method: string, pathname: string) {
    const wanted = method === "HEAD" ? "GET" : method;
    let pathOnly: { route: Route<State>; params: Record<string, string> } | null = null;
    const parts = pathSegments(pathname);
    for (const route of this.#routes) {
      const params = matchSegments(route.pattern, parts);
      if (!params) continue;
      if (route.method === null || route.method === wanted) return { route, params };
      pathOnly ??= { route, params };
    }
    return pathOnly;
  }

  async #runRoute(
    ctx: Context<State>,
    route: Route<State> | null,
    loaded: Loaded,
  ): Promise<Response> {
    if (!route) return this.#notFoundResponse(ctx, loaded);
    const method = ctx.req.method === "HEAD" ? "GET" : ctx.req.method;
    if (route.method !== null && route.method !== method) return methodNotAllowed([route.method]);
    const handler = route.handler;
    let result: Response | PageResult;
    if (typeof handler === "function") {
      result = await handler(ctx);
    } else if (handler) {
      const byMethod = handler[method as keyof typeof handler];
      if (!byMethod) {
        if (route.page && METHODS_WITH_PAGES.has(method)) {
          return this.#renderPage(ctx, route.page, undefined, undefined, loaded);
        }
        return methodNotAllowed(Object.keys(handler));
      }
      result = await byMethod(ctx);
    } else if (route.page && METHODS_WITH_PAGES.has(method)) {
      return this.#renderPage(ctx, route.page, undefined, undefined, loaded);
    } else {
      return methodNotAllowed(route.page ? ["GET"] : []);
    }
    if (result instanceof Response) return result;
    if (isPageResult(result)) {
      return this.#renderPage(ctx, route.page, result.data, result, loaded);
    }
    throw new TypeError(`handler for ${ctx.url.pathname} returned neither a Response nor page()`);
  }

  #notFoundResponse(ctx: Context<State>, loaded: Loaded): Response {
    if (this.#notFound && !ctx.url.pathname.startsWith("/api/")) {
      return this.#renderPage(ctx, this.#notFound, undefined, { status: 404 }, loaded);
    }
    return errorResponse(404, "bad_request", `no route for ${ctx.url.pathname}`);
  }

  #renderPage(
    ctx: Context<State>,
    page: AnyPage | undefined,
    data: unknown,
    init: { status?: number; headers?: HeadersInit } | undefined,
    loaded: Loaded,
  ): Response {
    if (!page) throw new TypeError(`route ${ctx.url.pathname} has no page component`);
    const base = { data, url: ctx.url, params: ctx.params, state: ctx.state };
    const Page = page;
    const Wrapper = this.#appWrapper;
    const inner = () => h(Page, { ...base, Component: () => null });
    const create = () => (Wrapper ? h(Wrapper, { ...base, Component: inner }) : inner()) as VNode;
    const html = renderDocument(create, this.#islands, loaded.build, {
      devReload: this.#options.dev ?? false,
    });
    const headers = new Headers(init?.headers);
    headers.set("content-type", "text/html; charset=utf-8");
    return new Response(html, { status: init?.status ?? 200, headers });
  }
}

function methodNotAllowed(allowed: string[]): Response {
  const response = errorResponse(405, "bad_request", "method not allowed");
  response.headers.set("allow", allowed.join(", "));
  return response;
}

function devReloadStream(serverId: string): Response {
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(new TextEncoder().encode(`retry: 300\ndata: ${serverId}\n\n`));
    },
  });
  return new Response(body, {
    headers: { "content-type": "text/event-stream", "cache-control": "no-store" },
  });
}
