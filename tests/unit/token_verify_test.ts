import { deepEqual, equal, ok } from "node:assert/strict";
import { errors, jwtVerify, SignJWT, UnsecuredJWT } from "jose";
import { createHs256Verifier } from "../../lib/server/jws_hs256.ts";
import { createTokenIssuer, keyIdOf, type VerifyResult } from "../../lib/server/tokens.ts";
import { SessionUser } from "../../lib/protocol/frames.ts";
import { createVirtualClock } from "../../lib/time/clock.ts";

const SECRET = "unit-test-secret-that-is-long-enough";
const ROTATED_SECRET = "rotated-unit-test-secret-of-enough-length";
const NOW_MS = 1_800_000_000_000;
const NOW_S = NOW_MS / 1000;
const KID = await keyIdOf(SECRET);
const USER = { id: "user:ada", name: "ada", role: "user" } as const;
const HEADER = { alg: "HS256", kid: KID, typ: "JWT" };
const CLAIMS = {
  sub: USER.id,
  name: USER.name,
  role: USER.role,
  iss: "switchboard",
  aud: "switchboard",
  iat: NOW_S - 60,
  exp: NOW_S + 900,
};
const EXPIRES_AT = CLAIMS.exp * 1000;

const encoder = new TextEncoder();

function base64url(bytes: Uint8Array): string {
  return bytes.toBase64({ alphabet: "base64url", omitPadding: true });
}

function encodeJson(value: unknown): string {
  return base64url(encoder.encode(JSON.stringify(value)));
}

/**
 * `input` with its HMAC-SHA-256 appended as a compact JWS signature, made
 * through WebCrypto: independent of the verifier's `node:crypto`.
 */
async function signed(input: string, secret = SECRET): Promise<string> {
  const key = await crypto.subtle.importKey(
    "raw",
    encoder.encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const mac = await crypto.subtle.sign("HMAC", key, encoder.encode(input));
  return `${input}.${base64url(new Uint8Array(mac))}`;
}

/** A compact JWS with any header and claims. */
function handMade(
  header: Record<string, unknown>,
  claims: Record<string, unknown>,
  secret = SECRET,
): Promise<string> {
  return signed(`${encodeJson(header)}.${encodeJson(claims)}`, secret);
}

/** The standard token with some claims replaced (undefined drops a claim). */
function withClaims(changes: Record<string, unknown>): Promise<string> {
  return handMade(HEADER, { ...CLAIMS, ...changes });
}

/** The standard token with some header fields replaced (undefined drops a field). */
function withHeader(changes: Record<string, unknown>): Promise<string> {
  return handMade({ ...HEADER, ...changes }, CLAIMS);
}

/** Replaces the character at `index` of the token's `part` with another base64url character. */
function tamper(token: string, part: number, index: number): string {
  const parts = token.split(".");
  const char = parts[part][index];
  parts[part] = parts[part].slice(0, index) + (char === "A" ? "B" : "A") +
    parts[part].slice(index + 1);
  return parts.join(".");
}

async function issuer(secrets = [SECRET, ROTATED_SECRET]) {
  const clock = createVirtualClock(NOW_MS);
  return { clock, tokens: await createTokenIssuer({ secrets, ttlS: 900, clock }) };
}

async function reasonOf(token: string): Promise<string> {
  const { tokens } = await issuer();
  const result = await tokens.verify(token);
  ok(!result.ok, "expected the token to be refused");
  return result.reason;
}

Deno.test("verify: tokens the issuer signs verify, and so do the other secrets' tokens", async () => {
  const { tokens } = await issuer();
  const { token, expiresAt } = await tokens.sign(USER);
  deepEqual(await tokens.verify(token), { ok: true, user: USER, expiresAt });
  const rotated = await handMade(
    { ...HEADER, kid: await keyIdOf(ROTATED_SECRET) },
    CLAIMS,
    ROTATED_SECRET,
  );
  deepEqual(await tokens.verify(rotated), { ok: true, user: USER, expiresAt: EXPIRES_AT });
  deepEqual(await tokens.verify(await handMade(HEADER, CLAIMS)), {
    ok: true,
    user: USER,
    expiresAt: EXPIRES_AT,
  });
});

Deno.test("verify: the promise is already settled, with no wait on a crypto thread pool", async () => {
  const { tokens } = await issuer();
  const { token } = await tokens.sign(USER);
  let settled = false;
  const verifying = tokens.verify(token).then(() => (settled = true));
  await null;
  ok(settled);
  await verifying;
});

Deno.test("the MAC matches WebCrypto's for secrets shorter than, as long as and longer than a block", async () => {
  // SHA-256 works on 64-byte blocks: shorter keys are padded, longer ones hashed first.
  const secrets = [1, 16, 63, 64, 65, 200].map((bytes) => "k".repeat(bytes));
  for (const secret of [...secrets, "ünïcödé ☃ sécrêt"]) {
    const verifyJws = createHs256Verifier(new Map([["kid-1", secret]]));
    for (const claims of [{}, CLAIMS, { text: "ünïcödé ☃ ".repeat(100) }]) {
      const token = await handMade({ ...HEADER, kid: "kid-1" }, claims, secret);
      deepEqual(verifyJws(token), { ok: true, payload: claims }, secret);
    }
  }
});

Deno.test("verify: a wrong secret or any tampered part fails the signature", async () => {
  const good = await handMade(HEADER, CLAIMS);
  equal(
    await reasonOf(await handMade(HEADER, CLAIMS, "a-different-secret-of-enough-length")),
    "token signature is invalid",
  );
  equal(await reasonOf(tamper(good, 1, 10)), "token signature is invalid");
  equal(await reasonOf(tamper(good, 2, 20)), "token signature is invalid");
  const [header, payload, signature] = good.split(".");
  const admin = encodeJson({ ...CLAIMS, role: "admin" });
  equal(await reasonOf(`${header}.${admin}.${signature}`), "token signature is invalid");
  const otherHeader = encodeJson({ ...HEADER, cty: "x" });
  equal(await reasonOf(`${otherHeader}.${payload}.${signature}`), "token signature is invalid");
  equal(await reasonOf(`${header}.${payload}.`), "token signature is invalid");
  equal(await reasonOf(`${good}A`), "token signature is invalid");
});

Deno.test("verify: a signature spelled with altered padding bits is refused", async () => {
  // 32 bytes take 43 characters; the last one carries 2 unused bits, which
  // loose base64 decoders ignore. Only the canonical spelling is accepted.
  const good = await handMade(HEADER, CLAIMS);
  const last = good.at(-1)!;
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  const sameBytes = alphabet[alphabet.indexOf(last) ^ 1];
  equal(await reasonOf(good.slice(0, -1) + sameBytes), "token signature is invalid");
});

Deno.test("verify: only HS256 is accepted", async () => {
  const unsecured = new UnsecuredJWT(CLAIMS).encode();
  equal(await reasonOf(unsecured), "token algorithm is not allowed");
  const hs512 = await new SignJWT(CLAIMS).setProtectedHeader({ alg: "HS512", kid: KID })
    .sign(encoder.encode(SECRET.repeat(2)));
  equal(await reasonOf(hs512), "token algorithm is not allowed");
  // An HMAC made with the secret under an asymmetric algorithm's name.
  equal(await reasonOf(await withHeader({ alg: "RS256" })), "token algorithm is not allowed");
  equal(await reasonOf(await withHeader({ alg: "hs256" })), "token algorithm is not allowed");
  equal(await reasonOf(await withHeader({ alg: undefined })), "token algorithm is not allowed");
});

Deno.test("verify: kid must name a configured secret; crit and a foreign typ are refused", async () => {
  equal(await reasonOf(await withHeader({ kid: undefined })), "token is invalid");
  equal(await reasonOf(await withHeader({ kid: "0123456789abcdef" })), "token is invalid");
  equal(await reasonOf(await withHeader({ kid: 7 })), "token is invalid");
  equal(await reasonOf(await withHeader({ crit: ["exp"], exp: 1 })), "token is invalid");
  equal(await reasonOf(await withHeader({ typ: "at+jwt" })), "token is invalid");
  const { tokens } = await issuer();
  ok((await tokens.verify(await withHeader({ typ: undefined }))).ok);
});

Deno.test("verify: a header seen before is remembered, never the verdict on a token", async () => {
  const { tokens } = await issuer();
  const good = await handMade(HEADER, CLAIMS);
  ok((await tokens.verify(good)).ok);
  // Same header, now remembered: the signature is still checked on every token.
  const refusal = await tokens.verify(tamper(good, 1, 10));
  deepEqual(refusal, { ok: false, reason: "token signature is invalid" });
  const unknownKid = await withHeader({ kid: "0123456789abcdef" });
  for (let time = 0; time < 2; time++) {
    deepEqual(await tokens.verify(unknownKid), { ok: false, reason: "token is invalid" });
  }
  // More distinct valid headers than are remembered: each still verifies, and
  // a tampered token under each is still refused.
  for (let variant = 0; variant < 20; variant++) {
    const token = await withHeader({ cty: `variant-${variant}` });
    ok((await tokens.verify(token)).ok, `variant ${variant}`);
    deepEqual(await tokens.verify(tamper(token, 2, 5)), {
      ok: false,
      reason: "token signature is invalid",
    });
  }
});

Deno.test("verify: a jose-signed token with extra header fields verifies", async () => {
  const { tokens } = await issuer();
  const token = await new SignJWT({ name: USER.name, role: USER.role })
    .setProtectedHeader({ alg: "HS256", kid: KID, typ: "JWT", cty: "text/plain", x5t: "abc" })
    .setSubject(USER.id).setIssuer("switchboard").setAudience("switchboard")
    .setIssuedAt(CLAIMS.iat).setExpirationTime(CLAIMS.exp).setJti("j-1")
    .sign(encoder.encode(SECRET));
  deepEqual(await tokens.verify(token), { ok: true, user: USER, expiresAt: EXPIRES_AT });
});

Deno.test("verify: iss and aud must be switchboard's", async () => {
  equal(await reasonOf(await withClaims({ iss: "elsewhere" })), "token claim iss is invalid");
  equal(await reasonOf(await withClaims({ aud: "elsewhere" })), "token claim aud is invalid");
  equal(await reasonOf(await withClaims({ aud: ["a", "b"] })), "token claim aud is invalid");
  equal(
    await reasonOf(await withClaims({ aud: { switchboard: 1 } })),
    "token claim aud is invalid",
  );
  const { tokens } = await issuer();
  deepEqual(await tokens.verify(await withClaims({ aud: ["elsewhere", "switchboard"] })), {
    ok: true,
    user: USER,
    expiresAt: EXPIRES_AT,
  });
});

Deno.test("verify: sub, exp and iat are required, and times are numbers", async () => {
  equal(await reasonOf(await withClaims({ sub: undefined })), "token claim sub is invalid");
  equal(await reasonOf(await withClaims({ exp: undefined })), "token claim exp is invalid");
  equal(await reasonOf(await withClaims({ iat: undefined })), "token claim iat is invalid");
  equal(await reasonOf(await withClaims({ iss: undefined })), "token claim iss is invalid");
  equal(
    await reasonOf(await withClaims({ exp: String(CLAIMS.exp) })),
    "token claim exp is invalid",
  );
  equal(await reasonOf(await withClaims({ iat: "yesterday" })), "token claim iat is invalid");
  equal(await reasonOf(await withClaims({ nbf: null })), "token claim nbf is invalid");
  equal(await reasonOf(await withClaims({ role: "owner" })), "token claims are invalid");
  equal(await reasonOf(await withClaims({ sub: 42 })), "token claims are invalid");
});

Deno.test("verify: a token is expired from the second its exp names", async () => {
  const { clock, tokens } = await issuer();
  const token = await withClaims({ exp: NOW_S + 10 });
  ok((await tokens.verify(token)).ok);
  clock.advance(9_999);
  ok((await tokens.verify(token)).ok);
  clock.advance(1);
  deepEqual(await tokens.verify(token), { ok: false, reason: "token expired" });
});

Deno.test("verify: a token is not valid before its nbf", async () => {
  const { clock, tokens } = await issuer();
  const token = await withClaims({ nbf: NOW_S + 5 });
  deepEqual(await tokens.verify(token), { ok: false, reason: "token claim nbf is invalid" });
  clock.advance(4_999);
  deepEqual(await tokens.verify(token), { ok: false, reason: "token claim nbf is invalid" });
  clock.advance(1);
  ok((await tokens.verify(token)).ok);
});

Deno.test("verify: anything but three base64url parts of JSON objects is malformed", async () => {
  const good = await handMade(HEADER, CLAIMS);
  const [header, payload, signature] = good.split(".");
  const notAnObject = encodeJson([1]);
  // A header encoded in whole 4-character groups, so that one more character
  // makes a length of 4n + 1, where no byte ends.
  const wholeGroupsHeader = [0, 1, 2].map((n) => ({ ...HEADER, pad: "x".repeat(n) }))
    .find((candidate) => JSON.stringify(candidate).length % 3 === 0)!;
  const wholeGroups = await handMade(wholeGroupsHeader, CLAIMS);
  const malformed = [
    "",
    "not.a.jwt",
    `${header}.${payload}`,
    `${good}.${signature}`,
    `.${payload}.${signature}`,
    `${header}..${signature}`,
    `${header}.${payload}.${signature}=`,
    `${header}=.${payload}.${signature}`,
    `${header}.${payload.slice(0, 5)}+${payload.slice(6)}.${signature}`,
    `${header} .${payload}.${signature}`,
    `${notAnObject}.${payload}.${signature}`,
    `${wholeGroups.split(".")[0]}A.${payload}.${signature}`,
    await handMade(HEADER, { ...CLAIMS, padding: "x".repeat(4096) }),
  ];
  for (const token of malformed) equal(await reasonOf(token), "token is malformed", token);
  // A valid signature over a payload that is not a JSON object.
  equal(await reasonOf(await signed(`${header}.${notAnObject}`)), "token is malformed");
});

// The jose-based verification the new verifier replaced, kept as its reference.
async function joseVerify(token: string, now: number): Promise<VerifyResult> {
  const keys = new Map<string, CryptoKey>();
  for (const secret of [SECRET, ROTATED_SECRET]) {
    keys.set(
      await keyIdOf(secret),
      await crypto.subtle.importKey(
        "raw",
        encoder.encode(secret),
        { name: "HMAC", hash: "SHA-256" },
        false,
        ["verify"],
      ),
    );
  }
  try {
    const { payload } = await jwtVerify(token, (header) => {
      const key = header.kid === undefined ? undefined : keys.get(header.kid);
      if (!key) throw new errors.JWKSNoMatchingKey("unknown kid");
      return key;
    }, {
      algorithms: ["HS256"],
      issuer: "switchboard",
      audience: "switchboard",
      requiredClaims: ["sub", "exp", "iat"],
      currentDate: new Date(now),
    });
    const user = SessionUser.safeParse({ id: payload.sub, name: payload.name, role: payload.role });
    if (!user.success) return { ok: false, reason: "token claims are invalid" };
    return { ok: true, user: user.data, expiresAt: payload.exp! * 1000 };
  } catch (error) {
    if (error instanceof errors.JWTExpired) return { ok: false, reason: "token expired" };
    if (error instanceof errors.JWTClaimValidationFailed) {
      return { ok: false, reason: `token claim ${error.claim} is invalid` };
    }
    if (error instanceof errors.JOSEAlgNotAllowed) {
      return { ok: false, reason: "token algorithm is not allowed" };
    }
    if (error instanceof errors.JWSSignatureVerificationFailed) {
      return { ok: false, reason: "token signature is invalid" };
    }
    return { ok: false, reason: "token is invalid" };
  }
}

Deno.test("verify agrees with jose's jwtVerify under the options it replaced", async () => {
  const { clock, tokens } = await issuer();
  const good = await handMade(HEADER, CLAIMS);
  const [header, payload] = good.split(".");
  const cases: Record<string, string> = {
    "issued": (await tokens.sign(USER)).token,
    "hand made": good,
    "rotated secret": await handMade(
      { ...HEADER, kid: await keyIdOf(ROTATED_SECRET) },
      CLAIMS,
      ROTATED_SECRET,
    ),
    "no typ": await withHeader({ typ: undefined }),
    "aud array": await withClaims({ aud: ["x", "switchboard"] }),
    "nbf passed": await withClaims({ nbf: NOW_S - 1 }),
    "extra claims": await withClaims({ jti: "j", foo: [1, 2] }),
    "wrong secret": await handMade(HEADER, CLAIMS, "a-different-secret-of-enough-length"),
    "tampered payload": tamper(good, 1, 10),
    "tampered signature": tamper(good, 2, 20),
    "empty signature": `${header}.${payload}.`,
    "alg none": new UnsecuredJWT(CLAIMS).encode(),
    "alg RS256": await withHeader({ alg: "RS256" }),
    "no kid": await withHeader({ kid: undefined }),
    "unknown kid": await withHeader({ kid: "0123456789abcdef" }),
    "wrong iss": await withClaims({ iss: "elsewhere" }),
    "wrong aud": await withClaims({ aud: "elsewhere" }),
    "no sub": await withClaims({ sub: undefined }),
    "no exp": await withClaims({ exp: undefined }),
    "no iat": await withClaims({ iat: undefined }),
    "iat a string": await withClaims({ iat: "0" }),
    "expires now": await withClaims({ exp: NOW_S }),
    "expired": await withClaims({ exp: NOW_S - 1 }),
    "nbf ahead": await withClaims({ nbf: NOW_S + 1 }),
    "bad role": await withClaims({ role: "owner" }),
    "two parts": `${header}.${payload}`,
    "garbage": "not.a.jwt",
  };
  // Shape errors got jose's catch-all "token is invalid"; they are now named.
  const renamed = new Set(["two parts", "garbage"]);
  for (const [label, token] of Object.entries(cases)) {
    const ours = await tokens.verify(token);
    const theirs = await joseVerify(token, clock.now());
    equal(ours.ok, theirs.ok, label);
    if (renamed.has(label)) deepEqual(ours, { ok: false, reason: "token is malformed" }, label);
    else deepEqual(ours, theirs, label);
  }
});
