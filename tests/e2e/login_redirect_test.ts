/**
 * The open redirect, in a real browser: `/login?next=%2F%09%2Fevil.example`
 * (a tab the browser drops, turning `/\t/evil.example` into `//evil.example`)
 * must end on the app's own origin after signing in, with and without
 * JavaScript. evil.example is answered by the test itself, so a redirect
 * there would be seen, not just fail to resolve.
 */
import { equal } from "node:assert/strict";
import type { BrowserContext } from "playwright-core";
import { browserTest } from "../_helpers/browser.ts";
import { TEST_PASSWORD } from "../_helpers/chat_page.ts";

const ATTACK = "/login?next=%2F%09%2Fevil.example";

/** Answers every request to evil.example, and records that it was reached. */
async function trapEvil(context: BrowserContext): Promise<string[]> {
  const reached: string[] = [];
  await context.route((url) => url.hostname === "evil.example", (route) => {
    reached.push(route.request().url());
    return route.fulfill({ status: 200, contentType: "text/html", body: "<h1>evil</h1>" });
  });
  return reached;
}

for (const javaScriptEnabled of [true, false]) {
  const how = javaScriptEnabled ? "with JavaScript" : "without JavaScript";
  browserTest(
    `browser: ${ATTACK} ends on the app's own origin, ${how}`,
    async ({ server, browser }) => {
      const context = await browser.newContext({ javaScriptEnabled });
      const reached = await trapEvil(context);
      await context.request.post(`${server.origin}/api/register`, {
        data: { name: "ada", password: TEST_PASSWORD },
      });
      await context.clearCookies();
      const page = await context.newPage();
      await page.goto(`${server.origin}${ATTACK}`);
      await page.getByLabel("Name").fill("ada");
      await page.getByLabel("Password").fill(TEST_PASSWORD);
      await Promise.all([
        page.waitForURL((url) => url.pathname !== "/login"),
        page.getByRole("button", { name: "Sign in" }).click(),
      ]);
      equal(new URL(page.url()).origin, server.origin);
      equal(new URL(page.url()).pathname, "/");
      if (javaScriptEnabled) await page.locator(".chat-app[data-state=open]").waitFor();
      equal(reached.length, 0, `the browser went to ${reached.join(", ")}`);
      await context.close();
    },
  );
}
