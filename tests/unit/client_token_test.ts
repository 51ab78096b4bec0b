import assert from "node:assert/strict";
import { AuthError, createTokenSource } from "../../lib/client/token.ts";
import { createVirtualClock } from "../../lib/time/clock.ts";

function tokenServer(statuses: number[]) {
  const requests: RequestInit[] = [];
  let issued = 0;
  const fetch = (_url: string | URL | Request, init?: RequestInit) => {
    requests.push(init ?? {});
    const status = statuses.shift() ?? 200;
    if (status !== 200) {
      return Promise.resolve(
        Response.json({ error: { code: "unauthorized", message: "no" } }, { status }),
      );
    }
    issued++;
    return Promise.resolve(Response.json({
      token: `t${issued}`,
      expires_at: 1_000_000 + 900_000,
      user: { id: "u", name: "ada", role: "user" as const },
    }));
  };
  return { fetch: fetch as typeof globalThis.fetch, requests };
}

Deno.test("tokens come from POST /api/token with credentials and are reused while valid", async () => {
  const clock = createVirtualClock(1_000_000);
  const server = tokenServer([]);
  const tokens = createTokenSource({ url: "http://x/api/token", clock, fetch: server.fetch });
  assert.deepEqual(await Promise.all([tokens.getToken(), tokens.getToken()]), ["t1", "t1"]);
  assert.equal(server.requests.length, 1, "concurrent callers share one request");
  assert.deepEqual(server.requests[0], { method: "POST", credentials: "include" });
  clock.advance(900_000 - 30_000); // within the refresh margin
  assert.equal(await tokens.getToken(), "t2");
  assert.equal(await tokens.refreshToken(), "t3");
});

Deno.test("401 is an AuthError (log in again); other failures are plain errors", async () => {
  const clock = createVirtualClock();
  const server = tokenServer([401, 503]);
  const tokens = createTokenSource({ url: "http://x/api/token", clock, fetch: server.fetch });
  await assert.rejects(tokens.getToken(), AuthError);
  await assert.rejects(tokens.getToken(), (error: Error) => {
    assert.ok(!(error instanceof AuthError));
    assert.match(error.message, /HTTP 503/);
    return true;
  });
});
