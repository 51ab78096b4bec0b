/**
 * The app's state type and the typed `define` helpers route files use.
 *
 * @example
 * ```ts
 * import { define } from "../utils.ts";
 * export const handler = define.handlers({ GET: (ctx) => new Response("ok") });
 * ```
 */
import { createDefine } from "./lib/framework/define.ts";
import type { Services } from "./lib/server/services.ts";

/** What middleware puts on `ctx.state` for every route. */
export interface State {
  services: Services;
}

/** Typed helpers for handlers, pages and middleware. */
export const define = createDefine<State>();
