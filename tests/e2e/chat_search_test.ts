/**
 * The search box in Chromium: Enter searches the rooms you are in, each
 * result shows its room, author, time and text with the words marked (and
 * hostile text as text); a search with no results says so; choosing a result
 * opens its room, reads the history back to the message when it is older than
 * what the room holds, scrolls to it and marks it a moment; Escape closes.
 */
import { deepEqual, equal, ok } from "node:assert/strict";
import type { Page } from "playwright-core";
import { registerAccount } from "../_helpers/accounts.ts";
import { browserTest } from "../_helpers/browser.ts";
import { openChat } from "../_helpers/chat_page.ts";
import { ask, connectAs } from "../_helpers/rooms.ts";

/** Opens the search box, searches for `q` with Enter, and waits for the outcome. */
async function search(page: Page, q: string) {
  const dialog = page.getByRole("dialog", { name: "Search messages" });
  if (!(await dialog.isVisible())) await page.locator(".search-toggle").click();
  await page.locator("#search-input").fill(q);
  await page.locator("#search-input").press("Enter");
  await dialog.locator(".search-results, .search-none, .field-error").first().waitFor();
  return dialog;
}

browserTest(
  "browser: a search result older than the room's page opens in context, scrolled to and marked",
  async ({ server, browser }) => {
    const ada = await registerAccount(server.origin, "ada");
    await using socket = await connectAs(server, ada);
    equal((await ask(socket, { type: "join", room: "general" })).type, "joined");
    const texts = [
      'the needle <img src=x onerror="window.__xss=1"> in the haystack',
      ...Array.from({ length: 79 }, (_, i) => `hay ${i + 1}`),
    ];
    for (const text of texts) {
      const ack = await ask(socket, {
        type: "send",
        room: "general",
        text,
        cid: crypto.randomUUID(),
      });
      equal(ack.type, "ack", JSON.stringify(ack));
    }
    await server.services.searchIndexer!.idle();

    await using bob = await openChat(browser, server.origin, "bob", "?room=random");
    const page = bob.page;

    const none = await search(page, "zebra");
    equal(
      await none.locator(".search-none").textContent(),
      "No messages hold “zebra”.",
    );

    const dialog = await search(page, "NEEDLE");
    const results = dialog.locator(".search-result");
    equal(await results.count(), 1);
    equal(await results.locator(".search-result-room").textContent(), "#general");
    equal(await results.locator(".msg-author").textContent(), "ada");
    ok(await results.locator("time").getAttribute("datetime"));
    deepEqual(await results.locator("mark").allTextContents(), ["needle"]);
    ok((await results.locator(".search-result-text").textContent())!.includes("<img src=x"));
    equal(await results.locator("img").count(), 0, "the text is never HTML");

    await results.click();
    await dialog.waitFor({ state: "detached" });
    await page.locator(".room-title", { hasText: "general" }).waitFor();
    const needle = page.locator(".msg", { hasText: "the needle" });
    // Flashed a moment: the class comes and goes.
    await page.locator(".msg.msg-flash", { hasText: "the needle" }).waitFor();
    ok(await needle.isVisible());
    const box = (await needle.boundingBox())!;
    const list = (await page.locator(".messages").boundingBox())!;
    ok(box.y >= list.y && box.y + box.height <= list.y + list.height, "scrolled into view");
    equal(await page.evaluate(() => (globalThis as { __xss?: number }).__xss), undefined);
    await page.locator(".msg.msg-flash").waitFor({ state: "detached" });

    // Escape closes the box.
    await page.locator(".search-toggle").click();
    await page.locator("#search-input").waitFor();
    await page.keyboard.press("Escape");
    await page.getByRole("dialog", { name: "Search messages" }).waitFor({ state: "detached" });
    deepEqual(bob.problems, []);
  },
  { server: { env: { RATE_BURST: "200" } } },
);
