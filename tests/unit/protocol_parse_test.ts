import { deepEqual, equal, ok } from "node:assert/strict";
import { MAX_FRAME_DEPTH, parseClientFrame } from "../../lib/protocol/parse.ts";
import { readServerFrame } from "../../lib/protocol/guards.ts";

/** A ping whose `x` holds `levels` arrays nested in each other (the frame is one level more). */
function pingNested(levels: number): string {
  return `{"type":"ping","t":1,"ref":"r","x":${"[".repeat(levels)}${"]".repeat(levels)}}`;
}

Deno.test("parse: nesting up to 32 levels passes; one more is refused with the path to it", () => {
  equal(MAX_FRAME_DEPTH, 32);
  deepEqual(parseClientFrame(pingNested(MAX_FRAME_DEPTH - 1)), {
    ok: true,
    frame: { type: "ping", t: 1, ref: "r" },
  });
  const refused = parseClientFrame(pingNested(MAX_FRAME_DEPTH));
  ok(!refused.ok);
  const field = ["x", ...Array(MAX_FRAME_DEPTH - 1).fill("0")].join(".");
  deepEqual(refused.error, {
    field,
    message: `${field}: nested deeper than 32 levels`,
    ref: "r",
  });
});

Deno.test("parse: a frame nested 600 000 deep is refused without exhausting the stack", () => {
  const result = parseClientFrame(pingNested(600_000));
  ok(!result.ok && result.error.message.endsWith("nested deeper than 32 levels"));
  const objects = `{"type":"ping","t":1,"x":${'{"a":'.repeat(100_000)}1${"}".repeat(100_000)}}`;
  const deepObjects = parseClientFrame(objects);
  ok(!deepObjects.ok && deepObjects.error.field.startsWith("x.a.a"));
});

Deno.test("parse: a forbidden key is found at any depth, in arrays too, first in document order", () => {
  const cases: [string, string][] = [
    ['{"type":"ping","t":1,"a":{"b":[{"constructor":1}]}}', "a.b.0.constructor"],
    [
      '{"type":"ping","t":1,"a":[1,{"z":2}],"b":{"prototype":1},"c":{"__proto__":1}}',
      "b.prototype",
    ],
    ['{"type":"ping","t":1,"a":{"b":{"c":1}},"__proto__":{}}', "__proto__"],
  ];
  for (const [text, field] of cases) {
    deepEqual(parseClientFrame(text), {
      ok: false,
      error: { field, message: `${field}: this key is not allowed`, ref: undefined },
    });
  }
});

Deno.test("the client's reader walks only what the contract declares: a deep extra field is left unread", () => {
  const deep = `{"type":"pong","t":1,"extra":${"[".repeat(50_000)}${"]".repeat(50_000)}}`;
  const read = readServerFrame(deep);
  ok(read.ok && read.frame.type === "pong");
  const inMessages = `{"type":"history","room":"general","more":false,"messages":[${
    "[".repeat(50_000)
  }${"]".repeat(50_000)}]}`;
  const refused = readServerFrame(inMessages);
  ok(!refused.ok && refused.error.field === "messages.0");
});
