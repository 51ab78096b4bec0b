import { equal } from "node:assert/strict";
import { createHmacSha256 } from "../../lib/server/hmac_sha256.ts";

const encoder = new TextEncoder();

/** The MAC through WebCrypto, an implementation independent of `node:crypto`. */
async function webCryptoMac(key: Uint8Array<ArrayBuffer>, message: string): Promise<string> {
  const imported = await crypto.subtle.importKey(
    "raw",
    key,
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", imported, encoder.encode(message)));
  return mac.toBase64({ alphabet: "base64url", omitPadding: true });
}

Deno.test("HMAC-SHA-256 matches WebCrypto's for keys shorter than, as long as and longer than a block", async () => {
  const messages = ["", "header.payload", "ünïcödé ☃ and more", "x".repeat(1000)];
  for (const keyLength of [1, 16, 63, 64, 65, 200]) {
    const key = crypto.getRandomValues(new Uint8Array(keyLength));
    const mac = createHmacSha256(key);
    for (const message of messages) {
      equal(mac(message), await webCryptoMac(key, message), `key ${keyLength} B, ${message}`);
    }
  }
});

Deno.test("HMAC-SHA-256 gives the RFC 4231 test case 2 value", () => {
  // Key "Jefe", data "what do ya want for nothing?": 5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843.
  const mac = createHmacSha256(encoder.encode("Jefe"))("what do ya want for nothing?");
  const hex = Array.from(Uint8Array.fromBase64(mac, { alphabet: "base64url" }))
    .map((byte) => byte.toString(16).padStart(2, "0")).join("");
  equal(hex, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
});
