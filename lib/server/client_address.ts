/**
 * The client's address behind reverse proxies. `X-Forwarded-For` is only
 * believed when the peer that sent it is a trusted proxy (`TRUST_PROXY`):
 * the list is read from the right, each hop a trusted proxy vouches for,
 * and the first address that is not a trusted proxy is the client. Anyone
 * else could write any address into the header, so for them the peer's own
 * address counts and the header is ignored.
 *
 * @example
 * ```ts
 * const clientAddress = createClientAddress(["loopback"]);
 * // nginx on 127.0.0.1 forwarded a request from 203.0.113.7:
 * clientAddress(req, info); // "203.0.113.7"
 * ```
 */
import { addressOf } from "./http.ts";

/** The address of a request's client, by `X-Forwarded-For` from trusted proxies only. */
export type ClientAddress = (req: Request, info: Deno.ServeHandlerInfo) => string;

/** What `TRUST_PROXY` items may be: `loopback`, an IP address, or a CIDR block. */
export const TRUST_PROXY_HELP =
  "must be loopback, IP addresses or CIDR blocks like 10.0.0.0/8 or fd00::/8";

interface Block {
  bytes: Uint8Array;
  prefix: number;
}

const LOOPBACK = ["127.0.0.0/8", "::1/128"];

/** Whether `item` is a valid `TRUST_PROXY` entry. */
export function isTrustProxyItem(item: string): boolean {
  return item === "loopback" || parseBlock(item) !== null;
}

/**
 * Creates the {@linkcode ClientAddress} for `trustProxy` (`TRUST_PROXY`'s items).
 * Throws a `TypeError` on an item {@linkcode isTrustProxyItem} refuses.
 */
export function createClientAddress(trustProxy: string[]): ClientAddress {
  const blocks = trustedBlocks(trustProxy);
  const isTrusted = (bytes: Uint8Array) => blocks.some((block) => contains(block, bytes));

  return (req, info) => {
    const peer = addressOf(info);
    if (blocks.length === 0) return peer;
    let client = parseAddress(peer);
    if (!client || !isTrusted(client.bytes)) return peer;
    let address = client.text;
    const hops = (req.headers.get("x-forwarded-for") ?? "").split(",")
      .map((hop) => hop.trim())
      .filter(Boolean);
    for (let index = hops.length - 1; index >= 0; index--) {
      client = parseAddress(hops[index]);
      // A hop that is not an address is no client; keep the last proxy that spoke for it.
      if (!client) break;
      address = client.text;
      if (!isTrusted(client.bytes)) break;
    }
    return address;
  };
}

/**
 * Whether a peer address is one of the `trustProxy` proxies, e.g. to exempt
 * them from per-address connection caps (they carry many clients).
 * Throws like {@linkcode createClientAddress}.
 */
export function createIsTrustedProxy(trustProxy: string[]): (address: string) => boolean {
  const blocks = trustedBlocks(trustProxy);
  return (address) => {
    const parsed = blocks.length === 0 ? null : parseAddress(address);
    return parsed !== null && blocks.some((block) => contains(block, parsed.bytes));
  };
}

function trustedBlocks(trustProxy: string[]): Block[] {
  return trustProxy.flatMap((item) => item === "loopback" ? LOOPBACK : [item]).map((item) => {
    const block = parseBlock(item);
    if (!block) throw new TypeError(`TRUST_PROXY: ${JSON.stringify(item)} ${TRUST_PROXY_HELP}`);
    return block;
  });
}

function contains(block: Block, bytes: Uint8Array): boolean {
  if (block.bytes.length !== bytes.length) return false;
  const whole = Math.floor(block.prefix / 8);
  for (let index = 0; index < whole; index++) {
    if (block.bytes[index] !== bytes[index]) return false;
  }
  const rest = block.prefix % 8;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return (block.bytes[whole] & mask) === (bytes[whole] & mask);
}

function parseBlock(text: string): Block | null {
  const [addressText, prefixText, extra] = text.split("/");
  if (extra !== undefined) return null;
  const address = parseAddress(addressText);
  if (!address) return null;
  const bits = address.bytes.length * 8;
  if (prefixText === undefined) return { bytes: address.bytes, prefix: bits };
  if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > bits) return null;
  return { bytes: address.bytes, prefix: Number(prefixText) };
}

/**
 * Parses an IPv4 or IPv6 address (brackets and a zone allowed) into its
 * bytes; an IPv4-mapped IPv6 address becomes the IPv4 address it carries.
 */
function parseAddress(text: string): { bytes: Uint8Array; text: string } | null {
  const bare = text.replace(/^\[(.*)\]$/, "$1").replace(/%.*$/, "");
  const v4 = parseIpv4(bare);
  if (v4) return { bytes: v4, text: bare };
  const v6 = parseIpv6(bare);
  if (!v6) return null;
  const mapped = v6.slice(0, 10).every((byte) => byte === 0) && v6[10] === 0xff &&
    v6[11] === 0xff;
  if (mapped) {
    const bytes = v6.slice(12);
    return { bytes, text: bytes.join(".") };
  }
  return { bytes: v6, text: bare.toLowerCase() };
}

function parseIpv4(text: string): Uint8Array | null {
  const parts = text.split(".");
  if (parts.length !== 4) return null;
  if (!parts.every((part) => /^(0|[1-9]\d{0,2})$/.test(part) && Number(part) <= 255)) {
    return null;
  }
  return new Uint8Array(parts.map(Number));
}

function parseIpv6(text: string): Uint8Array | null {
  if (!text.includes(":")) return null;
  const halves = text.split("::");
  if (halves.length > 2) return null;
  const groupsOf = (half: string): number[] | null => {
    if (half === "") return [];
    const groups: number[] = [];
    const parts = half.split(":");
    for (const [index, part] of parts.entries()) {
      if (index === parts.length - 1 && part.includes(".")) {
        const v4 = parseIpv4(part);
        if (!v4) return null;
        groups.push((v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]);
      } else if (/^[0-9a-f]{1,4}$/i.test(part)) {
        groups.push(parseInt(part, 16));
      } else {
        return null;
      }
    }
    return groups;
  };
  const head = groupsOf(halves[0]);
  const tail = halves.length === 2 ? groupsOf(halves[1]) : [];
  if (!head || !tail) return null;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return null;
  const groups = [...head, ...Array(missing).fill(0), ...tail];
  const bytes = new Uint8Array(16);
  groups.forEach((group, index) => {
    bytes[index * 2] = group >> 8;
    bytes[index * 2 + 1] = group & 0xff;
  });
  return bytes;
}
