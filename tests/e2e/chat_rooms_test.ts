/**
 * The chat page's rooms and composer in Chromium: the composer counts
 * characters as the server does.
 */
import { equal } from "node:assert/strict";
import { browserTest } from "../_helpers/browser.ts";
import { openChat } from "../_helpers/chat_page.ts";

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
