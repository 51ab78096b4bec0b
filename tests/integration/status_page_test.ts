/**
 * `/status` as the server renders it, in virtual time: the range in the URL
 * is the range in the HTML, with a plain link to every range (the page works
 * without JavaScript), and a range it does not know is said so.
 */
import { equal, match } from "node:assert/strict";
import { startTestServer } from "../_helpers/server.ts";
import { createVirtualClock } from "../../lib/time/clock.ts";
import { MINUTE_MS } from "../../lib/server/status_history/mod.ts";

const START = Date.UTC(2027, 4, 10, 12, 0);

Deno.test("/status?range=24h is the range in the HTML, links to every range, and says so when it does not know one", async () => {
  const clock = createVirtualClock(START);
  await using server = await startTestServer({ clock });
  clock.advance(2 * MINUTE_MS + 5_000);
  await server.services.statusHistory.recorder.settled();

  const page = await fetch(`${server.origin}/status?range=24h`);
  equal(page.status, 200);
  const html = await page.text();
  for (const range of ["15m", "1h", "24h", "7d", "90d"]) {
    match(html, new RegExp(`<a href="/status\\?range=${range}" data-range="${range}"`));
  }
  match(html, /<a href="\/status\?range=24h" data-range="24h" aria-current="page">/);
  match(html, /data-range="24h" aria-busy="false"/);
  match(html, /aria-label="Connections, peak per 5 min, last 24 h: lowest/);
  match(html, /Uptime, last 90 days/);
  match(html, /aria-label="Each day&#39;s minutes by status, oldest first"|Each day's minutes/);
  match(html, /Incidents, last 90 days/);

  const plain = await (await fetch(`${server.origin}/status`)).text();
  match(plain, /<a href="\/status\?range=15m" data-range="15m" aria-current="page">/);

  const unknown = await fetch(`${server.origin}/status?range=forever`);
  equal(unknown.status, 400);
  const refused = await unknown.text();
  match(refused, /role="alert">That range is not one the page knows/);
  match(refused, /<a href="\/status\?range=15m" data-range="15m" aria-current="page">/);
});
