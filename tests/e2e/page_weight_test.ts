/**
 * The page-weight crawl (`tests/_helpers/page_weight.ts`) against a real
 * browser: Chromium loads exactly the scripts the crawl counted, each one
 * in the same coding and length as the crawl weighed it.
 */
import { deepEqual, ok } from "node:assert/strict";
import { browserTest } from "../_helpers/browser.ts";
import { openChat } from "../_helpers/chat_page.ts";
import { measurePage } from "../_helpers/page_weight.ts";

browserTest(
  "browser: each page loads only the scripts the page-weight check counts, compressed",
  async ({ server, browser }) => {
    await using ada = await openChat(browser, server.origin, "ada");
    const cookie = (await ada.context.cookies(server.origin))
      .map(({ name, value }) => `${name}=${value}`).join("; ");
    for (const path of ["/login", "/", "/status"]) {
      const page = await ada.context.newPage();
      const loaded: Promise<[string, string]>[] = [];
      page.on("response", (response) => {
        if (response.request().resourceType() !== "script") return;
        loaded.push((async () => {
          const headers = await response.allHeaders();
          return [response.url(), `${headers["content-encoding"]} ${headers["content-length"]}`];
        })());
      });
      await page.goto(server.origin + path);
      await page.waitForLoadState("networkidle");
      const seen = new Map(await Promise.all(loaded));
      const counted = await measurePage(server.origin, path, { cookie });
      deepEqual(
        seen,
        new Map(counted.scripts.map((file) => [file.url, `${file.encoding} ${file.sent}`])),
        `${path}: the browser's scripts, their coding and length`,
      );
      ok(counted.js.sent > 0);
      await page.close();
    }
  },
);
