/**
 * The chat page's rooms and composer in Chromium: unread badges and the
 * title count follow what arrives in rooms you are not looking at, the joined
 * rooms survive a reload, and the composer counts characters as the server does.
 */
import { deepEqual, equal } from "node:assert/strict";
import type { Page } from "playwright-core";
import { browserTest } from "../_helpers/browser.ts";
import { connected, openChat, sendMessage, waitForSent } from "../_helpers/chat_page.ts";

const roomLink = (page: Page, room: string) =>
  page.locator(".room-list:not(.room-list-other) .room-link", { hasText: room });

browserTest(
  "browser: unread badges and the title count what arrived elsewhere, until the room is opened",
  async ({ server, browser }) => {
    await using ada = await openChat(browser, server.origin, "ada", "?room=random");
    await using bob = await openChat(browser, server.origin, "bob", "?room=random");
    await roomLink(ada.page, "general").click();
    await ada.page.locator(".room-title", { hasText: "general" }).waitFor();

    await sendMessage(bob.page, "one");
    await sendMessage(bob.page, "two");
    await waitForSent(bob.page, ["one", "two"]);
    await roomLink(ada.page, "random").locator(".unread-badge", { hasText: "2" }).waitFor();
    await ada.page.waitForFunction(() => document.title === "(2) #general · Switchboard");
    equal(await roomLink(ada.page, "general").locator(".unread-badge").count(), 0);

    await roomLink(ada.page, "random").click();
    await waitForSent(ada.page, ["one", "two"]);
    await ada.page.waitForFunction(() => document.title === "#random · Switchboard");
    equal(await ada.page.locator(".unread-badge").count(), 0);

    await ada.page.goto(`${server.origin}/?room=general`);
    await connected(ada.page);
    deepEqual(
      await ada.page.locator(".room-list:not(.room-list-other) .room-name").allTextContents(),
      ["general", "random"],
      "the joined rooms are remembered",
    );
    await roomLink(ada.page, "random").locator(".member-count", { hasText: "2" }).waitFor();
    equal(await ada.page.locator(".unread-badge").count(), 0, "what was read stays read");
    deepEqual([...ada.problems, ...bob.problems], []);
  },
);

browserTest(
  "browser: the composer counts emoji as one character each, as the server does",
  async ({ server, browser }) => {
    await using ada = await openChat(browser, server.origin, "ada");
    const input = ada.page.locator("#composer-input");
    const send = ada.page.locator(".send-button");

    await input.fill("🙂".repeat(10));
    equal(await ada.page.locator(".counter").textContent(), "10 / 10");
    equal(await send.isDisabled(), false);
    await input.fill("🙂".repeat(11));
    equal(await ada.page.locator(".counter-over").textContent(), "11 / 10");
    equal(await send.isDisabled(), true);
  },
  { server: { env: { MAX_TEXT_CHARS: "10" } } },
);
