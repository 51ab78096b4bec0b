/**
 * Browser-test helpers for the chat page: a signed-in page per user, sending
 * through the composer, and waiting for what the page shows.
 *
 * @example
 * ```ts
 * const ada = await openChat(browser, server.origin, "ada");
 * await sendMessage(ada.page, "hello");
 * await waitForSent(ada.page, ["hello"]);
 * ```
 */
import type { Browser, BrowserContext, BrowserContextOptions, Page } from "playwright-core";

/** A signed-in chat page in its own browser context (its own cookies and storage). */
export interface ChatPage extends AsyncDisposable {
  context: BrowserContext;
  page: Page;
  /** Page errors and console errors seen so far. */
  problems: string[];
}

/** The password every test user gets. */
export const TEST_PASSWORD = "correct horse battery";

/**
 * Signs `name` in through the API, registering the account first if it has
 * none (setting the refresh cookie in a new context, made with
 * `contextOptions`: a phone's viewport, say), opens `/` with `query`, and
 * waits until the client is in `state`.
 */
export async function openChat(
  browser: Browser,
  origin: string,
  name: string,
  query = "",
  state = "open",
  contextOptions: BrowserContextOptions = {},
): Promise<ChatPage> {
  const context = await browser.newContext(contextOptions);
  const credentials = { data: { name, password: TEST_PASSWORD } };
  let response = await context.request.post(`${origin}/api/register`, credentials);
  if (response.status() === 409) {
    response = await context.request.post(`${origin}/api/login`, credentials);
  }
  if (!response.ok()) throw new Error(`sign-in ${name}: HTTP ${response.status()}`);
  const page = await context.newPage();
  const problems: string[] = [];
  page.on("pageerror", (error) => problems.push(`pageerror: ${error.message}`));
  await page.goto(`${origin}/${query}`);
  await connected(page, state);
  return { context, page, problems, [Symbol.asyncDispose]: () => context.close() };
}

/**
 * On the sign-in page (`page` is at `/login`), switches to "Create account",
 * checks the page says so, and creates `name`'s account with
 * {@linkcode TEST_PASSWORD}: the way a new user does, with or without
 * JavaScript. Waits for nothing after the click.
 */
export async function createAccountOnPage(page: Page, name: string): Promise<void> {
  await page.getByRole("link", { name: "Create account" }).click();
  await page.getByRole("heading", { name: "Create your Switchboard account" }).waitFor();
  await page.getByLabel("Name").fill(name);
  await page.getByLabel("Password").fill(TEST_PASSWORD);
  await page.getByRole("button", { name: "Create account" }).click();
}

/** Waits until the page's client is connected and its room has synced. */
export async function connected(page: Page, state = "open"): Promise<void> {
  await page.locator(`.chat-app[data-state="${state}"]`).waitFor();
  await page.locator(".messages-empty-title, .msg, .history-edge .muted").first().waitFor();
}

/** Types `text` in the composer and presses Enter. */
export async function sendMessage(page: Page, text: string): Promise<void> {
  await page.locator("#composer-input").fill(text);
  await page.locator("#composer-input").press("Enter");
}

/** The texts of the messages on screen, in order, with their status. */
export function shownMessages(page: Page): Promise<{ text: string; status: string }[]> {
  return page.locator(".msg").evaluateAll((items) =>
    items.map((item) => ({
      text: item.querySelector(".msg-text")?.textContent ?? "",
      status: (item as HTMLElement).dataset.status ?? "",
    }))
  );
}

/** Waits until every one of `texts` is shown as sent. */
export async function waitForSent(page: Page, texts: readonly string[]): Promise<void> {
  await page.waitForFunction((wanted) => {
    const sent = [...document.querySelectorAll<HTMLElement>(".msg[data-status=sent] .msg-text")]
      .map((element) => element.textContent);
    return wanted.every((text) => sent.includes(text));
  }, texts);
}

/** The sent messages among `texts`, in screen order, repeats included. */
export async function sentAmong(page: Page, texts: readonly string[]): Promise<string[]> {
  return (await shownMessages(page))
    .filter((message) => message.status === "sent" && texts.includes(message.text))
    .map((message) => message.text);
}
