/**
 * The page-weight check: builds if the build is stale, serves it, and fails
 * when the JavaScript any of the three pages loads (every script, preloaded
 * bundle and import, as served compressed) exceeds 40 KB in brotli, which is
 * what browsers get (Chromium, Firefox and Safari ask for `br` over HTTPS and
 * from localhost), or 45 KB in gzip, what a browser gets over plain HTTP from
 * another host (brotli is about a tenth smaller). It prints the table
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

const root = new URL("../../", import.meta.url);

function kilobytes(bytes: number): string {
  return `${(bytes / 1000).toFixed(1)} KB`;
}

Deno.test("/login, / and /status each load at most 40 KB of compressed JavaScript", async () => {
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
    for (const file of [...weight.scripts, ...weight.stylesheets]) {
      equal(file.encoding, "br", `${file.url} is sent compressed`);
    }
    weights.push(weight);
    gzipWeights.push(gzip);
    rows.push(
      `| \`${page}\` | ${kilobytes(weight.js.sent)} (gzip ${kilobytes(gzip.js.sent)}) | ${
        kilobytes(weight.js.size)
      } in ${weight.scripts.length} files | ${kilobytes(weight.css.sent)} (${
        kilobytes(weight.css.size)
      }) |`,
    );
  }
  console.log([
    "| page | JS compressed: brotli (gzip) | JS uncompressed | CSS: brotli (uncompressed) |",
    "| --- | --- | --- | --- |",
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
