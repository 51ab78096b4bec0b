/**
 * The request context handed to middleware, handlers and pages, shaped like
 * Fresh 2's `Context`.
 *
 * @example
 * ```ts
 * const handler = (ctx: Context<{ user?: string }>) =>
 *   new Response(`hello ${ctx.params.name} from ${ctx.url.pathname}`);
 * ```
 */
import type { ComponentChildren } from "preact";
import type { ServeInfo } from "./socket_handover.ts";

/** What a handler returns to have the route's page rendered with `data`. */
export interface PageResult<Data = unknown> {
  readonly data: Data;
  readonly status?: number;
  readonly headers?: HeadersInit;
}

/** Asks the framework to render the route's page component with `data`. */
export function page<Data>(data: Data, init?: Omit<PageResult, "data">): PageResult<Data> {
  return { data, ...init };
}

/** The context of one request. */
export interface Context<State> {
  readonly req: Request;
  readonly url: URL;
  readonly params: Record<string, string>;
  /** The connection's info; under the guarded server, also the socket to upgrade over. */
  readonly info: ServeInfo;
  /** Per-request state that middleware fills in for the handlers after it. */
  state: State;
  /** Runs the rest of the middleware chain and the route. */
  next(): Promise<Response>;
  /** Renders the route's page component (inside `_app`) with `data`. */
  render(data?: unknown, init?: ResponseInit): Promise<Response>;
  /** A redirect response. */
  redirect(location: string, status?: number): Response;
}

/** A function that handles a request. */
export type HandlerFn<State> = (
  ctx: Context<State>,
) => Response | PageResult | Promise<Response | PageResult>;

/** A handler per HTTP method. */
export type HandlerByMethod<State> = Partial<
  Record<"GET" | "POST" | "PUT" | "PATCH" | "DELETE" | "HEAD" | "OPTIONS", HandlerFn<State>>
>;

/** What a route module's `handler` export may be. */
export type RouteHandler<State> = HandlerFn<State> | HandlerByMethod<State>;

/** Middleware: may answer itself or call `ctx.next()`. */
export type Middleware<State> = (ctx: Context<State>) => Response | Promise<Response>;

/** The props of a page component. */
export interface PageProps<Data = unknown, State = unknown> {
  data: Data;
  url: URL;
  params: Record<string, string>;
  state: State;
  /** In `_app.tsx`: the page itself. */
  Component: () => ComponentChildren;
}
