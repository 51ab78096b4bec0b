import { deepEqual, equal, ok } from "node:assert/strict";
import { loadConfig } from "../../lib/server/config.ts";
import { createLogger } from "../../lib/server/log.ts";
import { createTokenIssuer } from "../../lib/server/auth/mod.ts";
import { createIsolateIdentity, createSwitchboardMetrics } from "../../lib/server/metrics/mod.ts";
import {
  type ConnectionSocket,
  createHub,
  createSessionAdmission,
  createStatusFeed,
  REFUSAL_CLOSE_CODES,
  refusalResponse,
  type SessionRefusal,
  type SessionRequest,
} from "../../lib/server/session/mod.ts";
import { createVirtualClock } from "../../lib/time/clock.ts";

const SECRET = "a-secret-for-the-admission-tests-only";
const ORIGIN = "https://chat.example";

/** The admission as the server wires it: over a real hub, its limits and its token issuer. */
async function setup() {
  const clock = createVirtualClock(1_000_000);
  const config = loadConfig({
    ALLOWED_ORIGINS: ORIGIN,
    MAX_CONNECTIONS_PER_USER: "1",
    MAX_CONNECTIONS_PER_ADDRESS: "2",
  });
  const metrics = createSwitchboardMetrics({
    clock,
    identity: createIsolateIdentity({ clock, version: "test", buildId: "test" }),
  });
  const lines: { event: string; reason?: string }[] = [];
  const log = createLogger({ clock, sink: (line) => lines.push(JSON.parse(line)) });
  const tokens = await createTokenIssuer({ secrets: [SECRET], ttlS: 900, clock });
  const hub = createHub({
    config,
    clock,
    random: () => 0.5,
    log,
    instance: "test",
    rooms: { handle() {}, disconnect() {} },
    tokens,
    metrics,
    statusFeed: createStatusFeed({ metrics, summarize: () => ({}) as never }),
  });
  const admit = createSessionAdmission({ config, limits: hub, tokens, metrics, log });
  const tokenFor = async (name: string) =>
    (await tokens.sign({ id: `user:${name}`, name, role: "user" })).token;
  /** A request that passes every check but the limits, as `name` from `address`. */
  const request = async (name: string, address = "198.51.100.7"): Promise<SessionRequest> => ({
    transport: "websocket",
    req: new Request("http://127.0.0.1/api/ws", { headers: { origin: ORIGIN } }),
    address,
    speaksProtocol: true,
    token: await tokenFor(name),
  });
  const verdictOf = async (request: SessionRequest): Promise<SessionRefusal | "admitted"> => {
    const verdict = await admit(request);
    return verdict.ok ? "admitted" : verdict.refusal;
  };
  return { clock, hub, admit, metrics, lines, request, verdictOf };
}

/** A socket that takes everything and tells nobody. */
function quietSocket(): ConnectionSocket {
  return { bufferedAmount: 0, send() {}, close() {} };
}

Deno.test("session admission: origin, version, token, then the limits; the first check that fails decides", async () => {
  const { hub, admit, metrics, lines, request, verdictOf } = await setup();
  const ada = await request("ada");
  const foreign = new Request("http://127.0.0.1/api/ws", {
    headers: { origin: "https://evil.example" },
  });
  equal(
    await verdictOf({ ...ada, req: foreign, speaksProtocol: false, token: undefined }),
    "origin",
  );
  equal(await verdictOf({ ...ada, speaksProtocol: false, token: undefined }), "version");
  equal(await verdictOf({ ...ada, token: undefined }), "auth");
  equal(await verdictOf({ ...ada, token: "not.a.jwt" }), "auth");

  const admitted = await admit(ada);
  ok(admitted.ok);
  deepEqual(admitted.admission.user, { id: "user:ada", name: "ada", role: "user" });
  equal(admitted.admission.address, "198.51.100.7");
  equal(admitted.admission.tokenExpiresAt, 1_000_000 + 900_000);
  ok(hub.attach(quietSocket(), admitted.admission, "websocket"));

  // ada's second session is over the per-user limit, bob's from the same address is not...
  equal(await verdictOf(ada), "user_limit");
  const bob = await admit(await request("bob"));
  ok(bob.ok);
  ok(hub.attach(quietSocket(), bob.admission, "sse"));
  // ...and a third user's from that address is over the per-address limit.
  equal(await verdictOf(await request("cyd")), "address_limit");
  equal(await verdictOf(await request("cyd", "203.0.113.9")), "admitted");

  const refused = metrics.handshakesRefused;
  deepEqual(
    ["origin", "version", "auth", "user_limit", "address_limit", "draining"].map((reason) =>
      refused.labels(reason as SessionRefusal).value
    ),
    [1, 1, 2, 1, 1, 0],
  );
  deepEqual(
    lines.filter(({ event }) => event.startsWith("ws.")).map((
      { event, reason },
    ) => [event, reason]),
    [
      ["ws.origin_refused", undefined],
      ["ws.rejected", "version"],
      ["ws.rejected", "auth"],
      ["ws.rejected", "auth"],
      ["ws.open", undefined],
      ["ws.rejected", "user_limit"],
      ["ws.open", undefined],
      ["ws.rejected", "address_limit"],
    ],
  );
});

Deno.test("session admission: a draining hub refuses before any other check", async () => {
  const { hub, verdictOf, request, metrics } = await setup();
  await hub.drain();
  const foreign = new Request("http://127.0.0.1/api/ws", {
    headers: { origin: "https://evil.example" },
  });
  const ada = await request("ada");
  equal(
    await verdictOf({ ...ada, req: foreign, speaksProtocol: false, token: undefined }),
    "draining",
  );
  equal(await verdictOf(ada), "draining");
  equal(metrics.handshakesRefused.labels("draining").value, 2);
  equal(metrics.handshakesRefused.labels("origin").value, 0);
});

Deno.test("session admission: each refusal has its HTTP status and error code, and its close code", async () => {
  const answers: [SessionRefusal, number, string, number][] = [
    ["draining", 503, "internal", 1012],
    ["origin", 403, "forbidden", 4403],
    ["version", 400, "bad_request", 4400],
    ["auth", 401, "unauthorized", 4401],
    ["user_limit", 409, "rate_limited", 4409],
    ["address_limit", 429, "rate_limited", 4429],
  ];
  for (const [refusal, status, code, closeCode] of answers) {
    const response = refusalResponse({ ok: false, refusal, message: `refused: ${refusal}` });
    equal(response.status, status, refusal);
    deepEqual(await response.json(), { error: { code, message: `refused: ${refusal}` } });
    equal(response.headers.get("retry-after"), refusal === "draining" ? "1" : null, refusal);
    equal(REFUSAL_CLOSE_CODES[refusal], closeCode, refusal);
  }
});
