/**
 * Compression in the real app: pages go out compressed, CSS and bundles as
 * the build's brotli and gzip copies, and the token answers and the event
 * stream never compressed.
 */
import { equal, ok } from "node:assert/strict";
import { startTestServer } from "../_helpers/server.ts";
import { requestEventStream } from "./fallback_stream.ts";

const BROWSER_ACCEPTS = "gzip, deflate, br, zstd";

Deno.test("pages, CSS and bundles are compressed; a second visit gets 304s", async () => {
  await using server = await startTestServer();
  const page = await fetch(`${server.origin}/login`, {
    headers: { "accept-encoding": BROWSER_ACCEPTS },
  });
  equal(page.headers.get("content-encoding"), "br");
  equal(page.headers.get("vary"), "Accept-Encoding");
  const html = await page.text();
  ok(html.includes("Sign in to Switchboard"), "fetch decodes what the server encoded");

  const bundle = html.match(/<script type="module" src="([^"]+)"/)![1];
  for (const path of ["/styles.css", bundle]) {
    const first = await fetch(server.origin + path, { headers: { "accept-encoding": "gzip" } });
    equal(first.headers.get("content-encoding"), "gzip", path);
    const identity = await fetch(server.origin + path, {
      headers: { "accept-encoding": "identity" },
    });
    equal(identity.headers.get("content-encoding"), null, path);
    equal(await first.text(), await identity.text(), path);
    ok(
      Number(first.headers.get("content-length")) <
        Number(identity.headers.get("content-length")),
      path,
    );
    const again = await fetch(server.origin + path, {
      headers: { "accept-encoding": "gzip", "if-none-match": first.headers.get("etag")! },
    });
    equal(again.status, 304, path);
    await again.body?.cancel();
  }
});

Deno.test("token answers and the event stream are never compressed", async () => {
  await using server = await startTestServer();
  const guest = await fetch(`${server.origin}/api/guest`, {
    method: "POST",
    headers: { "content-type": "application/json", "accept-encoding": BROWSER_ACCEPTS },
    body: JSON.stringify({ name: "visitor" }),
  });
  equal(guest.status, 200);
  equal(guest.headers.get("content-encoding"), null);
  equal(guest.headers.get("vary"), null, "not even a candidate for compression");
  const { token } = await guest.json();

  const abort = new AbortController();
  const events = await requestEventStream(
    server.origin,
    token,
    { "accept-encoding": BROWSER_ACCEPTS },
    abort.signal,
  );
  equal(events.status, 200);
  equal(events.headers.get("content-encoding"), null);
  const reader = events.body!.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!text.includes("\n\n")) text += (await reader.read()).value ?? "";
  ok(text.includes('"type":"hello"'), "hello arrives at once, not held in a compressor");
  abort.abort();
  await reader.cancel().catch(() => {});
});
