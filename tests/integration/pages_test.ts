import { deepEqual, equal, match, ok } from "node:assert/strict";
import { startTestServer } from "../_helpers/server.ts";

Deno.test("the real app serves pages, health and static files", async () => {
  await using server = await startTestServer();

  const home = await fetch(`${server.origin}/`, { headers: { cookie: "sb_session=1" } });
  equal(home.status, 200);
  equal(home.headers.get("content-type"), "text/html; charset=utf-8");
  const html = await home.text();
  match(html, /<title>Switchboard<\/title>/);
  match(html, /data-island="ConnectionBadge"/);
  match(html, /"ConnectionBadge":"\/_build\/ConnectionBadge-[0-9a-f]{12}\.js"/);

  const bundlePath = html.match(/\/_build\/ConnectionBadge-[0-9a-f]{12}\.js/)![0];
  const bundle = await fetch(server.origin + bundlePath);
  equal(bundle.status, 200);
  equal(bundle.headers.get("cache-control"), "public, max-age=31536000, immutable");
  await bundle.body?.cancel();

  const health = await fetch(`${server.origin}/healthz`);
  equal(await health.text(), "ok");

  const css = await fetch(`${server.origin}/styles.css`);
  equal(css.headers.get("content-type"), "text/css; charset=utf-8");
  ok((await css.text()).includes("prefers-color-scheme"));

  const missing = await fetch(`${server.origin}/no-such-page`);
  equal(missing.status, 404);
  match(await missing.text(), /Not found/);
});

Deno.test("GET /api/config reports the protocol", async () => {
  await using server = await startTestServer();
  const config = await (await fetch(`${server.origin}/api/config`)).json();
  equal(config.protocol, "switchboard.v1");
  equal(config.versions[0], 1);
});

Deno.test("what the framework answers itself is worded as the contract's JSON error", async () => {
  await using server = await startTestServer();
  const unknown = await fetch(`${server.origin}/api/no-such-endpoint`);
  equal(unknown.status, 404);
  deepEqual(await unknown.json(), {
    error: { code: "bad_request", message: "no route for /api/no-such-endpoint" },
  });
  const wrongMethod = await fetch(`${server.origin}/api/config`, { method: "DELETE" });
  equal(wrongMethod.status, 405);
  equal(wrongMethod.headers.get("allow"), "GET");
  deepEqual(await wrongMethod.json(), {
    error: { code: "bad_request", message: "method not allowed" },
  });
});
