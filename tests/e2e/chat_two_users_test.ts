/**
 * Two people in real Chromium, each in a browser context of their own, going
 * through every message feature of the second edition in one room's life: a
 * reply (its quoted header shown to both, scrolling to the original), an edit
 * (both see "(edited)" and the new words), a reaction (both see its count), a
 * mention while the mentioned one's page is hidden (the message highlighted,
 * the sidebar's mention count, and a browser notification made — observed by
 * wrapping `window.Notification`, the real one still made — whose click opens
 * the room), a delete (gone for both), and the search box finding a message
 * and opening it in its room. Also: the notification permission is asked
 * only from its button, never on load.
 */
import { deepEqual, equal, ok } from "node:assert/strict";
import type { BrowserContext, Page } from "playwright-core";
import { browserTest } from "../_helpers/browser.ts";
import { openChat, sendMessage, waitForSent } from "../_helpers/chat_page.ts";

/** What the wrapped `Notification` recorded, and how often permission was asked. */
interface Recorded {
  notices: { title: string; body: string | undefined; tag: string | undefined }[];
  asked: number;
}

/**
 * Wraps `window.Notification` in every page of `context` so that a test can
 * see each notification made and each permission request, while the real
 * constructor still runs.
 */
async function recordNotifications(context: BrowserContext) {
  await context.addInitScript(() => {
    const Real = globalThis.Notification;
    const recorded = { notices: [] as unknown[], asked: 0, last: null as Notification | null };
    Object.assign(globalThis, { __recorded: recorded });
    class Recording extends Real {
      constructor(title: string, options?: NotificationOptions) {
        super(title, options);
        recorded.notices.push({ title, body: options?.body, tag: options?.tag });
        recorded.last = this;
      }
      static override get permission() {
        return Real.permission;
      }
      static override requestPermission() {
        recorded.asked++;
        return Real.requestPermission();
      }
    }
    globalThis.Notification = Recording;
  });
}

function recorded(page: Page): Promise<Recorded> {
  return page.evaluate(() => {
    const { notices, asked } = (globalThis as unknown as { __recorded: Recorded }).__recorded;
    return { notices, asked };
  });
}

/** Makes the page look hidden (or visible again) to its scripts, as a tab in the background. */
function setHidden(page: Page, hidden: boolean) {
  return page.evaluate((hidden) => {
    Object.defineProperty(document, "hidden", { configurable: true, get: () => hidden });
    Object.defineProperty(document, "visibilityState", {
      configurable: true,
      get: () => hidden ? "hidden" : "visible",
    });
    document.dispatchEvent(new Event("visibilitychange"));
  }, hidden);
}

const roomLink = (page: Page, room: string) =>
  page.locator(".room-list:not(.room-list-other) .room-link", { hasText: room });

async function openRoom(page: Page, room: string) {
  await roomLink(page, room).click();
  await page.locator(".room-title", { hasText: room }).waitFor();
}

browserTest(
  "browser: two users reply, edit, react, mention (notified while hidden), delete and search",
  async ({ server, browser }) => {
    await using ada = await openChat(browser, server.origin, "ada", "?room=random");
    await using bob = await openChat(browser, server.origin, "bob", "?room=random");
    await bob.context.grantPermissions(["notifications"], { origin: server.origin });
    await recordNotifications(bob.context);
    await bob.page.reload(); // the init script runs from this load on
    await openRoom(bob.page, "general");
    await openRoom(ada.page, "general");
    /** The message whose own text (not a reply's quote of it) holds `text`. */
    const on = (page: Page, text: string) =>
      page.locator(".msg", { has: page.locator(".msg-text", { hasText: text }) });

    // A sends; B replies to it: both see the quoted header, and it scrolls to the original.
    await sendMessage(ada.page, "the plan (p1)");
    await waitForSent(bob.page, ["the plan (p1)"]);
    await on(bob.page, "the plan (p1)").hover();
    await on(bob.page, "the plan (p1)").getByRole("button", { name: "Reply" }).click();
    await bob.page.getByText("Replying to ada").waitFor();
    await sendMessage(bob.page, "sounds good (r1)");
    for (const page of [ada.page, bob.page]) {
      const header = on(page, "sounds good (r1)").locator(".reply-header");
      await header.waitFor();
      equal(await header.textContent(), "↪ ada: the plan (p1)");
      await header.click();
      await page.locator(".msg.msg-flash", { hasText: "the plan (p1)" }).waitFor();
    }

    // A edits: both see the new words and "(edited)".
    const adaPlan = on(ada.page, "the plan (p1)");
    await adaPlan.hover();
    await adaPlan.getByRole("button", { name: "Edit" }).click();
    await ada.page.getByLabel("Edit message").fill("the new plan (p1)");
    await ada.page.getByLabel("Edit message").press("Enter");
    for (const page of [ada.page, bob.page]) {
      await on(page, "the new plan (p1)").locator(".msg-edited").waitFor();
      equal(await on(page, "the plan (p1)").count(), 0);
    }

    // B reacts: both see the count.
    await on(bob.page, "the new plan (p1)").hover();
    await on(bob.page, "the new plan (p1)").getByRole("button", { name: "React" }).click();
    await bob.page.getByRole("group", { name: "Pick a reaction" }).getByRole("button", {
      name: "👍",
    })
      .click();
    for (const page of [ada.page, bob.page]) {
      await on(page, "the new plan (p1)").getByRole("button", { name: "👍 1" }).waitFor();
    }

    // A mentions B in another room while B's page is hidden.
    deepEqual((await recorded(bob.page)).notices, []);
    await setHidden(bob.page, true);
    await openRoom(ada.page, "random");
    await sendMessage(ada.page, "@bob please check the **new** plan (m1)");
    await waitForSent(ada.page, ["@bob please check the new plan (m1)"]);
    await roomLink(bob.page, "random").locator(".mention-badge[data-count='1']").waitFor();
    await bob.page.waitForFunction(() =>
      (globalThis as unknown as { __recorded: Recorded }).__recorded.notices.length === 1
    );
    const { notices, asked } = await recorded(bob.page);
    equal(notices[0].title, "ada mentioned you in #random");
    equal(notices[0].body, "@bob please check the **new** plan (m1)", "plain text, not HTML");
    equal(asked, 0, "permission is never asked on load");
    // Its click brings the window forward and opens the room at the message.
    await setHidden(bob.page, false);
    await bob.page.evaluate(() => {
      const last = (globalThis as unknown as { __recorded: { last: Notification } }).__recorded
        .last;
      last.onclick?.(new Event("click"));
    });
    await bob.page.locator(".room-title", { hasText: "random" }).waitFor();
    await bob.page.locator(".msg.msg-mention", { hasText: "(m1)" }).waitFor();
    await bob.page.locator(".room-link .mention-badge").waitFor({ state: "detached" });
    equal(await ada.page.locator(".msg.msg-mention").count(), 0, "only the mentioned one's");
    // B's own messages never notify B.
    await sendMessage(bob.page, "@bob talking to myself (s1)");
    await waitForSent(bob.page, ["@bob talking to myself (s1)"]);

    // A deletes: the text is gone for both.
    await openRoom(ada.page, "general");
    await openRoom(bob.page, "general");
    const adaNewPlan = on(ada.page, "the new plan (p1)");
    await adaNewPlan.hover();
    await adaNewPlan.getByRole("button", { name: "Delete" }).click();
    await ada.page.getByRole("group", { name: "Delete this message?" })
      .getByRole("button", { name: "Delete" }).click();
    for (const page of [ada.page, bob.page]) {
      await on(page, "the new plan (p1)").waitFor({ state: "detached" });
      ok(await page.locator(".msg-deleted").count() >= 1);
    }

    // The search box finds A's message and opens it in its room.
    await server.services.searchIndexer!.idle();
    await bob.page.locator(".search-toggle").click();
    await bob.page.locator("#search-input").fill("please check");
    await bob.page.locator("#search-input").press("Enter");
    const result = bob.page.locator(".search-result", { hasText: "(m1)" });
    await result.waitFor();
    equal(await bob.page.locator(".search-result", { hasText: "new plan (p1)" }).count(), 0);
    await result.click();
    await bob.page.locator(".room-title", { hasText: "random" }).waitFor();
    await bob.page.locator(".msg.msg-flash", { hasText: "(m1)" }).waitFor();

    equal((await recorded(bob.page)).notices.length, 1, "one notification in all");
    deepEqual([...ada.problems, ...bob.problems], []);
  },
);

browserTest(
  "browser: notification permission is asked from its button only",
  async ({ server, browser }) => {
    await using ada = await openChat(browser, server.origin, "ada");
    await recordNotifications(ada.context);
    await ada.page.reload();
    const button = ada.page.getByRole("button", { name: "Notify me of mentions" });
    await button.waitFor();
    equal((await recorded(ada.page)).asked, 0, "not on load");
    await button.click();
    await button.waitFor({ state: "detached" });
    equal((await recorded(ada.page)).asked, 1);
  },
);
