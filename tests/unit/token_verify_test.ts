import { deepEqual, equal, ok } from "node:assert/strict";
import { errors, jwtVerify, SignJWT, UnsecuredJWT } from "jose";
import { hmac } from "@noble/hashes/hmac.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { createHs256Verifier } from "../../lib/server/auth/jws_hs256.ts";
import { createTokenIssuer, keyIdOf, type VerifyResult } from "../../lib/server/auth/tokens.ts";
import { MAX_TOKEN_LENGTH } from "../../lib/server/auth/jws_hs256.ts";
import { createSeededRandom } from "../../lib/time/random.ts";
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

/**
 * RFC 4231's HMAC-SHA-256 test cases, on the primitive the verifier keys once
 * per secret (`@noble/hashes`' `hmac` over `sha256`). Case 5 checks the first
 * 128 bits only, as the RFC does.
 */
const RFC_4231: { name: string; key: Uint8Array; data: Uint8Array; mac: string }[] = [
  {
    name: "case 1",
    key: new Uint8Array(20).fill(0x0b),
    data: encoder.encode("Hi There"),
    mac: "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
  },
  {
    name: "case 2: a key shorter than the output",
    key: encoder.encode("Jefe"),
    data: encoder.encode("what do ya want for nothing?"),
    mac: "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
  },
  {
    name: "case 3: 50 bytes of data",
    key: new Uint8Array(20).fill(0xaa),
    data: new Uint8Array(50).fill(0xdd),
    mac: "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe",
  },
  {
    name: "case 4: a 25-byte key",
    key: Uint8Array.from({ length: 25 }, (_, index) => index + 1),
    data: new Uint8Array(50).fill(0xcd),
    mac: "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b",
  },
  {
    name: "case 5: truncated to 128 bits",
    key: new Uint8Array(20).fill(0x0c),
    data: encoder.encode("Test With Truncation"),
    mac: "a3b6167473100ee06e0c796c2955552b",
  },
  {
    name: "case 6: a key larger than a block",
    key: new Uint8Array(131).fill(0xaa),
    data: encoder.encode("Test Using Larger Than Block-Size Key - Hash Key First"),
    mac: "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
  },
  {
    name: "case 7: a key and data larger than a block",
    key: new Uint8Array(131).fill(0xaa),
    data: encoder.encode(
      "This is a test using a larger than block-size key and a larger than block-size data." +
        " The key needs to be hashed before being used by the HMAC algorithm.",
    ),
    mac: "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2",
  },
];

Deno.test("the MAC's primitive gives RFC 4231's values for every test case", () => {
  for (const { name, key, data, mac } of RFC_4231) {
    equal(hmac(sha256, key, data).toHex().slice(0, mac.length), mac, name);
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

/** The verifying keys of both secrets, by kid, for jose. */
const JOSE_KEYS = new Map<string, CryptoKey>();
for (const secret of [SECRET, ROTATED_SECRET]) {
  JOSE_KEYS.set(
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

// The jose-based verification the new verifier replaced, kept as its reference.
async function joseVerify(token: string, now: number): Promise<VerifyResult> {
  const keys = JOSE_KEYS;
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

// ---- differential fuzzing against jose ---------------------------------------

const BASE64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
/** Characters an attacker might slip in: the alphabet and everything next to it. */
const INSERTABLE = `${BASE64URL}.=+/ %\n\u00e9`;

/** A seeded source of choices, so that a failure names a case that can be run again. */
function chooser(seed: number) {
  const random = createSeededRandom(seed);
  const int = (below: number) => Math.floor(random() * below);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)];
  return { int, pick, chance: (p: number) => random() < p };
}
type Chooser = ReturnType<typeof chooser>;

/** Values a claim may be given, edge cases of time, type and shape included. */
const CLAIM_VALUES: Record<string, unknown[]> = {
  exp: [NOW_S - 1, NOW_S, NOW_S + 1, NOW_S + 0.5, NOW_S - 0.5, 1e20, -1, 0, "9999999999", null],
  nbf: [NOW_S - 1, NOW_S, NOW_S + 1, NOW_S + 0.5, NOW_S - 0.5, "0", null, true],
  iat: [NOW_S, NOW_S + 3600, 0, "0", null, [NOW_S]],
  iss: ["switchboard", "Switchboard", "switchboard ", "", ["switchboard"], 1, null],
  aud: ["switchboard", ["switchboard"], ["x", "switchboard"], ["x"], "x", [], {}, null, ""],
  sub: [USER.id, "", 1, null, ["user:ada"]],
  name: [USER.name, "", 7, null, "a".repeat(300)],
  role: ["user", "admin", "guest", "owner", "", null],
  sid: ["login-1", 3, null],
};

/** Header fields worth varying: algorithm, key id, type, critical extensions. */
const HEADER_VALUES: Record<string, unknown[]> = {
  alg: ["HS256", "none", "None", "HS384", "HS512", "RS256", "ES256", "hs256", "HS256 ", "", null],
  kid: [KID, "0123456789abcdef", KID.toUpperCase(), `${KID} `, "", 16, null],
  typ: ["JWT", "jwt", "at+jwt", "JOSE", "", null],
  crit: [["exp"], [], ["b64"], "exp"],
  b64: [false, true],
  cty: ["JWT", "text/plain"],
};

/** `base` with one to `maxEdits` fields set to one of their `values` (undefined drops one). */
function withEdits(
  base: Record<string, unknown>,
  values: Record<string, unknown[]>,
  maxEdits: number,
  choose: Chooser,
): Record<string, unknown> {
  const edited = { ...base };
  for (let edits = 1 + choose.int(maxEdits); edits > 0; edits--) {
    const field = choose.pick(Object.keys(values));
    edited[field] = choose.chance(0.15) ? undefined : choose.pick(values[field]);
  }
  return edited;
}

const mutatedClaims = (choose: Chooser) => withEdits(CLAIMS, CLAIM_VALUES, 3, choose);
const mutatedHeader = (choose: Chooser) => withEdits(HEADER, HEADER_VALUES, 2, choose);

/** `token` with one part changed at the text level: a character replaced, added or removed. */
function mutatedText(token: string, choose: Chooser): string {
  const at = choose.int(token.length + 1);
  switch (choose.int(4)) {
    case 0: {
      const replacement = choose.pick([...BASE64URL].filter((char) => char !== token[at]));
      return token.slice(0, at) + replacement + token.slice(at + 1);
    }
    case 1:
      return token.slice(0, at) + choose.pick([...INSERTABLE]) + token.slice(at);
    case 2:
      return token.slice(0, at) + token.slice(at + 1);
    default:
      return token.slice(0, at);
  }
}

/** `token` with one bit of one decoded part flipped, re-encoded canonically, not re-signed. */
function flippedBit(token: string, choose: Chooser): string {
  const parts = token.split(".");
  const index = choose.int(3);
  const bytes = Uint8Array.fromBase64(parts[index], { alphabet: "base64url" });
  if (bytes.length === 0) return token;
  bytes[choose.int(bytes.length)] ^= 1 << choose.int(8);
  parts[index] = bytes.toBase64({ alphabet: "base64url", omitPadding: true });
  return parts.join(".");
}

/** One random hostile token: mutated text or bits, or a validly signed odd header or claims. */
async function hostileToken(choose: Chooser, valid: readonly string[]): Promise<string> {
  const secret = choose.chance(0.9) ? SECRET : "a-different-secret-of-enough-length";
  switch (choose.int(6)) {
    case 0:
      return mutatedText(choose.pick(valid), choose);
    case 1:
      return flippedBit(choose.pick(valid), choose);
    case 2:
      return await handMade(HEADER, mutatedClaims(choose), secret);
    case 3:
      return await handMade(mutatedHeader(choose), CLAIMS, secret);
    case 4:
      return await handMade(mutatedHeader(choose), mutatedClaims(choose), secret);
    default: {
      // Parts of different tokens put together, or one dropped or doubled.
      const [a, b] = [choose.pick(valid).split("."), choose.pick(valid).split(".")];
      return choose.pick([
        `${a[0]}.${b[1]}.${a[2]}`,
        `${a[0]}.${a[1]}.${b[2]}`,
        `${a[0]}.${a[1]}`,
        `${a[0]}.${a[1]}.${a[2]}.${a[2]}`,
        `${a[1]}.${a[0]}.${a[2]}`,
        `${a[0]}..${a[2]}`,
      ]);
    }
  }
}

function decodedHeader(token: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(new TextDecoder().decode(
      Uint8Array.fromBase64(token.split(".")[0], { alphabet: "base64url" }),
    ));
  } catch {
    return undefined;
  }
}

/**
 * Why our verifier may refuse a token jose accepts: the checks it makes on
 * purpose beyond jose's options. Undefined when there is no such reason.
 */
function strictnessOf(token: string): string | undefined {
  if (token.length > MAX_TOKEN_LENGTH) return "over the length bound";
  const header = decodedHeader(token);
  if (header?.typ !== undefined && header.typ !== "JWT") return "a foreign typ";
  // jose understands the b64 extension (RFC 7797); this verifier understands none.
  if (header?.crit !== undefined) return "a crit header";
  const signature = token.split(".")[2] ?? "";
  try {
    const canonical = Uint8Array.fromBase64(signature, { alphabet: "base64url" })
      .toBase64({ alphabet: "base64url", omitPadding: true });
    if (canonical !== signature) return "a non-canonical signature";
  } catch {
    // Not base64url at all: no spelling of it is canonical, and jose refuses it too.
  }
  return undefined;
}

Deno.test("verify agrees with jose on 4 000 seeded hostile tokens, stricter only where meant", async () => {
  const { clock, tokens } = await issuer();
  const valid = [
    (await tokens.sign(USER)).token,
    (await tokens.sign(USER, { loginId: "login-1" })).token,
    await handMade(HEADER, CLAIMS),
    await handMade({ ...HEADER, kid: await keyIdOf(ROTATED_SECRET) }, CLAIMS, ROTATED_SECRET),
    await withHeader({ typ: undefined, cty: "JWT" }),
  ];
  const choose = chooser(20261206);
  const tally = { accepted: 0, refused: 0, stricter: 0 };
  for (let round = 0; round < 4_000; round++) {
    const token = await hostileToken(choose, valid);
    const label = `round ${round}: ${token}`;
    const ours = await tokens.verify(token);
    const theirs = await joseVerify(token, clock.now());
    if (ours.ok) {
      ok(theirs.ok, `${label}: only we accepted it`);
      const { loginId: _loginId, ...user } = ours;
      deepEqual(user, theirs, label);
      tally.accepted++;
    } else if (theirs.ok) {
      ok(strictnessOf(token), `${label}: only jose accepted it (${ours.reason})`);
      tally.stricter++;
    } else {
      // Both refuse, for the same reason unless ours is one of its own checks: a shape error
      // (jose's catch-all) or a strictness of ours that comes before jose's checks.
      const ownCheck = ours.reason === "token is malformed" || strictnessOf(token) !== undefined;
      if (!ownCheck && theirs.reason !== "token is invalid") {
        equal(ours.reason, theirs.reason, label);
      }
      tally.refused++;
    }
  }
  // The mutations reach every outcome, not just the easy refusals.
  ok(tally.accepted >= 100, JSON.stringify(tally));
  ok(tally.refused >= 2_000, JSON.stringify(tally));
  ok(tally.stricter >= 10, JSON.stringify(tally));
});
