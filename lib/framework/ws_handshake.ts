/**
 * The server's side of the WebSocket opening handshake (RFC 6455, 4.2), for
 * upgrades answered on the raw socket of the guarded server: by a refusal
 * (`upgrade_refusal.ts`) or by the framework's own WebSocket
 * (`own_web_socket.ts`).
 *
 * No extension is offered back: a client asking for `permessage-deflate`
 * gets plain frames, as from Deno's own `Deno.upgradeWebSocket`.
 *
 * @example
 * ```ts
 * socket.write(switchingProtocolsHead({ key, offered, head }, "switchboard.v1"));
 * ```
 */
import { createHash } from "node:crypto";
import { offeredProtocols } from "./socket_handover.ts";

/** What the handshake needs from the upgrade request. */
export interface UpgradeHandshake {
  /** `Sec-WebSocket-Key`. */
  key: string | undefined;
  /** `Sec-WebSocket-Protocol`, as the client sent it. */
  offered: string | undefined;
  /** Bytes that came behind the request head (the client's first frames, if it did not wait). */
  head: Uint8Array;
}

/** The GUID RFC 6455 (section 1.3) appends to the key for `Sec-WebSocket-Accept`. */
const WEBSOCKET_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/** The `Sec-WebSocket-Accept` answering `key`. */
export function webSocketAccept(key: string): string {
  return createHash("sha1").update(key + WEBSOCKET_GUID).digest("base64");
}

/**
 * The `101 Switching Protocols` head accepting `handshake`, selecting
 * `protocol`. Throws when the request cannot be upgraded (no key, or a
 * protocol it did not offer), as `Deno.upgradeWebSocket` does.
 */
export function switchingProtocolsHead(handshake: UpgradeHandshake, protocol?: string): string {
  if (!handshake.key) {
    throw new TypeError("Invalid Header: 'sec-websocket-key' header must be set");
  }
  if (protocol !== undefined && !offeredProtocols(handshake.offered).includes(protocol)) {
    throw new TypeError(`Protocol '${protocol}' not in the request's protocol list`);
  }
  return [
    "HTTP/1.1 101 Switching Protocols",
    "upgrade: websocket",
    "connection: Upgrade",
    `sec-websocket-accept: ${webSocketAccept(handshake.key)}`,
    ...(protocol === undefined ? [] : [`sec-websocket-protocol: ${protocol}`]),
    "",
    "",
  ].join("\r\n");
}
