/**
 * HMAC-SHA-256 of a token's signing input (what `lib/server/auth/jws_hs256.ts`
 * computes per handshake), by the two kept implementations the issue allowed:
 * `node:crypto`'s `createHmac` and `@noble/hashes`, keyed per call and keyed
 * once. The numbers and the choice are in bench/README.md ("Token MAC").
 *
 * @example
 * ```sh
 * deno bench -A bench/micro/hmac_bench.ts
 * ```
 */
import { createHmac } from "node:crypto";
import { hmac } from "@noble/hashes/hmac.js";
import { sha256 } from "@noble/hashes/sha2.js";

const key = new TextEncoder().encode("a-secret-of-thirty-two-bytes-or-more!!");
const message = "eyJhbGciOiJIUzI1NiIsImtpZCI6ImExYjJjM2Q0ZTVmNjA3MTgiLCJ0eXAiOiJKV1QifQ." +
  "eyJzdWIiOiJ1c2VyOmFkYSIsIm5hbWUiOiJhZGEiLCJyb2xlIjoidXNlciIsImlzcyI6InN3aXRjaGJvYXJkIiwiYXVk" +
  "Ijoic3dpdGNoYm9hcmQiLCJpYXQiOjE3MDAwMDAwMDAsImV4cCI6MTcwMDAwMDkwMH0";
const encoder = new TextEncoder();
const base64url = { alphabet: "base64url", omitPadding: true } as const;
const keyedOnce = hmac.create(sha256, key);

Deno.bench("node:crypto createHmac", { group: "mac", baseline: true }, () => {
  createHmac("sha256", key).update(message).digest("base64url");
});
Deno.bench("@noble/hashes hmac", { group: "mac" }, () => {
  hmac(sha256, key, encoder.encode(message)).toBase64(base64url);
});
Deno.bench("@noble/hashes hmac, keyed once (what the verifier does)", { group: "mac" }, () => {
  keyedOnce.clone().update(encoder.encode(message)).digest().toBase64(base64url);
});
