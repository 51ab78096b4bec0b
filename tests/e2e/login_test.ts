/** The login page, with and without JavaScript. */
import { equal, match } from "node:assert/strict";
import { browserTest } from "../_helpers/browser.ts";
import { createAccountOnPage, TEST_PASSWORD } from "../_helpers/chat_page.ts";

browserTest(
  "browser: sign in of an unknown name creates nothing; Create account does, and opens the chat",
  async ({ server, browser }) => {
    const page = await browser.newPage();
    await page.goto(`${server.origin}/login`);
    await page.getByRole("heading", { name: "Sign in to Switchboard" }).waitFor();
    await page.getByLabel("Name").fill("ada");
    await page.getByLabel("Password").fill(TEST_PASSWORD);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("alert").filter({ hasText: "Wrong name or password" }).waitFor();

    await page.getByRole("link", { name: "Create account" }).click();
    await page.getByRole("heading", { name: "Create your Switchboard account" }).waitFor();
    equal(new URL(page.url()).searchParams.get("mode"), "register");
    await page.getByLabel("Password").fill(TEST_PASSWORD);
    await page.getByRole("button", { name: "Create account" }).click();
    await page.locator(".chat-app[data-state=open]").waitFor();
    equal(new URL(page.url()).pathname, "/");
    await page.locator(".me-name", { hasText: "ada" }).waitFor();

    await page.getByRole("button", { name: "Sign out" }).click();
    await page.waitForURL(`${server.origin}/login`);
    // Signing out cleared the hint too: the server itself sends / to the form.
    const response = await page.goto(`${server.origin}/`);
    equal(response!.request().redirectedFrom() !== null, true);
    equal(new URL(page.url()).pathname, "/login");
  },
);

browserTest(
  "browser: the server's errors are shown in words, in place",
  async ({ server, browser }) => {
    const context = await browser.newContext();
    await context.request.post(`${server.origin}/api/register`, {
      data: { name: "ada", password: TEST_PASSWORD },
    });
    await context.clearCookies();
    const page = await context.newPage();
    await page.goto(`${server.origin}/login`);
    await page.getByLabel("Name").fill("ada");
    await page.getByLabel("Password").fill("not the password");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("alert").filter({ hasText: "Wrong name or password" }).waitFor();

    await page.getByRole("button", { name: "Continue as guest" }).click();
    await page.getByRole("alert").filter({ hasText: "This name is registered" }).waitFor();

    await page.getByLabel("Name").fill("visitor");
    await page.getByRole("button", { name: "Continue as guest" }).click();
    await page.locator(".chat-app[data-state=open]").waitFor();
    await page.locator(".me-name", { hasText: "visitor" }).waitFor();
    await context.close();
  },
);

browserTest(
  "browser: without JavaScript the login form still works",
  async ({ server, browser }) => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto(`${server.origin}/login`);
    await createAccountOnPage(page, "ada");
    await page.waitForURL(`${server.origin}/`);
    const token = await context.request.post(`${server.origin}/api/token`);
    equal(token.status(), 200, "the refresh cookie was set by the form post");

    await context.clearCookies();
    await page.goto(`${server.origin}/login`);
    await page.getByLabel("Name").fill("ada");
    await page.getByLabel("Password").fill("not the password");
    const [response] = await Promise.all([
      page.waitForResponse(`${server.origin}/login`),
      page.getByRole("button", { name: "Sign in" }).click(),
    ]);
    equal(response.status(), 401);
    match(await page.getByRole("alert").innerText(), /Wrong name or password/);
    equal(await page.getByLabel("Name").inputValue(), "ada");
    await context.close();
  },
);
