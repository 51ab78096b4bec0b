/**
 * Message markdown, long messages and drafts in Chromium: what one user
 * writes in markdown another sees formatted (and hostile markdown inert), a
 * long message opens with "Show more", and a draft survives a room switch
 * and a reload.
 */
import { deepEqual, equal, ok } from "node:assert/strict";
import type { Page } from "playwright-core";
import { browserTest } from "../_helpers/browser.ts";
import { connected, openChat, sendMessage } from "../_helpers/chat_page.ts";

/** The message whose text contains `marker`, once it is shown as sent. */
async function sentMessage(page: Page, marker: string) {
  const message = page.locator(".msg[data-status=sent]", { hasText: marker });
  await message.waitFor();
  return message;
}

browserTest(
  "browser: markdown is shown formatted to others, raw HTML and unsafe links never",
  async ({ server, browser }) => {
    await using ada = await openChat(browser, server.origin, "ada");
    await using bob = await openChat(browser, server.origin, "bob");
    await ada.page.locator("#composer-input").fill(
      [
        "**bold** *it* ~~gone~~ `a < b` [docs](https://deno.com/manual) (m1)",
        "> quoted",
        "",
        "- one",
        "- two",
        "",
        "```",
        "<script>window.__xss = 1</script>",
        "```",
        '[bad](javascript:window.__xss=2) <img src=x onerror="window.__xss=3">',
      ].join("\n"),
    );
    await ada.page.locator("#composer-input").press("Enter");

    const message = (await sentMessage(bob.page, "(m1)")).locator(".msg-text");
    equal(await message.locator("strong").textContent(), "bold");
    equal(await message.locator("em").textContent(), "it");
    equal(await message.locator("del").textContent(), "gone");
    equal(await message.locator("p code").textContent(), "a < b");
    equal(await message.locator("blockquote").textContent(), "quoted");
    deepEqual(await message.locator("ul li").allTextContents(), ["one", "two"]);
    equal(await message.locator("pre code").textContent(), "<script>window.__xss = 1</script>");
    const links = message.locator("a");
    equal(await links.count(), 1, "only the http(s) link is a link");
    equal(await links.getAttribute("href"), "https://deno.com/manual");
    equal(await links.getAttribute("rel"), "noopener noreferrer");
    equal(await message.locator("script, img").count(), 0);
    ok((await message.textContent())!.includes("[bad](javascript:window.__xss=2)"));
    equal(await bob.page.evaluate(() => (globalThis as { __xss?: number }).__xss), undefined);
    deepEqual([...ada.problems, ...bob.problems], []);
  },
);

browserTest(
  "browser: a long message is collapsed until Show more",
  async ({ server, browser }) => {
    await using ada = await openChat(browser, server.origin, "ada");
    const long = Array.from({ length: 30 }, (_, i) => `line ${i + 1} of a long message`);
    await ada.page.locator("#composer-input").fill(long.join("\n"));
    await ada.page.locator("#composer-input").press("Enter");
    const message = await sentMessage(ada.page, "line 1 of");
    const text = message.locator(".msg-text");
    const button = message.getByRole("button", { name: "Show more" });
    equal(await text.getAttribute("class"), "msg-text msg-text-collapsed");
    equal(await button.getAttribute("aria-expanded"), "false");
    const collapsedHeight = (await text.boundingBox())!.height;
    await button.click();
    const less = message.getByRole("button", { name: "Show less" });
    equal(await less.getAttribute("aria-expanded"), "true");
    equal(await text.getAttribute("class"), "msg-text");
    ok((await text.boundingBox())!.height > collapsedHeight * 1.5, "the whole text shows");
    await less.click();
    equal(await text.getAttribute("class"), "msg-text msg-text-collapsed");
    equal(await message.getByRole("button", { name: "Show more" }).count(), 1);
    await sendMessage(ada.page, "a short one (m2)");
    equal(await (await sentMessage(ada.page, "(m2)")).locator(".show-more").count(), 0);
  },
);

browserTest(
  "browser: a draft survives a room switch and a reload",
  async ({ server, browser }) => {
    await using ada = await openChat(browser, server.origin, "ada", "?room=random");
    const input = ada.page.locator("#composer-input");
    const roomLink = (room: string) =>
      ada.page.locator(".room-list:not(.room-list-other) .room-link", { hasText: room });

    await input.fill("half a thought about random");
    await roomLink("general").click();
    await ada.page.locator(".room-title", { hasText: "general" }).waitFor();
    equal(await input.inputValue(), "", "each room has its own draft");
    await input.fill("and one for general");

    await roomLink("random").click();
    await ada.page.locator(".room-title", { hasText: "random" }).waitFor();
    await ada.page.waitForFunction(() =>
      (document.querySelector("#composer-input") as HTMLTextAreaElement).value ===
        "half a thought about random"
    );

    await ada.page.reload();
    await connected(ada.page);
    await ada.page.waitForFunction(() =>
      (document.querySelector("#composer-input") as HTMLTextAreaElement).value ===
        "half a thought about random"
    );
    await roomLink("general").click();
    await ada.page.locator(".room-title", { hasText: "general" }).waitFor();
    equal(await input.inputValue(), "and one for general");

    // Sending empties the draft, for good.
    await input.press("Enter");
    await sentMessage(ada.page, "and one for general");
    await ada.page.reload();
    await connected(ada.page);
    equal(await input.inputValue(), "");
    deepEqual(ada.problems, []);
  },
);
