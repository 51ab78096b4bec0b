/**
 * The handshake refusals in a real browser. Under the guarded server a socket
 * refused with a close code never becomes a WebSocket: the server writes the
 * 101 and the close frame on the raw connection itself. Chromium must accept
 * that handshake and report the code and reason, as it did when Deno's
 * WebSocket sent them, or the client could not tell a bad token (refresh)
 * from a connection limit (wait).
 */
import { deepEqual } from "node:assert/strict";
import { browserTest } from "../_helpers/browser.ts";
import { openSocket } from "../_helpers/socket.ts";
import type { TestServer } from "../_helpers/server.ts";
import { BEARER_PROTOCOL_PREFIX, PROTOCOL } from "../../lib/protocol/version.ts";

async function bearer(server: TestServer, name: string): Promise<string> {
  const user = { id: `user:${name}`, name, role: "user" } as const;
  return BEARER_PROTOCOL_PREFIX + (await server.services.tokens.sign(user)).token;
}

/** What the page's WebSocket saw: whether it opened, its protocol, and its close. */
interface Seen {
  opened: boolean;
  protocol: string;
  code: number;
  reason: string;
}

const OPEN_AND_WAIT_FOR_CLOSE = `([url, protocols]) => new Promise((resolve) => {
  const socket = new WebSocket(url, protocols);
  let opened = false;
  socket.onopen = () => { opened = true; };
  socket.onclose = (event) =>
    resolve({ opened, protocol: socket.protocol, code: event.code, reason: event.reason });
})`;

browserTest(
  "browser: refused sockets open and close with 4400, 4401, 4409 and 4429 and their reasons",
  async ({ server, browser }) => {
    // ada holds her one session; with bob the address holds its two.
    await using ada = await openSocket(server.wsUrl, {
      protocols: [PROTOCOL, await bearer(server, "ada")],
    });
    await ada.nextOf("hello");
    await using bob = await openSocket(server.wsUrl, {
      protocols: [PROTOCOL, await bearer(server, "bob")],
    });
    await bob.nextOf("hello");

    const page = await browser.newPage();
    await page.goto(`${server.origin}/login`);
    const cases: [string[], Seen][] = [
      [["switchboard.v9"], {
        opened: true,
        protocol: "switchboard.v9",
        code: 4400,
        reason: `offer subprotocol ${PROTOCOL}`,
      }],
      [[PROTOCOL], { opened: true, protocol: PROTOCOL, code: 4401, reason: "token missing" }],
      [[PROTOCOL, await bearer(server, "ada")], {
        opened: true,
        protocol: PROTOCOL,
        code: 4409,
        reason: "too many connections for this user",
      }],
      [[PROTOCOL, await bearer(server, "cyd")], {
        opened: true,
        protocol: PROTOCOL,
        code: 4429,
        reason: "too many connections from this address",
      }],
    ];
    for (const [protocols, expected] of cases) {
      const seen = await page.evaluate(
        `(${OPEN_AND_WAIT_FOR_CLOSE})(${JSON.stringify([server.wsUrl, protocols])})`,
      );
      deepEqual(seen, expected);
    }
  },
  {
    server: {
      env: {
        MAX_CONNECTIONS_PER_USER: "1",
        MAX_CONNECTIONS_PER_ADDRESS: "2",
        // The page's own connections come from the same address: only sessions are counted low.
        MAX_TCP_CONNECTIONS_PER_ADDRESS: "100",
      },
    },
  },
);
