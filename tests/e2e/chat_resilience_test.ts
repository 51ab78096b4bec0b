/**
 * The chat page through failures it must survive: the server killed and
 * restarted, and WebSockets blocked (the HTTP fallback, then back).
 */
import { deepEqual, ok } from "node:assert/strict";
import { browserReady, browserTest, launchBrowser } from "../_helpers/browser.ts";
import { openChat, sendMessage, sentAmong, waitForSent } from "../_helpers/chat_page.ts";
import { startServerProcess } from "../_helpers/server_process.ts";

// Not a `browserTest`: it needs a server process it can kill, not an in-process test server.
Deno.test({
  name: "browser: the server is killed and restarted; sends meanwhile arrive once",
  ignore: !browserReady(),
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await using server = await startServerProcess();
    await using browser = await launchBrowser();
    await using ada = await openChat(browser, server.origin, "ada", "?backoff=aggressive");
    await using bob = await openChat(browser, server.origin, "bob", "?backoff=aggressive");
    await sendMessage(ada.page, "before the crash");
    await waitForSent(bob.page, ["before the crash"]);

    await server.kill();
    for (const { page } of [ada, bob]) {
      await page.locator(".banner", { hasText: "Reconnecting" }).waitFor();
    }
    await sendMessage(ada.page, "sent while the server was down");
    await sendMessage(bob.page, "me too");
    await ada.page.locator(".msg[data-status=pending]").waitFor();

    await server.restart();
    const texts = ["before the crash", "sent while the server was down", "me too"];
    for (const { page } of [ada, bob]) {
      await waitForSent(page, texts);
      await page.locator(".chat-app[data-state=open]").waitFor();
      await page.locator(".banner").waitFor({ state: "detached" });
      deepEqual((await sentAmong(page, texts)).sort(), [...texts].sort(), "each exactly once");
    }
  },
});

for (const mode of ["refuse", "kill"] as const) {
  browserTest(
    `browser: WebSockets blocked (${mode}) → HTTP fallback works both ways → back`,
    async ({ server, browser }) => {
      const block = async (blockMode: "off" | typeof mode) => {
        const response = await fetch(`${server.origin}/api/test/ws-block`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ mode: blockMode }),
        });
        await response.body?.cancel();
        ok(response.ok, `ws-block ${blockMode}: HTTP ${response.status}`);
      };
      await block(mode);
      const query = "?backoff=aggressive&probeMs=1000";
      await using ada = await openChat(browser, server.origin, "ada", query, "fallback");
      await using bob = await openChat(browser, server.origin, "bob", query, "fallback");
      await ada.page.locator(".banner", { hasText: "Using fallback connection" }).waitFor();
      await ada.page.locator(".chat-app[data-transport=http]").waitFor();

      await sendMessage(ada.page, "over http from ada");
      await waitForSent(bob.page, ["over http from ada"]);
      await sendMessage(bob.page, "over http from bob");
      await waitForSent(ada.page, ["over http from bob"]);

      await block("off");
      for (const { page } of [ada, bob]) {
        await page.locator(".chat-app[data-state=open][data-transport=websocket]").waitFor();
      }
      await sendMessage(bob.page, "back on websockets");
      await waitForSent(ada.page, ["back on websockets"]);
      const texts = ["over http from ada", "over http from bob", "back on websockets"];
      deepEqual(await sentAmong(ada.page, texts), texts);
      deepEqual(await sentAmong(bob.page, texts), texts);
    },
    { server: { env: { TEST_HOOKS: "1" } } },
  );
}
