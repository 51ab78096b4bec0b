/**
 * The client's address behind reverse proxies. `X-Forwarded-For` is only
 * believed when the peer that sent it is a trusted proxy (`TRUST_PROXY`):
 * the list is read from the right, each hop a trusted proxy vouches for,
 * and the first address that is not a trusted proxy is the client. Anyone
 * else could write any address into the header, so for them the peer's own
 * address counts and the header is ignored.
 *
 * Addresses are read with `node:net`'s `isIP` and matched against the trusted
 * addresses and CIDR blocks with its `BlockList` (which also matches an
 * IPv4-mapped IPv6 address, `::ffff:10.0.0.1`, against IPv4 blocks); the walk
 * along the header is this module's own, since no library knows which
 * proxies this deployment trusts.
 *
 * @example
 * ```ts
 * const clientAddress = createClientAddress(["loopback"]);
 * // nginx on 127.0.0.1 forwarded a request from 203.0.113.7:
 * clientAddress(req, info); // "203.0.113.7"
 * ```
 */
import { BlockList, isIP } from "node:net";
import { addressOf } from "./request.ts";

/** The address of a request's client, by `X-Forwarded-For` from trusted proxies only. */
export type ClientAddress = (req: Request, info: Deno.ServeHandlerInfo) => string;

/** What `TRUST_PROXY` items may be: `loopback`, an IP address, or a CIDR block. */
export const TRUST_PROXY_HELP =
  "must be loopback, IP addresses or CIDR blocks like 10.0.0.0/8 or fd00::/8";

const LOOPBACK = ["127.0.0.0/8", "::1/128"];

type Family = "ipv4" | "ipv6";

/** An address as a proxy wrote it, without brackets or a zone, and its family. */
function readAddress(text: string): { address: string; family: Family } | null {
  const address = text.replace(/^\[(.*)\]$/, "$1").replace(/%.*$/, "").toLowerCase();
  const version = isIP(address);
  if (version === 0) return null;
  // The IPv4 address an IPv4-mapped IPv6 one carries is the client's name, for limits and logs.
  const mapped = address.match(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/);
  if (mapped) return { address: mapped[1], family: "ipv4" };
  return { address, family: version === 4 ? "ipv4" : "ipv6" };
}

/** Adds an address or a CIDR block to `list`; false, adding nothing, when `item` is neither. */
function addTrusted(list: BlockList, item: string): boolean {
  const [addressText, prefixText, extra] = item.split("/");
  const parsed = readAddress(addressText);
  if (!parsed || extra !== undefined) return false;
  if (prefixText === undefined) {
    list.addAddress(parsed.address, parsed.family);
    return true;
  }
  const prefix = Number(prefixText);
  if (!/^\d{1,3}$/.test(prefixText) || prefix > (parsed.family === "ipv4" ? 32 : 128)) {
    return false;
  }
  list.addSubnet(parsed.address, prefix, parsed.family);
  return true;
}

/** Whether `item` is a valid `TRUST_PROXY` entry. */
export function isTrustProxyItem(item: string): boolean {
  return item === "loopback" || addTrusted(new BlockList(), item);
}

/**
 * Creates the {@linkcode ClientAddress} for `trustProxy` (`TRUST_PROXY`'s items).
 * Throws a `TypeError` on an item {@linkcode isTrustProxyItem} refuses.
 */
export function createClientAddress(trustProxy: string[]): ClientAddress {
  const isTrusted = trustedList(trustProxy);

  return (req, info) => {
    const peer = addressOf(info);
    if (!isTrusted) return peer;
    let client = readAddress(peer);
    if (!client || !isTrusted(client)) return peer;
    let address = client.address;
    const hops = (req.headers.get("x-forwarded-for") ?? "").split(",")
      .map((hop) => hop.trim())
      .filter(Boolean);
    for (let index = hops.length - 1; index >= 0; index--) {
      client = readAddress(hops[index]);
      // A hop that is not an address is no client; keep the last proxy that spoke for it.
      if (!client) break;
      address = client.address;
      if (!isTrusted(client)) break;
    }
    return address;
  };
}

/**
 * Whether a peer address is one of the `trustProxy` proxies, e.g. to exempt
 * them from per-address connection caps (they carry many clients).
 * Throws like {@linkcode createClientAddress}.
 *
 * @example
 * ```ts
 * const isTrustedProxy = createIsTrustedProxy(["10.0.0.0/8"]);
 * isTrustedProxy("10.1.2.3"); // true
 * isTrustedProxy("::ffff:10.1.2.3"); // true
 * isTrustedProxy("203.0.113.7"); // false
 * ```
 */
export function createIsTrustedProxy(trustProxy: string[]): (address: string) => boolean {
  const isTrusted = trustedList(trustProxy);
  return (address) => {
    if (!isTrusted) return false;
    const parsed = readAddress(address);
    return parsed !== null && isTrusted(parsed);
  };
}

/**
 * The check of `trustProxy`'s addresses and blocks, or null when it names
 * none (nobody is trusted). Throws a `TypeError` on an item
 * {@linkcode isTrustProxyItem} refuses.
 */
function trustedList(
  trustProxy: string[],
): ((peer: { address: string; family: Family }) => boolean) | null {
  const trusted = new BlockList();
  const items = trustProxy.flatMap((item) => item === "loopback" ? LOOPBACK : [item]);
  for (const item of items) {
    if (!addTrusted(trusted, item)) {
      throw new TypeError(`TRUST_PROXY: ${JSON.stringify(item)} ${TRUST_PROXY_HELP}`);
    }
  }
  if (items.length === 0) return null;
  return ({ address, family }) => trusted.check(address, family);
}
