/**
 * Typed helpers for route files, like Fresh's `createDefine()`.
 *
 * @example
 * ```ts
 * // utils.ts
 * export const define = createDefine<{ user?: string }>();
 * // routes/hello.tsx
 * export const handler = define.handlers({ GET: (ctx) => page({ name: "Ada" }) });
 * export default define.page<typeof handler>(({ data }) => <p>{data.name}</p>);
 * ```
 */
import type { ComponentChildren } from "preact";
import type {
  HandlerByMethod,
  Middleware,
  PageProps,
  PageResult,
  RouteHandler,
} from "./context.ts";

/** The page data a handler's result carries; a handler may also answer with a `Response`. */
type PageDataOf<R> = Exclude<Awaited<R>, Response> extends PageResult<infer D> ? D : never;

type DataOf<H> = H extends (...args: never[]) => infer R ? PageDataOf<R>
  : H extends HandlerByMethod<never> ? {
      [K in keyof H]: H[K] extends (...args: never[]) => infer R ? PageDataOf<R> : never;
    }[keyof H]
  : never;

/** The helpers returned by {@linkcode createDefine}. */
export interface Define<State> {
  handlers<H extends RouteHandler<State>>(handlers: H): H;
  middleware(middleware: Middleware<State>): Middleware<State>;
  page<H = unknown, Data = DataOf<H>>(
    render: (props: PageProps<Data, State>) => ComponentChildren,
  ): (props: PageProps<Data, State>) => ComponentChildren;
}

/** Creates typed identity helpers bound to the app's `State`. */
export function createDefine<State>(): Define<State> {
  return {
    handlers: (handlers) => handlers,
    middleware: (middleware) => middleware,
    page: (render) => render,
  };
}
