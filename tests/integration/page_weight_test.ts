/**
 * The page-weight check: builds if the build is stale, serves it, and fails
 * when the JavaScript any of the three pages loads (every script, preloaded
 * bundle and import, as served compressed) exceeds 40 KB in brotli, which is
 * what browsers get (Chromium, Firefox and Safari ask for `br` over HTTPS and
 * from localhost), or 45 KB in gzip, what a browser gets over plain HTTP from
 * another host (brotli is about a tenth smaller). Chunks a page fetches
 * only on first use (dynamic `import()`: dialogs, the reaction picker) are
 * not in that sum but weighed apart: each at most 20 KB in brotli, sent
 * compressed and cached as immutable like every bundle. It prints the table
 * README.md carries ("Page weight").
 */
import { equal, ok } from "node:assert/strict";
import { build, isBuildStale } from "../../lib/framework/build.ts";
import { signInAsGuest } from "../_helpers/guest.ts";
import { measurePage, type PageWeight } from "../_helpers/page_weight.ts";
import { startTestServer } from "../_helpers/server.ts";

/** The most JavaScript a page may load, as browsers get it (brotli). */
const JS_BUDGET_BYTES = 40_000;
/** The most in gzip, for browsers that are not offered brotli (plain HTTP from another host). */
const JS_GZIP_BUDGET_BYTES = 45_000;
/** The most one chunk fetched on first use may weigh (brotli). */
const LAZY_CHUNK_BUDGET_BYTES = 20_000;

const root = new URL("../../", import.meta.url);

function kilobytes(bytes: number): string {
  return `${(bytes / 1000).toFixed(1)} KB`;
}

Deno.test("/login, / and /status each load at most 40 KB of compressed JavaScript, and 20 KB per chunk on first use", async () => {
  if (await isBuildStale(root)) await build(root);
  await using server = await startTestServer();
  const { cookie } = await signInAsGuest(server.origin, "weigher");

  const rows: string[] = [];
  const weights: PageWeight[] = [];
  const gzipWeights: PageWeight[] = [];
  for (const page of ["/login", "/", "/status"]) {
    const weight = await measurePage(server.origin, page, { cookie });
    const gzip = await measurePage(server.origin, page, { cookie, "accept-encoding": "gzip" });
    ok(weight.scripts.length > 0, `${page} loads its islands`);
    for (const file of [...weight.scripts, ...weight.lazy, ...weight.stylesheets]) {
      equal(file.encoding, "br", `${file.url} is sent compressed`);
    }
    for (const file of weight.lazy) {
      ok(file.cacheControl?.includes("immutable"), `${file.url} is cached as immutable`);
      ok(
        file.sent <= LAZY_CHUNK_BUDGET_BYTES,
        `${file.url}, fetched on first use, is ${file.sent} bytes in brotli`,
      );
    }
    const lazySent = weight.lazy.reduce((total, file) => total + file.sent, 0);
    const largestLazy = Math.max(0, ...weight.lazy.map((file) => file.sent));
    weights.push(weight);
    gzipWeights.push(gzip);
    rows.push(
      `| \`${page}\` | ${kilobytes(weight.js.sent)} (gzip ${kilobytes(gzip.js.sent)}) | ${
        kilobytes(weight.js.size)
      } in ${weight.scripts.length} files | ${
        weight.lazy.length === 0
          ? "none"
          : `${kilobytes(lazySent)} in ${weight.lazy.length} files (largest ${
            kilobytes(largestLazy)
          })`
      } | ${kilobytes(weight.css.sent)} (${kilobytes(weight.css.size)}) |`,
    );
  }
  console.log([
    "| page | JS at load, compressed: brotli (gzip) | JS at load, uncompressed | JS on first use, brotli | CSS: brotli (uncompressed) |",
    "| --- | --- | --- | --- | --- |",
    ...rows,
  ].join("\n"));
  const budgets = [
    ...weights.map((weight) => ({ weight, budget: JS_BUDGET_BYTES })),
    ...gzipWeights.map((weight) => ({ weight, budget: JS_GZIP_BUDGET_BYTES })),
  ];
  for (const { weight, budget } of budgets) {
    ok(
      weight.js.sent <= budget,
      `${weight.page} loads ${weight.js.sent} bytes of compressed JavaScript: ${
        weight.scripts.map((file) => `${file.url} ${file.encoding} ${file.sent}`).join(", ")
      }`,
    );
  }
});
