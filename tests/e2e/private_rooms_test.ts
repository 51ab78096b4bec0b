/**
 * Accounts and rooms in Chromium, each person in a browser context of their
 * own: creating an account on the sign-in page, a private room with an
 * invitation, a direct message, the member list, guests marked as guests, and
 * a third person who can neither see nor open the private room.
 */
import { deepEqual, equal } from "node:assert/strict";
import type { Page } from "playwright-core";
import { browserTest } from "../_helpers/browser.ts";
import {
  connected,
  createAccountOnPage,
  openChat,
  sendMessage,
  waitForSent,
} from "../_helpers/chat_page.ts";

const sidebarRooms = (page: Page) => page.locator("#rooms-sidebar .room-name").allTextContents();

browserTest(
  "browser: register, make a private room, invite someone, chat; a third person cannot see or open it",
  async ({ server, browser }) => {
    // Ada creates her account on the page, saying so.
    const context = await browser.newContext();
    const page = await context.newPage();
    const problems: string[] = [];
    page.on("pageerror", (error) => problems.push(error.message));
    await page.goto(`${server.origin}/login`);
    await createAccountOnPage(page, "ada");
    await connected(page);

    await using bob = await openChat(browser, server.origin, "bob");
    await using carol = await openChat(browser, server.origin, "carol");

    await page.getByRole("button", { name: "+ New private room" }).click();
    await page.getByLabel("Room name").fill("team");
    await page.getByRole("button", { name: "Create private room" }).click();
    await page.locator(".room-title", { hasText: "team" }).waitFor();
    await page.locator(".member-list .role-tag", { hasText: "owner" }).waitFor();

    await page.getByRole("button", { name: "Invite" }).click();
    await page.locator("#picker-input").fill("bo");
    await page.locator(".picker-person", { hasText: "bob" }).click();
    await page.getByRole("button", { name: "Invite", exact: true }).last().click();
    await page.locator(".dialog").waitFor({ state: "detached" });

    await bob.page.locator(".invitation", { hasText: "ada invited you to #team" }).waitFor();
    await bob.page.locator(".invitation").getByRole("button", { name: "Join" }).click();
    await bob.page.locator(".room-title", { hasText: "team" }).waitFor();

    await sendMessage(page, "hi team");
    await waitForSent(bob.page, ["hi team"]);
    await sendMessage(bob.page, "hi ada");
    await waitForSent(page, ["hi team", "hi ada"]);
    await page.locator(".member-list .member-name", { hasText: "bob" }).waitFor();

    // Carol sees no such room, and opening it by its address gets her nowhere.
    equal((await sidebarRooms(carol.page)).includes("team"), false);
    await carol.page.goto(`${server.origin}/?room=team`);
    await carol.page.locator(".room-title", { hasText: "general" }).waitFor();
    equal((await sidebarRooms(carol.page)).includes("team"), false);
    equal(await carol.page.getByText("hi team").count(), 0);

    // The owner's member list: bob made a moderator, then removed, which takes him out.
    const bobRow = page.locator(".member-list .presence-item", { hasText: "bob" });
    await bobRow.getByRole("button", { name: "Make moderator" }).click();
    await bobRow.locator(".role-tag", { hasText: "moderator" }).waitFor();
    await bobRow.getByRole("button", { name: "Remove" }).click();
    await bobRow.waitFor({ state: "detached" });
    await bob.page.locator(".room-title", { hasText: "general" }).waitFor();
    equal((await sidebarRooms(bob.page)).includes("team"), false);

    deepEqual([...problems, ...bob.problems, ...carol.problems], []);
    await context.close();
  },
);

browserTest(
  "browser: a direct message is named after the other person and listed apart; guests are marked",
  async ({ server, browser }) => {
    await using ada = await openChat(browser, server.origin, "ada");
    await using bob = await openChat(browser, server.origin, "bob");

    await bob.page.getByRole("button", { name: "+ Message someone" }).click();
    await bob.page.locator("#picker-input").fill("ad");
    await bob.page.locator(".picker-person", { hasText: "ada" }).click();
    await bob.page.getByRole("button", { name: "Open conversation" }).click();
    await bob.page.locator(".room-title", { hasText: "ada" }).waitFor();
    await sendMessage(bob.page, "psst");

    const dmLink = ada.page.locator(".room-list-dms .room-link", { hasText: "bob" });
    await dmLink.waitFor();
    await dmLink.click();
    await waitForSent(ada.page, ["psst"]);

    // A guest shows as one: the tag beside the name and a dashed avatar.
    const guest = await browser.newContext();
    const page = await guest.newPage();
    await page.goto(`${server.origin}/login`);
    await page.getByLabel("Name").fill("zed");
    await page.getByRole("button", { name: "Continue as guest" }).click();
    await connected(page);
    await sendMessage(page, "hello from a guest");
    await ada.page.locator(".room-link", { hasText: "general" }).first().click();
    const message = ada.page.locator(".msg", { hasText: "hello from a guest" });
    await message.locator(".guest-tag", { hasText: "guest" }).waitFor();
    equal(await message.locator(".avatar-guest").count(), 1);
    await ada.page.locator(".presence-list:not(.member-list) .guest-tag").first().waitFor();
    await guest.close();
  },
);

browserTest(
  "browser: a room joined on one device shows in the other's sidebar; forgetting it there too",
  async ({ server, browser }) => {
    // Two devices of one account: two contexts, each signed in on its own.
    await using laptop = await openChat(browser, server.origin, "ada");
    await using phone = await openChat(browser, server.origin, "ada");
    equal((await sidebarRooms(phone.page)).includes("design"), false);

    await laptop.page.locator("#create-room-input").fill("design");
    await laptop.page.locator(".create-room").getByRole("button", { name: "Go" }).click();
    await laptop.page.locator(".room-title", { hasText: "design" }).waitFor();

    // No reload: the server tells the phone, whose sidebar follows.
    await phone.page.locator("#rooms-sidebar .room-name", { hasText: "design" }).waitFor();

    // Leaving on the laptop ends the membership: the phone's sidebar drops it.
    await laptop.page.locator(".room-header").getByRole("button", { name: "Leave" }).click();
    await laptop.page.locator(".room-title", { hasText: "general" }).waitFor();
    await phone.page.locator("#rooms-sidebar .room-list:not(.room-list-other) .room-name", {
      hasText: "design",
    }).waitFor({ state: "detached" });
    deepEqual([...laptop.problems, ...phone.problems], []);
  },
);
