/**
 * The SHA-256 of a string, as hex: the `kid` of a secret and the handle of a
 * refresh token. WebCrypto hashes; the built-in `Uint8Array.prototype.toHex`
 * spells the digest.
 *
 * @example
 * ```ts
 * await sha256Hex("abc"); // "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
 * ```
 */

/** The SHA-256 of `text`'s UTF-8 bytes, as lowercase hex. */
export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return new Uint8Array(digest).toHex();
}
