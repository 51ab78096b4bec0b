/**
 * Hooks for tests only, which `server.ts` installs as middleware when
 * `TEST_HOOKS=1` and never otherwise: nothing in `lib/server` imports this
 * folder, so no production path holds a test switch.
 *
 * Imports `../session` and `../http` (besides `lib/framework` and the root's
 * `log.ts`).
 *
 * @example
 * ```ts
 * import { createWsBlock } from "./mod.ts";
 * if (config.testHooks) app.use(createWsBlock({ log, socketPath: "/api/ws" }).middleware);
 * ```
 */
export * from "./ws_block.ts";
