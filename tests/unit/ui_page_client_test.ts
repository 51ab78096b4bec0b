import assert from "node:assert/strict";
import { pageClientOptions } from "../../lib/client/page_client.ts";

Deno.test("pageClientOptions: backoff presets and probe interval from the URL", () => {
  assert.deepEqual(pageClientOptions(""), {});
  assert.deepEqual(pageClientOptions("?backoff=aggressive&probeMs=2000"), {
    backoff: "aggressive",
    probeIntervalMs: 2000,
  });
  assert.deepEqual(pageClientOptions("?room=general&backoff=immediate"), { backoff: "immediate" });
});

Deno.test("pageClientOptions: unknown or unsafe values are ignored", () => {
  assert.deepEqual(pageClientOptions("?backoff=__proto__&probeMs=5"), {});
  assert.deepEqual(pageClientOptions("?backoff=fast&probeMs=abc"), {});
  assert.deepEqual(pageClientOptions("?probeMs=1500.5"), {});
});
