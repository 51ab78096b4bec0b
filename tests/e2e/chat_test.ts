/**
 * The chat page in Chromium against a real server: two people chatting,
 * going offline, reloading with unsent messages, hostile text, diagnostics.
 */
import { deepEqual, equal, ok } from "node:assert/strict";
import { browserTest } from "../_helpers/browser.ts";
import { openChat, sendMessage, sentAmong, waitForSent } from "../_helpers/chat_page.ts";

browserTest(
  "browser: two people chat both ways, with presence and typing",
  async ({ server, browser }) => {
    await using ada = await openChat(browser, server.origin, "ada");
    await using bob = await openChat(browser, server.origin, "bob");

    await ada.page.locator(".presence-name", { hasText: "bob" }).waitFor();
    await bob.page.locator(".presence-name", { hasText: "ada" }).waitFor();

    // Typing first: the client sends `typing` at most every 3 s, and sending also types.
    await bob.page.locator("#composer-input").pressSequentially("hi");
    await ada.page.locator(".typing", { hasText: "bob is typing…" }).waitFor();

    await sendMessage(ada.page, "hi bob");
    await waitForSent(bob.page, ["hi bob"]);
    await sendMessage(bob.page, "hi ada,\nhow are you?");
    await waitForSent(ada.page, ["hi ada,\nhow are you?"]);

    const own = ada.page.locator(".msg-own", { hasText: "hi bob" });
    equal(await own.locator(".you-tag").count(), 1, "your own messages are marked");
    equal(await bob.page.locator(".msg-own", { hasText: "hi bob" }).count(), 0);

    deepEqual(await sentAmong(ada.page, ["hi bob", "hi ada,\nhow are you?"]), [
      "hi bob",
      "hi ada,\nhow are you?",
    ]);
    deepEqual([...ada.problems, ...bob.problems], []);
  },
);

browserTest(
  "browser: offline, three sends, online: each delivered once, in order",
  async ({ server, browser }) => {
    await using ada = await openChat(browser, server.origin, "ada", "?backoff=aggressive");
    await using bob = await openChat(browser, server.origin, "bob");
    const texts = ["first while offline", "second while offline", "third while offline"];

    await ada.context.setOffline(true);
    await ada.page.locator(".banner", {
      hasText: "Offline — messages will be sent when you're back",
    }).waitFor();
    for (const text of texts) await sendMessage(ada.page, text);
    await ada.page.locator(".banner", { hasText: "waiting to send" }).waitFor();
    await ada.context.setOffline(false);

    await waitForSent(ada.page, texts);
    await waitForSent(bob.page, texts);
    await ada.page.locator(".chat-app[data-state=open]").waitFor();
    deepEqual(await sentAmong(ada.page, texts), texts);
    deepEqual(await sentAmong(bob.page, texts), texts);
  },
);

browserTest(
  "browser: a reload with unsent messages in the outbox delivers them once",
  async ({ server, browser }) => {
    await using ada = await openChat(browser, server.origin, "ada", "?wsDebug=1");
    await using bob = await openChat(browser, server.origin, "bob");
    const texts = ["kept across a reload", "and this one too"];

    await ada.page.getByRole("button", { name: "Disconnect" }).click();
    await ada.page.locator(".chat-app[data-state=closed]").waitFor();
    for (const text of texts) await sendMessage(ada.page, text);
    await ada.page.locator(".msg[data-status=pending]", { hasText: texts[1] }).waitFor();
    equal(await bob.page.locator(".msg", { hasText: texts[0] }).count(), 0);
    const kept = await ada.page.evaluate(async () => ({
      databases: (await indexedDB.databases()).map((database) => database.name),
      localStorage: localStorage.getItem("switchboard.outbox"),
    }));
    ok(kept.databases.includes("switchboard-outbox"), "the outbox is kept in IndexedDB");
    equal(kept.localStorage, null);

    await ada.page.reload();
    await waitForSent(ada.page, texts);
    await waitForSent(bob.page, texts);
    deepEqual(await sentAmong(ada.page, texts), texts);
    deepEqual(await sentAmong(bob.page, texts), texts);
    await ada.page.locator(".diagnostics", { hasText: "Outbox (0)" }).waitFor();
  },
);

browserTest(
  "browser: hostile text is shown as inert text; only http(s) links are links",
  async ({ server, browser }) => {
    await using mallory = await openChat(browser, server.origin, "mallory");
    await using ada = await openChat(browser, server.origin, "ada");
    const payloads = [
      `<img src=x onerror="window.__xss = 1">`,
      `<script>window.__xss = 2</script>`,
      "javascript:window.__xss=3",
      `[click me](javascript:window.__xss=4) and https://example.com/safe`,
    ];
    for (const text of payloads) await sendMessage(mallory.page, text);
    await waitForSent(ada.page, payloads);

    const texts = await ada.page.locator(".msg .msg-text").allTextContents();
    for (const text of payloads) ok(texts.includes(text), `shown verbatim: ${text}`);
    equal(await ada.page.locator(".msg-text img, .msg-text script").count(), 0);
    equal(await ada.page.locator('a[href^="javascript:" i]').count(), 0);
    const links = ada.page.locator(".msg-text a");
    equal(await links.count(), 1);
    equal(await links.getAttribute("href"), "https://example.com/safe");
    equal(await links.getAttribute("rel"), "noopener noreferrer");
    equal(await links.getAttribute("target"), "_blank");

    await ada.page.locator(".msg-text", { hasText: "javascript:window.__xss=3" }).click();
    equal(await ada.page.evaluate(() => (globalThis as { __xss?: number }).__xss), undefined);
    deepEqual(ada.problems, []);
  },
);

browserTest(
  "browser: Ctrl+Shift+W opens the diagnostics panel; Escape closes it",
  async ({ server, browser }) => {
    await using ada = await openChat(browser, server.origin, "ada");
    const panel = ada.page.getByRole("dialog", { name: "Connection diagnostics" });
    equal(await panel.count(), 0);

    await ada.page.keyboard.press("Control+Shift+W");
    await panel.waitFor();
    equal(await panel.locator("[data-fact=state]").textContent(), "open");
    equal(await panel.locator("[data-fact=transport]").textContent(), "WebSocket");
    await panel.locator("[data-testid=frame-counts] td", { hasText: "hello" }).waitFor();

    await panel.getByRole("button", { name: "Ping" }).click();
    await panel.locator("figcaption", { hasText: "samples" }).waitFor();
    await panel.getByRole("button", { name: "Reconnect" }).click();
    await panel.locator("tbody tr").nth(1).waitFor();
    await ada.page.locator(".chat-app[data-state=open]").waitFor();

    await ada.page.keyboard.press("Escape");
    await panel.waitFor({ state: "detached" });
  },
);

browserTest(
  "browser: the reaction picker and the editor are fetched on first use, and work",
  async ({ server, browser }) => {
    await using ada = await openChat(browser, server.origin, "ada");
    await using bob = await openChat(browser, server.origin, "bob");
    const fetched: string[] = [];
    bob.page.on("request", (request) => fetched.push(new URL(request.url()).pathname));

    await sendMessage(ada.page, "react to this");
    await waitForSent(bob.page, ["react to this"]);
    const onBob = bob.page.locator(".msg", { hasText: "react to this" });
    deepEqual(fetched.filter((path) => path.includes("EmojiPicker")), [], "not with the page");

    const pickerChunk = bob.page.waitForRequest((request) => request.url().includes("EmojiPicker"));
    await onBob.hover();
    await onBob.getByRole("button", { name: "React" }).click();
    await pickerChunk;
    await onBob.getByRole("group", { name: "Pick a reaction" }).getByRole("button", { name: "🎉" })
      .click();
    await ada.page.locator(".msg", { hasText: "react to this" })
      .getByRole("button", { name: "🎉 1" }).waitFor();

    const onAda = ada.page.locator(".msg-own", { hasText: "react to this" });
    await onAda.hover();
    await onAda.getByRole("button", { name: "Edit" }).click();
    await ada.page.getByLabel("Edit message").fill("reacted to, then edited");
    await ada.page.getByLabel("Edit message").press("Enter");
    await bob.page.locator(".msg", { hasText: "reacted to, then edited" })
      .locator(".msg-edited").waitFor();
    deepEqual([...ada.problems, ...bob.problems], []);
  },
);

browserTest(
  "browser: a control whose chunk cannot be fetched says so, and loads when tried again",
  async ({ server, browser }) => {
    await using ada = await openChat(browser, server.origin, "ada");
    await sendMessage(ada.page, "try the picker");
    await waitForSent(ada.page, ["try the picker"]);
    const message = ada.page.locator(".msg", { hasText: "try the picker" });
    const react = message.getByRole("button", { name: "React" });

    await ada.page.route("**/EmojiPicker-*", (route) => route.abort("internetdisconnected"));
    await message.hover();
    await react.click();
    await message.getByRole("alert").filter({ hasText: "Could not load this control" }).waitFor();

    await ada.page.unroute("**/EmojiPicker-*");
    await react.click(); // closes the failed picker
    await react.click(); // and opens it again, fetching anew
    await message.getByRole("group", { name: "Pick a reaction" }).waitFor();
    equal(await message.getByRole("alert").count(), 0);
  },
);
