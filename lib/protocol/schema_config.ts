/**
 * zod's settings for every schema of the contract, imported (for its effect)
 * by each module that defines schemas. In a browser zod parses without
 * compiling parsers through `new Function` (`jitless`): the pages'
 * Content-Security-Policy has no `'unsafe-eval'`, and zod's probe for it
 * would be reported as a violation even though zod survives it. The server
 * keeps the compiled parsers, which are faster.
 *
 * @example
 * ```ts
 * import "./schema_config.ts";
 * ```
 */
import { z } from "zod";

if (typeof document !== "undefined") z.config({ jitless: true });
