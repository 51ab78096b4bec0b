/**
 * The chat on a phone (390 × 844, touch): the presence list, a column on
 * wide screens, opens as a drawer from the room header; and every button and
 * link a thumb uses (the top bar, the room header, the composer, both
 * drawers) is at least 44 × 44 CSS pixels.
 */
import { deepEqual, equal, ok } from "node:assert/strict";
import type { Page } from "playwright-core";
import { browserTest } from "../_helpers/browser.ts";
import { openChat } from "../_helpers/chat_page.ts";

const PHONE = {
  viewport: { width: 390, height: 844 },
  isMobile: true,
  hasTouch: true,
  deviceScaleFactor: 2,
};
const MIN_TAP_PX = 44;

/** Every visible button and link under `scope`, with its size. */
function tapTargets(page: Page, scope: string) {
  return page.locator(`${scope} :is(button, a[href])`).evaluateAll((elements) =>
    elements
      .map((element) => {
        const box = element.getBoundingClientRect();
        const name = element.textContent?.trim().replace(/\s+/g, " ") ||
          element.getAttribute("aria-label") || element.outerHTML.slice(0, 60);
        return { name, width: box.width, height: box.height };
      })
      .filter((target) => target.width > 0 && target.height > 0)
  );
}

async function assertTappable(page: Page, scope: string, expected: number) {
  const targets = await tapTargets(page, scope);
  ok(targets.length >= expected, `${scope}: ${targets.length} tap targets, expected ${expected}`);
  const small = targets.filter((t) => t.width < MIN_TAP_PX || t.height < MIN_TAP_PX)
    .map((t) => `${t.name} (${Math.round(t.width)} × ${Math.round(t.height)})`);
  deepEqual(small, [], `${scope}: tap targets under ${MIN_TAP_PX} px`);
}

browserTest(
  "browser: on a phone the presence list opens from the room header, and every tap target is 44 px",
  async ({ server, browser }) => {
    await using grace = await openChat(browser, server.origin, "grace");
    await using ada = await openChat(browser, server.origin, "ada", "?room=general", "open", PHONE);
    const { page } = ada;
    equal(await page.evaluate(() => innerWidth), 390);

    const presence = page.locator("#presence-panel");
    ok(await presence.isHidden(), "no presence column on a phone");
    const toggle = page.locator(".presence-toggle");
    await page.locator(".presence-toggle", { hasText: "2 online" }).waitFor();
    equal(await toggle.getAttribute("aria-expanded"), "false");

    await assertTappable(page, ".topbar", 3);
    await assertTappable(page, ".room-header", 2);
    // The send button counts while disabled, as it is before anything is typed.
    await page.locator("#composer-input").fill("hello from a phone");
    await assertTappable(page, ".composer", 1);

    await toggle.tap();
    await presence.waitFor({ state: "visible" });
    equal(await toggle.getAttribute("aria-expanded"), "true");
    const names = await presence.locator(".presence-name").allTextContents();
    deepEqual(names.sort(), ["ada", "grace"]);
    const box = await presence.boundingBox();
    ok(
      box && box.x >= 0 && box.x + box.width <= 390,
      `the drawer is on screen: ${JSON.stringify(box)}`,
    );
    await assertTappable(page, "#presence-panel", 1);

    // The close button, then the backdrop, then Escape each close it.
    await presence.locator(".presence-close").tap();
    await presence.waitFor({ state: "hidden" });
    await toggle.tap();
    await presence.waitFor({ state: "visible" });
    await page.mouse.click(20, 400);
    await presence.waitFor({ state: "hidden" });
    await toggle.tap();
    await presence.waitFor({ state: "visible" });
    await page.keyboard.press("Escape");
    await presence.waitFor({ state: "hidden" });

    // The rooms drawer: its links and buttons are as big.
    await page.locator(".rooms-toggle").tap();
    await page.locator("#rooms-sidebar[data-open=true]").waitFor();
    await page.locator("#rooms-sidebar .room-link").first().waitFor({ state: "visible" });
    await assertTappable(page, "#rooms-sidebar", 3);
    ok(grace.problems.length === 0 && ada.problems.length === 0, [...ada.problems].join("; "));
  },
);
