import { deepEqual, equal } from "node:assert/strict";
import { encodeFrame, Opcode, parseFrameHeader, unmask } from "../../lib/framework/ws_frame.ts";
import { MessageReader } from "../../lib/framework/ws_message_reader.ts";

/** A client frame as a client would write it: masked (unless told not to), FIN unless told not to. */
function clientFrame(
  opcode: number,
  payload: Uint8Array | string,
  { fin = true, masked = true, rsv = 0, mask = [0x37, 0xfa, 0x21, 0x3d] } = {},
): Uint8Array {
  const bytes = typeof payload === "string" ? new TextEncoder().encode(payload) : payload;
  const length = bytes.length;
  const extended = length < 126 ? 0 : length < 0x1_0000 ? 2 : 8;
  const header = new Uint8Array(2 + extended + (masked ? 4 : 0));
  header[0] = (fin ? 0x80 : 0) | (rsv << 4) | opcode;
  header[1] = (masked ? 0x80 : 0) | (extended === 0 ? length : extended === 2 ? 126 : 127);
  if (extended === 2) new DataView(header.buffer).setUint16(2, length);
  if (extended === 8) new DataView(header.buffer).setBigUint64(2, BigInt(length));
  const frame = new Uint8Array(header.length + length);
  frame.set(header);
  if (masked) frame.set(mask, 2 + extended);
  for (let index = 0; index < length; index++) {
    frame[header.length + index] = bytes[index] ^ (masked ? mask[index & 3] : 0);
  }
  return frame;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const whole = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of parts) {
    whole.set(part, at);
    at += part.length;
  }
  return whole;
}

/** Everything a reader reports, as lines. */
function readAll(chunks: Uint8Array[], maxMessageBytes = 1 << 20): string[] {
  const seen: string[] = [];
  const reader = new MessageReader(maxMessageBytes, {
    text: (text) => seen.push(`text ${text.length} ${text.slice(0, 20)}`),
    binary: (data) => seen.push(`binary ${data.byteLength} ${new Uint8Array(data).slice(0, 4)}`),
    ping: (payload) => seen.push(`ping ${new TextDecoder().decode(payload)}`),
    pong: (payload) => seen.push(`pong ${payload.length}`),
    close: (code, reason) => seen.push(`close ${code} ${reason}`),
    fail: (code, reason) => seen.push(`fail ${code} ${reason}`),
  });
  for (const chunk of chunks) reader.push(chunk);
  return seen;
}

/** A payload of `length` bytes that shows where it was cut or mis-unmasked. */
function countingBytes(length: number): Uint8Array {
  return Uint8Array.from({ length }, (_, index) => 0x61 + (index % 26));
}

Deno.test("a header announces lengths 0, 125, 126, 65535, 65536 and 2^32 + 1 exactly", () => {
  for (
    const [length, headerLength] of [[0, 6], [125, 6], [126, 8], [65_535, 8], [65_536, 14]]
  ) {
    const header = parseFrameHeader(clientFrame(Opcode.BINARY, new Uint8Array(length)));
    equal(header.kind, "header");
    if (header.kind !== "header") continue;
    equal(header.payloadLength, length);
    equal(header.headerLength, headerLength);
    equal(header.opcode, Opcode.BINARY);
    equal(header.fin, true);
  }
  const huge = new Uint8Array([0x82, 0xff, 0, 0, 0, 1, 0, 0, 0, 1, 1, 2, 3, 4]);
  const header = parseFrameHeader(huge);
  equal(header.kind === "header" && header.payloadLength, 2 ** 32 + 1);
});

Deno.test("a header is incomplete until its last mask byte, whatever its length form", () => {
  for (const length of [5, 300, 70_000]) {
    const frame = clientFrame(Opcode.TEXT, new Uint8Array(length));
    const whole = parseFrameHeader(frame);
    if (whole.kind !== "header") throw new Error("expected a header");
    for (let cut = 0; cut < whole.headerLength; cut++) {
      equal(parseFrameHeader(frame.subarray(0, cut)).kind, "incomplete", `cut at ${cut}`);
    }
    equal(parseFrameHeader(frame.subarray(0, whole.headerLength)).kind, "header");
  }
});

Deno.test("headers no payload can fix are refused with 1002", () => {
  const cases: [string, Uint8Array][] = [
    [
      "a 64-bit length with its top bit set",
      new Uint8Array([0x82, 0xff, 0x80, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0]),
    ],
    [
      "the top bit alone",
      new Uint8Array([0x82, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]),
    ],
    ["RSV1 (no compression was negotiated)", clientFrame(Opcode.TEXT, "x", { rsv: 4 })],
    ["RSV2", clientFrame(Opcode.TEXT, "x", { rsv: 2 })],
    ["RSV3", clientFrame(Opcode.TEXT, "x", { rsv: 1 })],
    ["an unmasked client frame", clientFrame(Opcode.TEXT, "x", { masked: false })],
    ["opcode 3", clientFrame(0x3, "x")],
    ["opcode 0xb", clientFrame(0xb, "x")],
    ["a ping of 126 bytes", clientFrame(Opcode.PING, new Uint8Array(126))],
    ["a fragmented ping", clientFrame(Opcode.PING, "x", { fin: false })],
    ["a fragmented close", clientFrame(Opcode.CLOSE, new Uint8Array([3, 232]), { fin: false })],
  ];
  for (const [what, frame] of cases) {
    const header = parseFrameHeader(frame);
    equal(header.kind === "error" && header.code, 1002, what);
    deepEqual(readAll([frame]).map((line) => line.slice(0, 9)), ["fail 1002"], what);
  }
});

Deno.test("unmasking a word at a time equals unmasking byte by byte, at every length and start", () => {
  const mask = [0x12, 0x34, 0x56, 0x78];
  const maskWord = mask[0] | (mask[1] << 8) | (mask[2] << 16) | (mask[3] << 24);
  for (let length = 0; length < 40; length++) {
    for (const start of [0, 1, 2, 3, 4, 7]) {
      const plain = countingBytes(length);
      const masked = plain.map((byte, index) => byte ^ mask[(start + index) & 3]);
      unmask(masked, maskWord, start);
      deepEqual(masked, plain, `length ${length} from ${start}`);
    }
  }
});

Deno.test("server frames: unmasked, FIN, lengths in the 7-, 16- and 64-bit forms", () => {
  for (
    const [length, header] of [[0, [0x81, 0]], [125, [0x81, 125]], [126, [0x81, 126, 0, 126]], [
      65_535,
      [0x81, 126, 0xff, 0xff],
    ], [65_536, [0x81, 127, 0, 0, 0, 0, 0, 1, 0, 0]]] as const
  ) {
    const frame = encodeFrame(Opcode.TEXT, countingBytes(length));
    deepEqual([...frame.subarray(0, header.length)], [...header], `length ${length}`);
    equal(frame.length, header.length + length);
    deepEqual(frame.subarray(header.length), countingBytes(length));
  }
});

/** A stream of client frames of every kind, and what reading it reports. */
function corpus(): { stream: Uint8Array; expected: string[] } {
  const euro = new TextEncoder().encode("€"); // three bytes, split across fragments below
  const frames = [
    clientFrame(Opcode.TEXT, "hello"),
    clientFrame(Opcode.TEXT, ""),
    clientFrame(Opcode.BINARY, countingBytes(125)),
    clientFrame(Opcode.BINARY, countingBytes(126)),
    clientFrame(Opcode.TEXT, "a".repeat(65_535)),
    clientFrame(Opcode.BINARY, countingBytes(65_536)),
    clientFrame(Opcode.TEXT, concat(new TextEncoder().encode("pay "), euro.subarray(0, 1)), {
      fin: false,
    }),
    clientFrame(Opcode.PING, "between"),
    clientFrame(Opcode.CONTINUATION, euro.subarray(1, 2), { fin: false }),
    clientFrame(Opcode.CONTINUATION, new Uint8Array(0), { fin: false }),
    clientFrame(Opcode.CONTINUATION, concat(euro.subarray(2), new TextEncoder().encode("5"))),
    clientFrame(Opcode.PONG, "p"),
    clientFrame(
      Opcode.CLOSE,
      concat(new Uint8Array([0x0f, 0xa0]), new TextEncoder().encode("bye")),
    ),
    clientFrame(Opcode.TEXT, "after the close: ignored"),
  ];
  return {
    stream: concat(...frames),
    expected: [
      "text 5 hello",
      "text 0 ",
      "binary 125 97,98,99,100",
      "binary 126 97,98,99,100",
      `text 65535 ${"a".repeat(20)}`,
      "binary 65536 97,98,99,100",
      "ping between",
      "text 6 pay €5",
      "pong 1",
      "close 4000 bye",
    ],
  };
}

Deno.test("the corpus reads the same whole, cut in two at every byte, and byte by byte", () => {
  const { stream, expected } = corpus();
  deepEqual(readAll([stream]), expected);
  // Every cut in the headers and the small frames; the big payloads are cut every 997 bytes.
  for (let cut = 0; cut <= stream.length; cut += cut < 700 || cut > stream.length - 700 ? 1 : 997) {
    deepEqual(readAll([stream.subarray(0, cut), stream.subarray(cut)]), expected, `cut at ${cut}`);
  }
  const bytes = Array.from(
    { length: stream.length },
    (_, index) => stream.subarray(index, index + 1),
  );
  deepEqual(readAll(bytes), expected);
});

Deno.test("a message announced over the bound fails with 1009 before a byte of its payload", () => {
  const header = clientFrame(Opcode.TEXT, new Uint8Array(50 * 1024 * 1024)).subarray(0, 14);
  deepEqual(readAll([header], 65_536), ["fail 1009 message too big"]);
  // The bound itself is allowed.
  deepEqual(readAll([clientFrame(Opcode.BINARY, new Uint8Array(65_536))], 65_536).length, 1);
});

Deno.test("fragments whose sum passes the bound fail with 1009 at the header that passes it", () => {
  const fragment = clientFrame(Opcode.TEXT, "a".repeat(30_000), { fin: false });
  const more = clientFrame(Opcode.CONTINUATION, "a".repeat(30_000), { fin: false });
  const tooMuch = clientFrame(Opcode.CONTINUATION, "a".repeat(10_000)).subarray(0, 8);
  deepEqual(readAll([fragment, more, tooMuch], 65_536), ["fail 1009 message too big"]);
  const fits = clientFrame(Opcode.CONTINUATION, "a".repeat(5_536));
  deepEqual(readAll([fragment, more, fits], 65_536), [`text 65536 ${"a".repeat(20)}`]);
});

Deno.test("breaches of the message structure fail with 1002, bad UTF-8 with 1007", () => {
  const cases: [string, Uint8Array[], string][] = [
    [
      "a continuation with nothing to continue",
      [clientFrame(Opcode.CONTINUATION, "x")],
      "fail 1002",
    ],
    ["a new text inside a fragmented one", [
      clientFrame(Opcode.TEXT, "x", { fin: false }),
      clientFrame(Opcode.TEXT, "y"),
    ], "fail 1002"],
    ["invalid UTF-8", [clientFrame(Opcode.TEXT, new Uint8Array([0x61, 0xff, 0x62]))], "fail 1007"],
    [
      "a surrogate encoded in UTF-8",
      [clientFrame(Opcode.TEXT, new Uint8Array([0xed, 0xa0, 0x80]))],
      "fail 1007",
    ],
    ["a truncated character at the end of a message", [
      clientFrame(Opcode.TEXT, new Uint8Array([0x61, 0xe2, 0x82])),
    ], "fail 1007"],
    [
      "a close with a 1-byte payload",
      [clientFrame(Opcode.CLOSE, new Uint8Array([3]))],
      "fail 1002",
    ],
    ["a close with code 1005", [clientFrame(Opcode.CLOSE, new Uint8Array([3, 0xed]))], "fail 1002"],
    ["a close with code 999", [clientFrame(Opcode.CLOSE, new Uint8Array([3, 0xe7]))], "fail 1002"],
    ["a close reason that is not UTF-8", [
      clientFrame(Opcode.CLOSE, new Uint8Array([3, 0xe8, 0xff])),
    ], "fail 1007"],
  ];
  for (const [what, frames, failure] of cases) {
    deepEqual(readAll(frames).map((line) => line.slice(0, 9)), [failure], what);
  }
  deepEqual(readAll([clientFrame(Opcode.CLOSE, new Uint8Array(0))]), ["close 1005 "]);
});

Deno.test("a reader says when a message is under way and counts the ones completed", () => {
  const reader = new MessageReader(1 << 20, {
    text: () => {},
    binary: () => {},
    ping: () => {},
    pong: () => {},
    close: () => {},
    fail: () => {},
  });
  const frame = clientFrame(Opcode.TEXT, "a".repeat(1000));
  reader.push(frame.subarray(0, 1));
  equal(reader.inMessage, true, "one header byte");
  reader.push(frame.subarray(1, 500));
  equal(reader.inMessage, true);
  reader.push(frame.subarray(500));
  equal(reader.inMessage, false);
  equal(reader.completed, 1);
  reader.push(clientFrame(Opcode.TEXT, "x", { fin: false }));
  reader.push(clientFrame(Opcode.PING, ""));
  equal(reader.inMessage, true, "between fragments, a ping does not end the message");
  equal(reader.completed, 1);
  reader.push(clientFrame(Opcode.CONTINUATION, "y"));
  equal(reader.completed, 2);
  reader.push(clientFrame(Opcode.PING, ""));
  equal(reader.completed, 3, "a ping outside a message counts");
});
