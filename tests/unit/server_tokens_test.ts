import { deepEqual, equal, match, ok } from "node:assert/strict";
import { decodeProtectedHeader, SignJWT } from "jose";
import { createTokenIssuer, keyIdOf } from "../../lib/server/auth/tokens.ts";
import { createKvJwtSecretStore, resolveJwtSecrets } from "../../lib/server/auth/secrets.ts";
import { createLogger } from "../../lib/server/log.ts";
import { createVirtualClock } from "../../lib/time/clock.ts";

const SECRET = "unit-test-secret-that-is-long-enough";
const USER = { id: "user:ada", name: "ada", role: "user" } as const;

Deno.test("kid is the first 16 hex digits of the SHA-256 of the secret", async () => {
  // sha256("abc") = ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad
  equal(await keyIdOf("abc"), "ba7816bf8f01cfea");
});

Deno.test("tokens: signed HS256 with kid and the contract's claims", async () => {
  const clock = createVirtualClock(1_800_000_000_000);
  const tokens = await createTokenIssuer({ secrets: [SECRET], ttlS: 900, clock });
  const { token, expiresAt } = await tokens.sign(USER);
  deepEqual(decodeProtectedHeader(token), {
    alg: "HS256",
    kid: await keyIdOf(SECRET),
    typ: "JWT",
  });
  const claims = JSON.parse(atob(token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/")));
  deepEqual(claims, {
    name: "ada",
    role: "user",
    sub: "user:ada",
    iss: "switchboard",
    aud: "switchboard",
    iat: 1_800_000_000,
    exp: 1_800_000_900,
  });
  equal(expiresAt, 1_800_000_900_000);
  deepEqual(await tokens.verify(token), { ok: true, user: USER, expiresAt });
});

Deno.test("tokens: a sign-in's tokens carry sid and die when it is revoked", async () => {
  const clock = createVirtualClock(1_800_000_000_000);
  const tokens = await createTokenIssuer({ secrets: [SECRET], ttlS: 900, clock });
  const { token, expiresAt } = await tokens.sign(USER, { loginId: "login-1" });
  const other = await tokens.sign(USER, { loginId: "login-2" });
  deepEqual(await tokens.verify(token), { ok: true, user: USER, expiresAt, loginId: "login-1" });

  tokens.revokeLogin("login-1", expiresAt);
  deepEqual(await tokens.verify(token), { ok: false, reason: "token revoked: signed out" });
  equal((await tokens.verify(other.token)).ok, true, "another sign-in of the same user");
  clock.advance(900_000);
  equal((await tokens.verify(token)).ok, false, "and then it expired anyway");
});

Deno.test("tokens: expiry follows the injected clock", async () => {
  const clock = createVirtualClock(1_800_000_000_000);
  const tokens = await createTokenIssuer({ secrets: [SECRET], ttlS: 60, clock });
  const { token } = await tokens.sign(USER);
  clock.advance(59_999);
  ok((await tokens.verify(token)).ok);
  clock.advance(1);
  deepEqual(await tokens.verify(token), { ok: false, reason: "token expired" });
});

Deno.test("tokens: the first secret signs, every listed secret verifies", async () => {
  const clock = createVirtualClock(1_800_000_000_000);
  const old = await createTokenIssuer({ secrets: ["old-" + SECRET], ttlS: 900, clock });
  const rotated = await createTokenIssuer({
    secrets: ["new-" + SECRET, "old-" + SECRET],
    ttlS: 900,
    clock,
  });
  const retired = await createTokenIssuer({ secrets: ["new-" + SECRET], ttlS: 900, clock });
  const { token } = await old.sign(USER);
  ok((await rotated.verify(token)).ok);
  deepEqual(await retired.verify(token), { ok: false, reason: "token is invalid" });
  equal(
    decodeProtectedHeader((await rotated.sign(USER)).token).kid,
    await keyIdOf("new-" + SECRET),
  );
});

Deno.test("tokens: other algorithms, nbf in the future and a wrong iss are refused", async () => {
  const clock = createVirtualClock(1_800_000_000_000);
  const tokens = await createTokenIssuer({ secrets: [SECRET], ttlS: 900, clock });
  const key = new TextEncoder().encode(SECRET);
  const base = () =>
    new SignJWT({ name: "ada", role: "user" }).setSubject("user:ada").setAudience("switchboard")
      .setIssuedAt(1_800_000_000).setExpirationTime(1_800_000_900);
  const kid = await keyIdOf(SECRET);
  const hs512 = await base().setIssuer("switchboard").setProtectedHeader({ alg: "HS512", kid })
    .sign(new TextEncoder().encode(SECRET.repeat(2)));
  match((await tokens.verify(hs512) as { reason: string }).reason, /algorithm/);
  const future = await base().setIssuer("switchboard").setNotBefore(1_800_000_100)
    .setProtectedHeader({ alg: "HS256", kid }).sign(key);
  match((await tokens.verify(future) as { reason: string }).reason, /nbf/);
  const foreign = await base().setIssuer("elsewhere").setProtectedHeader({ alg: "HS256", kid })
    .sign(key);
  match((await tokens.verify(foreign) as { reason: string }).reason, /iss/);
});

Deno.test("with no JWT_SECRETS a secret is generated once, kept in KV and logged", async () => {
  await using kv = await Deno.openKv(":memory:");
  const lines: string[] = [];
  const log = createLogger({ sink: (line) => lines.push(line) });
  const [first] = await resolveJwtSecrets([], createKvJwtSecretStore(kv), log);
  const [again] = await resolveJwtSecrets([], createKvJwtSecretStore(kv), log);
  equal(first, again);
  ok(first.length >= 32);
  equal(lines.length, 1);
  const line = JSON.parse(lines[0]);
  equal(line.event, "auth.jwt_secret_generated");
  equal(line.kid, await keyIdOf(first));
  ok(!lines[0].includes(first), "the secret itself is never logged");
  deepEqual(await resolveJwtSecrets(["configured"], createKvJwtSecretStore(kv), log), [
    "configured",
  ]);
});
