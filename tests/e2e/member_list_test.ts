/**
 * The member list of a big room in Chromium: with `PRESENCE_LIST_MAX=5` and
 * twelve people in `general`, the header counts everyone, the list shows the
 * first five by name, "Show more" reads the rest from the server, and the
 * search finds people the page never listed.
 */
import { deepEqual } from "node:assert/strict";
import type { Page } from "playwright-core";
import { createTokenIssuer } from "../../lib/server/auth/mod.ts";
import { createSystemClock } from "../../lib/time/clock.ts";
import { browserTest } from "../_helpers/browser.ts";
import { openChat } from "../_helpers/chat_page.ts";
import { TEST_SECRET } from "../_helpers/server.ts";
import { openSocket, type TestSocket } from "../_helpers/socket.ts";

const CROWD = 11;

/** Opens a socket per person and joins `general` with each. */
async function crowdIn(wsUrl: string): Promise<TestSocket[]> {
  const issuer = await createTokenIssuer({
    secrets: [TEST_SECRET],
    ttlS: 3600,
    clock: createSystemClock(),
  });
  const sockets: TestSocket[] = [];
  for (let index = 0; index < CROWD; index++) {
    const name = `zed-${String(index).padStart(2, "0")}`;
    const { token } = await issuer.sign({ id: `u-${name}`, name, role: "user" });
    const socket = await openSocket(wsUrl, { token });
    sockets.push(socket);
    await socket.nextOf("hello");
    socket.send({ type: "join", room: "general" });
    await socket.nextOf("joined");
  }
  return sockets;
}

const listed = (page: Page) => page.locator(".presence-name").allTextContents();

browserTest(
  "browser: a big room counts everyone, lists them a page at a time, and finds anyone by name",
  async ({ server, browser }) => {
    const crowd = await crowdIn(server.wsUrl);
    try {
      await using ada = await openChat(browser, server.origin, "ada");
      const { page } = ada;
      await page.locator(".room-sub", { hasText: `${CROWD + 1} online` }).waitFor();
      const zeds = (from: number, to: number) =>
        Array.from(
          { length: to - from },
          (_, index) => `zed-${String(from + index).padStart(2, "0")}`,
        );
      deepEqual(await listed(page), ["ada", ...zeds(0, 4)]);

      await page.locator(".presence-more").click();
      await page.locator(".presence-name", { hasText: "zed-10" }).waitFor();
      deepEqual(await listed(page), ["ada", ...zeds(0, CROWD)]);
      deepEqual(await page.locator(".presence-more").count(), 0, "everyone is listed");

      await page.locator(".presence-search").fill("ZED-1");
      await page.waitForFunction(() =>
        [...document.querySelectorAll(".presence-name")].map((item) => item.textContent)
          .join() === "zed-10"
      );
      await page.locator(".presence-search").fill("nobody");
      await page.locator(".presence", { hasText: "Nobody here by that name." }).waitFor();
      deepEqual(ada.problems, []);
    } finally {
      await Promise.all(crowd.map((socket) => socket[Symbol.asyncDispose]()));
    }
  },
  { server: { env: { PRESENCE_LIST_MAX: "5", MAX_CONNECTIONS_PER_ADDRESS: "100" } } },
);
