/**
 * `safeNextPath`: every way a `next` value can make a browser leave the site,
 * as the browser itself would read it. Each value of the "leaving" table is
 * checked against the real URL parser too: followed as it is from a page of
 * the app, it lands on another host, so the table holds real attacks.
 */
import { equal } from "node:assert/strict";
import { DEFAULT_NEXT_PATH, MAX_NEXT_LENGTH, safeNextPath } from "../../lib/protocol/mod.ts";

const APP = "https://chat.example.com";

/** Values that stay on the site, and the path they become. */
const KEPT: [string, string][] = [
  ["/", "/"],
  ["/?room=dev", "/?room=dev"],
  ["/status", "/status"],
  ["/status#latency", "/status#latency"],
  ["/?room=dev&wsDebug=1", "/?room=dev&wsDebug=1"],
  // Percent-encoded characters stay encoded in a path: the browser does not decode them.
  ["/%09/evil.example", "/%09/evil.example"],
  ["/%2F%2Fevil.example", "/%2F%2Fevil.example"],
  ["/%5Cevil.example", "/%5Cevil.example"],
  ["/%2e%2e/status", "/status"],
  // Dot segments are resolved, as the browser would.
  ["/./status", "/status"],
  ["/../status", "/status"],
  ["/a/../../status", "/status"],
  // Query and fragment may hold anything: they never change the host.
  ["/x?next=//evil.example", "/x?next=//evil.example"],
  ["/x#//evil.example", "/x#//evil.example"],
  ["/@evil.example", "/@evil.example"],
  // Characters that only look like slashes are just path characters.
  ["/\uFF0F/evil.example", "/%EF%BC%8F/evil.example"],
  ["/\uFF3Cevil.example", "/%EF%BC%BCevil.example"],
  ["/ /x", "/%20/x"],
  ["/\u0000/x", "/%00/x"],
];

/** Values that, followed as they are from a page of the app, land on another host. */
const LEAVING: string[] = [
  // Scheme-relative and absolute.
  "//evil.example",
  "https://evil.example/",
  "http://evil.example",
  "http:/evil.example",
  "HTTPS://evil.example",
  // Tabs and newlines are removed by the browser before it parses.
  "/\t/evil.example",
  "/\n/evil.example",
  "/\r/evil.example",
  "/\r\n/evil.example",
  "\t//evil.example",
  "/\t\t/evil.example",
  // Backslashes are slashes in http(s) URLs.
  "/\\evil.example",
  "\\/evil.example",
  "\\\\evil.example",
  "/\\/evil.example",
  "/\t\\evil.example",
];

/** Values that are refused although they are not URLs of another host as they stand. */
const REFUSED: string[] = [
  // Unparseable, or another scheme.
  "///evil.example",
  "//",
  "javascript:alert(1)",
  "https:evil.example",
  "data:text/html,<script>alert(1)</script>",
  // Dot segments that resolve to `//evil.example`, a scheme-relative path once re-emitted.
  "/.//evil.example",
  "/..//evil.example",
  // Not a path at all.
  "",
  " /x",
  "status",
  "./status",
  "?next=/",
  "#x",
  "/x".padEnd(MAX_NEXT_LENGTH + 1, "x"),
];

/** The host a browser on the app's login page lands on, following `value` unchecked. */
function landsOn(value: string): string | null {
  try {
    return new URL(value, `${APP}/login`).host;
  } catch {
    return null;
  }
}

Deno.test("safeNextPath keeps same-origin paths, normalised as the browser would", () => {
  for (const [value, expected] of KEPT) {
    const kept = safeNextPath(value);
    equal(kept, expected, JSON.stringify(value));
    equal(new URL(kept, `${APP}/login`).origin, APP, `${JSON.stringify(value)} stays home`);
  }
});

Deno.test("safeNextPath refuses every value that would land on another host", () => {
  for (const value of LEAVING) {
    equal(landsOn(value), "evil.example", `${JSON.stringify(value)} really leaves`);
    equal(safeNextPath(value), DEFAULT_NEXT_PATH, JSON.stringify(value));
  }
});

Deno.test("safeNextPath refuses what is not a plain path", () => {
  for (const value of REFUSED) equal(safeNextPath(value), DEFAULT_NEXT_PATH, JSON.stringify(value));
});

Deno.test("safeNextPath refuses what is not a string", () => {
  for (const value of [null, undefined, 42, {}, ["/"]]) equal(safeNextPath(value), "/");
});

Deno.test("safeNextPath of a query parameter, decoded once as the server and browser decode it", () => {
  const cases: [string, string][] = [
    ["%2F%09%2Fevil.example", "/"],
    ["%2F%0A%2Fevil.example", "/"],
    ["%2F%5Cevil.example", "/"],
    ["%2F%2Fevil.example", "/"],
    ["https%3A%2F%2Fevil.example", "/"],
    ["%252F%252Fevil.example", "/"],
    ["%2F%252F%252Fevil.example", "/%2F%2Fevil.example"],
    ["%2Fstatus", "/status"],
  ];
  for (const [query, expected] of cases) {
    const value = new URLSearchParams(`next=${query}`).get("next");
    equal(safeNextPath(value), expected, query);
  }
});

Deno.test("safeNextPath's answers are fixed points: checking twice changes nothing", () => {
  for (const value of [...KEPT.map(([value]) => value), ...LEAVING, ...REFUSED]) {
    const once = safeNextPath(value);
    equal(safeNextPath(once), once, JSON.stringify(value));
  }
});
