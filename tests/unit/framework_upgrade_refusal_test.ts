import { deepEqual, equal } from "node:assert/strict";
import { fitCloseReason } from "../../lib/framework/close_handshake.ts";
import { encodeCloseFrame as closeFrame } from "../../lib/framework/ws_frame.ts";
import { webSocketAccept } from "../../lib/framework/ws_handshake.ts";

Deno.test("Sec-WebSocket-Accept is RFC 6455's example for its example key", () => {
  equal(webSocketAccept("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
});

Deno.test("a close frame is unmasked, FIN + opcode 8, with the code big-endian and the reason", () => {
  deepEqual([...closeFrame(4401, "no")], [0x88, 4, 0x11, 0x31, 0x6e, 0x6f]);
  deepEqual([...closeFrame(1000, "")], [0x88, 2, 0x03, 0xe8]);
});

Deno.test("a close reason is cut to 123 bytes of UTF-8, never inside a character", () => {
  equal(fitCloseReason("short"), "short");
  equal(fitCloseReason("a".repeat(200)), "a".repeat(123));
  // 61 two-byte characters are 122 bytes; the 62nd would make 124.
  equal(fitCloseReason("é".repeat(100)), "é".repeat(61));
  equal(closeFrame(4400, "€".repeat(100))[1], 2 + 123, "41 three-byte characters");
});
