/**
 * The Content-Security-Policy in a real browser: every page still hydrates
 * under it with no violation reported, and no page can be framed by another site.
 */
import { deepEqual, equal } from "node:assert/strict";
import { browserTest, watchProblems } from "../_helpers/browser.ts";
import { TEST_PASSWORD } from "../_helpers/chat_page.ts";

const VIOLATIONS = `
  window.__violations = [];
  document.addEventListener("securitypolicyviolation", (event) => {
    window.__violations.push(event.violatedDirective + " " + event.blockedURI);
  });
`;

browserTest(
  "browser: pages hydrate under the CSP with no violation",
  async ({ server, browser }) => {
    const context = await browser.newContext();
    await context.addInitScript(VIOLATIONS);
    const page = await context.newPage();
    const problems = watchProblems(page);

    await page.goto(`${server.origin}/login?mode=register`);
    await page.getByLabel("Name").fill("ada");
    await page.getByLabel("Password").fill(TEST_PASSWORD);
    await page.getByRole("button", { name: "Create account" }).click();
    // Only the hydrated form registers without leaving the page first; the chat then hydrates too.
    await page.locator(".chat-app[data-state=open]").waitFor();
    const seen = await page.evaluate("window.__violations");
    deepEqual(seen, [], `on / after signing in: ${JSON.stringify(seen)}`);

    await page.goto(`${server.origin}/status`);
    await page.locator(".status-page").waitFor();
    await page.waitForLoadState("networkidle");
    deepEqual(await page.evaluate("window.__violations"), [], "on /status");
    deepEqual(problems, []);
    await context.close();
  },
);

browserTest("browser: another site cannot frame a page", async ({ server, browser }) => {
  const page = await browser.newPage();
  await page.route("http://framer.example/", (route) =>
    route.fulfill({
      contentType: "text/html",
      body: `<iframe id="victim" src="${server.origin}/login"></iframe>`,
    }));
  await page.goto("http://framer.example/");
  const frame = await (await page.waitForSelector("#victim")).contentFrame();
  await page.waitForTimeout(0);
  const framed = await frame?.evaluate(() => document.querySelector("form")?.action ?? null)
    .catch(() => null);
  equal(framed ?? null, null, "the login form rendered inside another site's frame");
  await page.close();
});
