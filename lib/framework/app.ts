/**
 * The application: middleware, routes (registered in code or from the
 * `routes/` folder), WebSocket routes, islands and static files, in the shape
 * of Fresh 2's `App`. It knows nothing of the application: how an error is
 * worded, which paths are an API and where errors are logged are options.
 *
 * @example
 * ```ts
 * const app = new App<{ user?: string }>({
 *   root: new URL("./", import.meta.url),
 *   apiPrefix: "/api/",
 *   errorResponse: ({ status, message }) => Response.json({ error: message }, { status }),
 *   onError: (error, req) => console.error(req.url, error),
 * })
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
  BUNDLES_FOLDER,
  COMPRESSED_FOLDER,
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
import { DEV_RELOAD_SCRIPT, DEV_RELOAD_SCRIPT_PATH, renderDocument } from "./page.ts";
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

/** A request the framework answers itself; the app words the answer. */
export interface FrameworkError {
  /**
   * 400: a path that is never served (`..`, NUL), or a request that is not an
   * upgrade on a WebSocket route; 404: no route (or no `_404`
   * page, or an API path); 405: the route has no handler for the method; 500:
   * a handler or page threw.
   */
  status: 400 | 404 | 405 | 500;
  /** What happened, in words. */
  message: string;
}

/** Options of {@linkcode App}. */
export interface AppOptions {
  /** The project root holding `static/` and `_build/`. */
  root: URL;
  /** Development mode: pages reload when the build changes. */
  dev?: boolean;
  /**
   * The response to a {@linkcode FrameworkError} (a 405 also gets its `Allow`
   * header). Default: the message as plain text.
   */
  errorResponse?: (error: FrameworkError) => Response;
  /**
   * Paths that start with it are an API: an unknown one gets `errorResponse`
   * (404), never the `_404` page. Default: none.
   */
  apiPrefix?: string;
  /** Told what a handler or page threw, before a 500 answers it. Default: `console.error`. */
  onError?: (error: unknown, req: Request) => void;
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

function plainErrorResponse({ status, message }: FrameworkError): Response {
  return new Response(message, {
    status,
    headers: { "content-type": "text/plain; charset=utf-8" },
  });
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
    return this.#add(
      path,
      "GET",
      (ctx) => upgradeWebSocket(ctx, handlers, (message) => this.#error(400, message)),
    );
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
      const compressed = new URL(COMPRESSED_FOLDER, buildDir);
      const buildFiles = await createStaticFiles(new URL(BUNDLES_FOLDER, buildDir), {
        prefix: BUILD_PREFIX,
        cacheControl: "public, max-age=31536000, immutable",
        compressed,
      });
      const staticFiles = await createStaticFiles(new URL("static/", this.#options.root), {
        compressed,
      });
      return { build, buildFiles, staticFiles };
    })();
    return this.#loaded;
  }

  #error(status: FrameworkError["status"], message: string): Response {
    return (this.#options.errorResponse ?? plainErrorResponse)({ status, message });
  }

  async #handle(req: Request, info: ServeInfo): Promise<Response> {
    const url = new URL(req.url);
    if (isUnsafePath(url.pathname)) return this.#error(400, "path not allowed");
    const loaded = await this.#load();
    const file = url.pathname.startsWith(BUILD_PREFIX + "/")
      ? await loaded.buildFiles.serve(req, url.pathname)
      : await loaded.staticFiles.serve(req, url.pathname);
    if (file) return file;
    if (this.#options.dev && url.pathname === "/_dev/reload") {
      return devReloadStream(this.#devServerId);
    }
    if (this.#options.dev && url.pathname === DEV_RELOAD_SCRIPT_PATH) {
      return new Response(DEV_RELOAD_SCRIPT, {
        headers: { "content-type": "text/javascript; charset=utf-8", "cache-control": "no-store" },
      });
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
      (this.#options.onError ?? console.error)(error, req);
      return this.#error(500, "internal server error");
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
    if (route.method !== null && route.method !== method) {
      return this.#methodNotAllowed([route.method]);
    }
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
        return this.#methodNotAllowed(Object.keys(handler));
      }
      result = await byMethod(ctx);
    } else if (route.page && METHODS_WITH_PAGES.has(method)) {
      return this.#renderPage(ctx, route.page, undefined, undefined, loaded);
    } else {
      return this.#methodNotAllowed(route.page ? ["GET"] : []);
    }
    if (result instanceof Response) return result;
    if (isPageResult(result)) {
      return this.#renderPage(ctx, route.page, result.data, result, loaded);
    }
    throw new TypeError(`handler for ${ctx.url.pathname} returned neither a Response nor page()`);
  }

  #methodNotAllowed(allowed: string[]): Response {
    const response = this.#error(405, "method not allowed");
    response.headers.set("allow", allowed.join(", "));
    return response;
  }

  #notFoundResponse(ctx: Context<State>, loaded: Loaded): Response {
    const { apiPrefix } = this.#options;
    const isApi = apiPrefix !== undefined && ctx.url.pathname.startsWith(apiPrefix);
    if (this.#notFound && !isApi) {
      return this.#renderPage(ctx, this.#notFound, undefined, { status: 404 }, loaded);
    }
    return this.#error(404, `no route for ${ctx.url.pathname}`);
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
