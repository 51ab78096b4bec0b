/**
 * `/status` in Chromium: complete without JavaScript, then live. A signed-out
 * visitor's board follows by polling `GET /api/status`; a signed-in one's by
 * `status` frames on the page's own connection. Either way the numbers change
 * when a test client connects and sends, without a reload. The range picker
 * reads a stored range without a reload (and Back returns); without
 * JavaScript each range is a page of its own.
 */
import { deepEqual, equal, match, notEqual, ok } from "node:assert/strict";
import type { Page } from "playwright-core";
import { TokenResponse } from "../../lib/protocol/mod.ts";
import { seedStatusHistory } from "../../scripts/seed_status_history.ts";
import { browserTest, watchProblems } from "../_helpers/browser.ts";
import type { TestServer } from "../_helpers/server.ts";
import { openSocket } from "../_helpers/socket.ts";

/** Long enough for a few snapshot intervals of the test server. */
const LIVE_TIMEOUT_MS = 30_000;

const metric = (name: string) => `[data-metric="${name}"] .metric-value`;

async function guestToken(server: TestServer, name: string): Promise<string> {
  const response = await fetch(`${server.origin}/api/guest`, {
    method: "POST",
    headers: { "content-type": "application/json", origin: server.origin },
    body: JSON.stringify({ name }),
  });
  return TokenResponse.parse(await response.json()).token;
}

/** Resolves once the element's text is no longer `before`; returns the new text. */
async function textChanges(page: Page, selector: string, before: string): Promise<string> {
  const handle = await page.waitForFunction(
    ([selector, before]) => {
      const text = document.querySelector(selector)?.textContent ?? null;
      return text !== null && text !== before ? text : null;
    },
    [selector, before] as const,
    { timeout: LIVE_TIMEOUT_MS },
  );
  return await handle.jsonValue() as string;
}

browserTest(
  "browser: /status shows server-rendered numbers, then a guest's board follows by polling",
  async ({ server, browser }) => {
    const page = await browser.newPage();
    const problems = watchProblems(page);
    const connections: string[] = [];
    page.on("request", (request) => {
      const path = new URL(request.url()).pathname;
      if (path === "/api/token" || path === "/api/ws") connections.push(path);
    });

    const response = await page.goto(`${server.origin}/status`);
    equal(response?.status(), 200);
    equal(await page.textContent(metric("connections")), "0");
    equal(await page.textContent(metric("messages")), "0");
    // Hydrated: the feed has started.
    await page.waitForSelector('[data-feed-mode]:not([data-feed-mode="idle"])');

    await using client = await openSocket(server.wsUrl, {
      token: await guestToken(server, "watcher"),
    });
    await client.nextOf("hello");
    client.send({ type: "join", room: "general" });
    await client.nextOf("joined");

    equal(await textChanges(page, metric("connections"), "0"), "1");
    await page.waitForSelector('[data-feed-mode="polling"]');

    for (let index = 0; index < 10; index++) {
      client.send({ type: "send", room: "general", text: `hello ${index}`, cid: `c${index}` });
      await client.nextOf("ack");
    }
    const count = await textChanges(page, metric("messages"), "0");
    ok(Number(count) > 0, `messages in the last 5 minutes shown: ${count}`);
    notEqual(await page.textContent(metric("latency")), "—", "a delivery latency was measured");

    deepEqual(connections, [], "a visitor who never signed in asks for no token");
    ok(problems.length === 0, `console problems: ${problems.join("; ")}`);
  },
  { server: { env: { RATE_BURST: "100" } } },
);

browserTest(
  "browser: a signed-in /status follows status frames on the page's own connection",
  async ({ server, browser }) => {
    const page = await browser.newPage();
    // The first, signed-out load polls; only the reload after signing in connects.
    const problems = watchProblems(page);

    // Signing in from the page keeps the refresh cookie in the browser.
    await page.goto(`${server.origin}/status`);
    const status = await page.evaluate(async () => {
      const response = await fetch("/api/guest", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ name: "viewer" }),
      });
      return response.status;
    });
    equal(status, 200);
    await page.reload();

    await page.waitForSelector('[data-feed-mode="live"]', { timeout: LIVE_TIMEOUT_MS });
    // The page's own connection is the first one counted.
    const own = await page.waitForFunction(
      (selector) => document.querySelector(selector)?.textContent === "1",
      metric("connections"),
      { timeout: LIVE_TIMEOUT_MS },
    );
    ok(await own.jsonValue());

    await using client = await openSocket(server.wsUrl, {
      token: await guestToken(server, "sender"),
    });
    await client.nextOf("hello");
    equal(await textChanges(page, metric("connections"), "1"), "2");
    equal(await page.getAttribute("[data-feed-mode]", "data-feed-mode"), "live");
    // "2" came in a later frame than the first, a delta with one sample: appended to the
    // history the first frame brought, the sparklines cover at least two samples.
    const window = await page.textContent('[data-metric="connections"] .metric-note');
    const seconds = Number(window?.match(/^last (\d+) s$/)?.[1]);
    ok(seconds >= 10, `the history grew with the deltas: ${window}`);

    ok(problems.length === 0, `console problems: ${problems.join("; ")}`);
  },
);

browserTest(
  "browser: /status is complete with JavaScript disabled",
  async ({ server, browser }) => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto(`${server.origin}/status`);

    for (const name of ["connections", "users", "messages", "latency"]) {
      const value = await page.textContent(metric(name));
      match(value ?? "", /^(\d[\d,.]*|—|\d[\d.]* m?s)$/, `${name} shows a number: ${value}`);
    }
    const state = await page.getAttribute(".health", "data-status");
    ok(state === "ok" || state === "degraded", `a running server is not down: ${state}`);
    match(await page.innerText(".health"), /Status: (OK|Degraded)/i);
    match(await page.innerText("[data-fact=isolates]"), /^1$/);
    match(await page.innerText("[data-feed-mode]"), /Snapshot as of .* UTC · reload/);
    match(await page.innerText(".panel:has(#isolates-title)"), /1 isolate is reporting/);
    match(
      (await page.getAttribute(".latency-chart svg", "aria-label")) ?? "",
      /^Delivery latency, (last|history starts)/,
    );
    await context.close();
  },
);

/** A server whose KV already holds a day of status history (written before it starts). */
const SEEDED = {
  server: {
    async seed(kvPath: string) {
      const kv = await Deno.openKv(kvPath);
      await seedStatusHistory(kv, Date.now(), 1);
      kv.close();
    },
  },
};

/** The range the board shows and whether its data arrived. */
function boardRange(page: Page) {
  return page.evaluate(() => {
    const board = document.querySelector<HTMLElement>(".status-board");
    return {
      range: board?.dataset.range,
      state: document.querySelector<HTMLElement>("[data-range-state]")?.dataset.rangeState,
      current: document.querySelector('.range-picker [aria-current="page"]')?.textContent?.trim(),
    };
  });
}

browserTest(
  "browser: the range picker reads a range without a reload, puts it in the URL, and Back returns",
  async ({ server, browser }) => {
    const page = await browser.newPage();
    const problems = watchProblems(page);
    await page.goto(`${server.origin}/status`);
    await page.waitForSelector('[data-feed-mode]:not([data-feed-mode="idle"])');
    deepEqual(await boardRange(page), { range: "15m", state: "ready", current: "Last 15 min" });
    // A page that reloaded would lose this.
    await page.evaluate(() => Object.assign(globalThis, { unreloaded: true }));

    await page.getByRole("link", { name: "Last 24 h" }).click();
    await page.waitForURL(`${server.origin}/status?range=24h`);
    await page.waitForSelector('.status-board[data-range="24h"] [data-range-state="ready"]', {
      state: "attached",
    });
    deepEqual(await boardRange(page), { range: "24h", state: "ready", current: "Last 24 h" });
    ok(await page.evaluate(() => "unreloaded" in globalThis), "no reload");
    const label = await page.getAttribute('[data-metric="connections"] svg', "aria-label");
    match(label ?? "", /^Connections, peak per 5 min, last 24 h: lowest \d+, highest \d+/);
    match(await page.innerText(".uptime .panel-sub"), /of recorded minutes ok/);
    const points = await page.locator('[data-metric="messages"] .sparkline-line').getAttribute("d");
    ok((points?.match(/L/g)?.length ?? 0) > 100, "a day of points is drawn");

    await page.getByRole("link", { name: "Last 7 d" }).click();
    await page.waitForURL(`${server.origin}/status?range=7d`);
    await page.waitForSelector('.status-board[data-range="7d"] [data-range-state="ready"]', {
      state: "attached",
    });

    await page.goBack();
    await page.waitForURL(`${server.origin}/status?range=24h`);
    await page.waitForSelector('.status-board[data-range="24h"] [data-range-state="ready"]', {
      state: "attached",
    });
    await page.goBack();
    await page.waitForSelector('.status-board[data-range="15m"]');
    ok(await page.evaluate(() => "unreloaded" in globalThis), "still no reload");
    ok(problems.length === 0, `console problems: ${problems.join("; ")}`);
  },
  SEEDED,
);

browserTest(
  "browser: without JavaScript the range links load each range as its own page",
  async ({ server, browser }) => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto(`${server.origin}/status?range=1h`);
    deepEqual(await boardRange(page), { range: "1h", state: "ready", current: "Last 1 h" });
    await page.getByRole("link", { name: "Last 90 d" }).click();
    await page.waitForURL(`${server.origin}/status?range=90d`);
    deepEqual(await boardRange(page), { range: "90d", state: "ready", current: "Last 90 d" });
    match(
      (await page.getAttribute(".latency-chart svg", "aria-label")) ?? "",
      /^Delivery latency, last 90 d: p99 from/,
    );
    equal(await page.locator(".uptime-day").count(), 90);
    await context.close();
  },
  SEEDED,
);
