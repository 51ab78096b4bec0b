import { deepEqual, equal, match, ok } from "node:assert/strict";
import { browserTest, watchProblems } from "../_helpers/browser.ts";
import { createAccountOnPage, openChat } from "../_helpers/chat_page.ts";

browserTest(
  "browser: / hydrates; the header badge shows the page client's real state",
  async ({ server, browser }) => {
    await using ada = await openChat(browser, server.origin, "ada");
    const { page } = ada;
    const problems = watchProblems(page, { warnings: true });

    const badge = page.locator("button.badge");
    await badge.locator("text=Connected").waitFor();
    equal(await badge.getAttribute("data-state"), "open");

    // Only the hydrated island reacts to a click; the server HTML alone would not.
    await badge.click();
    const detail = page.locator(".badge-detail");
    await detail.waitFor();
    match(await detail.innerText(), /WebSocket .*page rendered/);
    equal(await badge.getAttribute("aria-expanded"), "true");

    equal(await page.getByRole("button", { name: "Disconnect" }).count(), 0);
    await page.keyboard.press("Control+Shift+W");
    await page.getByRole("button", { name: "Disconnect" }).click();
    await badge.locator("text=Disconnected").waitFor();
    equal(await badge.getAttribute("data-state"), "closed");

    ok(problems.length === 0, `console problems: ${problems.join("; ")}`);
    ok(ada.problems.length === 0, `page errors: ${ada.problems.join("; ")}`);
  },
);

browserTest(
  "browser: / without a session is sent to /login by the server: no chat, no API call, no error",
  async ({ server, browser }) => {
    const page = await browser.newPage();
    const problems = watchProblems(page, { warnings: true });
    const requests: string[] = [];
    page.on("request", (request) => requests.push(new URL(request.url()).pathname));
    const response = await page.goto(server.origin + "/");
    equal(new URL(page.url()).pathname + new URL(page.url()).search, "/login?next=/");
    const redirect = response!.request().redirectedFrom()!;
    equal((await redirect.response())!.status(), 303, "the server redirects; no chat is rendered");
    await page.getByRole("heading", { name: "Sign in to Switchboard" }).waitFor();
    await page.waitForLoadState("networkidle");
    deepEqual(requests.filter((path) => path.startsWith("/api/")), []);
    equal(await page.locator(".chat-app").count(), 0);
    deepEqual(problems, []);
  },
);

browserTest(
  "browser: / is readable with JavaScript disabled: the shell and a connecting state",
  async ({ server, browser }) => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    // The plain form, switched to its other mode, creates the account and
    // comes back to the room asked for.
    await page.goto(server.origin + "/?room=design");
    equal(new URL(page.url()).searchParams.get("next"), "/?room=design");
    await createAccountOnPage(page, "ada");
    await page.waitForURL(`${server.origin}/?room=design`);
    match(await page.locator("h1").innerText(), /#\s*design/);
    equal(await page.locator("button.badge").getAttribute("data-state"), "idle");
    match(await page.getByRole("status").first().innerText(), /Connecting…/);
    await page.getByRole("link", { name: /general/ }).waitFor();
    await page.getByLabel("Message #design").waitFor();
    await page.getByText("Loading messages…").waitFor();
    await context.close();
  },
);
