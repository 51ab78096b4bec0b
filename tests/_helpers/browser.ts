/**
 * Launches Debian's Chromium through playwright-core for browser tests.
 * Without a browser the tests are skipped with a loud message — except under
 * `CI` or `REQUIRE_BROWSER`, where a missing browser fails them.
 *
 * @example
 * ```ts
 * browserTest("browser: / hydrates", async ({ server, browser }) => {
 *   const page = await browser.newPage();
 *   await page.goto(server.origin + "/");
 * });
 * ```
 */
import { type Browser, chromium, type Page } from "playwright-core";
import { startTestServer, type TestServer, type TestServerOptions } from "./server.ts";

const CANDIDATES = [Deno.env.get("CHROME_PATH"), "/usr/bin/chromium", "/usr/bin/chromium-browser"];

function findChromium(): string | null {
  for (const path of CANDIDATES) {
    if (!path) continue;
    try {
      if (Deno.statSync(path).isFile) return path;
    } catch {
      // not there; try the next one
    }
  }
  return null;
}

const executablePath = findChromium();
const required = Boolean(Deno.env.get("CI") || Deno.env.get("REQUIRE_BROWSER"));

/** Whether browser tests should run (false only when skipping is allowed). */
export function browserReady(): boolean {
  if (executablePath) return true;
  if (required) return true; // run, and fail loudly in launchBrowser
  console.warn(
    "\n!!! BROWSER TESTS SKIPPED: no Chromium found at $CHROME_PATH or /usr/bin/chromium.\n" +
      "!!! Install it with `sudo apt-get install -y chromium` (or set CHROME_PATH).\n",
  );
  return false;
}

/** Launches headless Chromium; closes with `await using`. */
export async function launchBrowser(): Promise<Browser & AsyncDisposable> {
  if (!executablePath) {
    throw new Error(
      "Chromium is required (CI or REQUIRE_BROWSER is set) but was not found; " +
        "install it with `apt-get install -y chromium` or set CHROME_PATH",
    );
  }
  const browser = await chromium.launch({
    executablePath,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--no-first-run",
      "--disable-sync",
      "--disable-quic",
    ],
  });
  return Object.assign(browser, { [Symbol.asyncDispose]: () => browser.close() });
}

/** What {@linkcode browserTest} hands the test body. */
export interface BrowserTestContext {
  /** A test server on port 0, closed after the test. */
  server: TestServer;
  /** Headless Chromium, closed after the test (before the server). */
  browser: Browser;
}

/** Options of {@linkcode browserTest}. */
export interface BrowserTestOptions {
  /** Passed to {@linkcode startTestServer}. */
  server?: TestServerOptions;
}

/**
 * Registers a browser test: skipped (loudly) like every browser test when
 * Chromium is missing, and given a started test server and browser that are
 * closed when the body ends, whether it passes or throws.
 *
 * @example
 * ```ts
 * browserTest("browser: sign in opens the chat", async ({ server, browser }) => {
 *   const page = await browser.newPage();
 *   await page.goto(`${server.origin}/login`);
 * }, { server: { env: { TEST_HOOKS: "1" } } });
 * ```
 */
export function browserTest(
  name: string,
  fn: (context: BrowserTestContext) => Promise<void>,
  options: BrowserTestOptions = {},
): void {
  Deno.test({
    name,
    ignore: !browserReady(),
    sanitizeResources: false,
    sanitizeOps: false,
    async fn() {
      await using server = await startTestServer(options.server);
      await using browser = await launchBrowser();
      await fn({ server, browser });
    },
  });
}

/** Options of {@linkcode watchProblems}. */
export interface WatchProblemsOptions {
  /** Count console warnings too, not only errors. */
  warnings?: boolean;
  /** Console messages a test expects and does not count. */
  expected?: (text: string) => boolean;
}

/**
 * Collects the page's console errors (and warnings, if asked) and uncaught
 * page errors, so a test can assert at its end that there were none.
 */
export function watchProblems(page: Page, options: WatchProblemsOptions = {}): string[] {
  const problems: string[] = [];
  page.on("console", (message) => {
    const type = message.type();
    const counted = type === "error" || (options.warnings && type === "warning");
    if (counted && !options.expected?.(message.text())) {
      problems.push(`${type}: ${message.text()}`);
    }
  });
  page.on("pageerror", (error) => problems.push(`pageerror: ${error.message}`));
  return problems;
}
