/**
 * The chat page's rooms and composer in Chromium: unread badges and the
 * title count follow what arrives in rooms you are not looking at, mentions
 * count apart, both agree on two devices of one account (the server's read
 * position), the joined rooms survive a reload, and the composer counts
 * characters as the server does.
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

browserTest(
  "browser: unread and mention counts follow the account's read position on both devices",
  async ({ server, browser }) => {
    await using ada = await openChat(browser, server.origin, "ada", "?room=random");
    await using laptop = await openChat(browser, server.origin, "bob", "?room=random");
    await using phone = await openChat(browser, server.origin, "bob", "?room=random");
    for (const device of [laptop, phone]) {
      await roomLink(device.page, "general").click();
      await device.page.locator(".room-title", { hasText: "general" }).waitFor();
    }

    await sendMessage(ada.page, "@bob have a look (m1)");
    await sendMessage(ada.page, "and a plain one (m2)");
    await waitForSent(ada.page, ["@bob have a look (m1)", "and a plain one (m2)"]);
    /** The badges of `room` on a device: unread, then mentions ("0" when none shows). */
    const badges = async (page: Page, room: string) => {
      const link = roomLink(page, room);
      const count = async (badge: string) =>
        (await link.locator(badge).count()) === 0
          ? "0"
          : await link.locator(badge).getAttribute("data-count");
      return [await count(".unread-badge"), await count(".mention-badge")];
    };
    for (const device of [laptop, phone]) {
      await roomLink(device.page, "random").locator(".mention-badge[data-count='1']").waitFor();
      deepEqual(await badges(device.page, "random"), ["2", "1"]);
      deepEqual(await badges(device.page, "general"), ["0", "0"]);
    }
    // After a reload the counts come from the server (`GET /api/rooms`, then `joined`).
    await phone.page.reload();
    await connected(phone.page);
    await roomLink(phone.page, "random").locator(".mention-badge[data-count='1']").waitFor();
    deepEqual(await badges(phone.page, "random"), ["2", "1"]);

    // Read on the laptop: the server echoes the position to the phone, whose badges go.
    await roomLink(laptop.page, "random").click();
    await waitForSent(laptop.page, ["@bob have a look (m1)"]);
    await laptop.page.locator(".msg.msg-mention", { hasText: "(m1)" }).waitFor();
    await phone.page.locator(".room-link .unread-badge").waitFor({ state: "detached" });
    deepEqual(await badges(phone.page, "random"), ["0", "0"]);
    deepEqual(await badges(laptop.page, "random"), ["0", "0"]);
    deepEqual([...ada.problems, ...laptop.problems, ...phone.problems], []);
  },
);
