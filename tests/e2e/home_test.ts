import { equal, match, ok } from "node:assert/strict";
import { browserReady, launchBrowser } from "../_helpers/browser.ts";
import { startTestServer } from "../_helpers/server.ts";

Deno.test({
  name: "browser: / hydrates its island, which then responds to clicks, with no console errors",
  ignore: !browserReady(),
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await using server = await startTestServer();
    await using browser = await launchBrowser();
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on("console", (message) => {
      if (message.type() === "error" || message.type() === "warning") {
        problems.push(`${message.type()}: ${message.text()}`);
      }
    });
    page.on("pageerror", (error) => problems.push(`pageerror: ${error.message}`));

    const response = await page.goto(server.origin + "/");
    equal(response?.status(), 200);
    const badge = page.locator("button.badge");
    await badge.locator("text=ready").waitFor();
    equal(await badge.getAttribute("data-state"), "ready");

    // Only the hydrated island reacts to a click; the server HTML alone would not.
    await badge.click();
    const detail = page.locator(".badge-detail");
    await detail.waitFor();
    match(await detail.innerText(), /page rendered/);
    equal(await badge.getAttribute("aria-expanded"), "true");

    ok(problems.length === 0, `console problems: ${problems.join("; ")}`);
  },
});

Deno.test({
  name: "browser: / is readable with JavaScript disabled",
  ignore: !browserReady(),
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await using server = await startTestServer();
    await using browser = await launchBrowser();
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto(server.origin + "/");
    match(await page.locator("h1").innerText(), /Welcome to Switchboard/);
    equal(await page.locator("button.badge").getAttribute("data-state"), "idle");
    await context.close();
  },
});
