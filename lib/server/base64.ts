/**
 * Base64 and hex for bytes, with built-ins only (`@std/encoding` is on JSR,
 * which this project cannot reach).
 *
 * @example
 * ```ts
 * decodeBase64(encodeBase64(new Uint8Array([1, 2]))); // Uint8Array [1, 2]
 * encodeHex(new Uint8Array([255])); // "ff"
 * ```
 */

/** Bytes to standard base64. */
export function encodeBase64(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes));
}

/** Standard base64 to bytes. */
export function decodeBase64(text: string): Uint8Array {
  return Uint8Array.from(atob(text), (char) => char.charCodeAt(0));
}

/** Bytes to lowercase hex. */
export function encodeHex(bytes: Uint8Array): string {
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

/** The SHA-256 of a string's UTF-8 bytes, as hex. */
export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return encodeHex(new Uint8Array(digest));
}
