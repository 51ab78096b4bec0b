import assert from "node:assert/strict";
import { classifyClose, decideClose } from "../../lib/client/close_policy.ts";
import { CloseCode } from "../../lib/protocol/mod.ts";

const options = { longDelayMs: 60_000 };
const decide = (code: number) => decideClose({ code, reason: "" }, options);

Deno.test("close codes map to the contract's moves", () => {
  assert.deepEqual(decide(CloseCode.NORMAL), { kind: "stop" });
  assert.deepEqual(decide(CloseCode.BAD_REQUEST), { kind: "fail" });
  assert.deepEqual(decide(CloseCode.FORBIDDEN), { kind: "fail" });
  assert.deepEqual(decide(CloseCode.UNAUTHORIZED), { kind: "refresh_token" });
  assert.deepEqual(decide(CloseCode.TOO_MANY_CONNECTIONS), { kind: "delay", ms: 60_000 });
  for (
    const code of [
      1001,
      1006,
      1009,
      1011,
      1012,
      CloseCode.HEARTBEAT_TIMEOUT,
      CloseCode.RATE_LIMITED,
    ]
  ) {
    assert.deepEqual(decide(code), { kind: "backoff" }, `code ${code}`);
  }
});

Deno.test("causes come from the code when it says something", () => {
  const any = { opened: true, ready: true };
  const cause = (code: number) => classifyClose({ code, reason: "" }, any);
  assert.equal(cause(4401), "auth");
  assert.equal(cause(4403), "auth");
  assert.equal(cause(4400), "handshake");
  assert.equal(cause(4408), "timeout");
  assert.equal(cause(4409), "rate_limited");
  assert.equal(cause(4429), "rate_limited");
  for (const code of [1001, 1008, 1009, 1011, 1012]) assert.equal(cause(code), "server_error");
});

Deno.test("otherwise the cause is how far the connection got", () => {
  const abnormal = { code: 1006, reason: "" };
  assert.equal(classifyClose(abnormal, { opened: false, ready: false }), "network");
  assert.equal(classifyClose(abnormal, { opened: true, ready: false }), "handshake");
  assert.equal(classifyClose(abnormal, { opened: true, ready: true }), "abnormal");
});
