import { deepEqual, equal } from "node:assert/strict";
import { brotliDecompressSync, gunzipSync } from "node:zlib";
import { compress, isCompressibleType, negotiateEncoding } from "../../lib/framework/encoding.ts";

const BOTH = ["br", "gzip"] as const;

Deno.test("Accept-Encoding: the highest q-value wins, then br, gzip, identity", () => {
  const cases: [string | null, readonly ("br" | "gzip")[], string | null][] = [
    // No header: the bytes as they are (RFC 9110 §12.5.3 lets the server choose).
    [null, BOTH, "identity"],
    // An empty value accepts identity only.
    ["", BOTH, "identity"],
    ["gzip, deflate, br, zstd", BOTH, "br"],
    ["gzip, deflate", BOTH, "gzip"],
    ["gzip;q=1.0, br;q=0.5", BOTH, "gzip"],
    ["GZIP;Q=0.9, Br;q=0.8", BOTH, "gzip"],
    ["x-gzip", BOTH, "gzip"],
    ["br", ["gzip"], "identity"],
    ["identity", BOTH, "identity"],
    ["br;q=0, *", BOTH, "gzip"],
    ["*", BOTH, "br"],
    ["*;q=0.5, identity", BOTH, "identity"],
    // identity refused: a coding if one is there, else nothing is acceptable.
    ["identity;q=0", BOTH, null],
    ["identity;q=0, gzip", BOTH, "gzip"],
    ["*;q=0", BOTH, null],
    ["*;q=0", [], null],
    ["*;q=0, identity", BOTH, "identity"],
    ["gzip;q=0", ["gzip"], "identity"],
    // A q-value outside the grammar makes its item unreadable: skipped.
    ["br;q=2, gzip", BOTH, "gzip"],
    ["br;q=0.5000, gzip;q=0.1", BOTH, "gzip"],
    ["br;q=abc", BOTH, "identity"],
    ["deflate, compress", BOTH, "identity"],
    [" , ;q=1, br ;  q = 0.7 ", BOTH, "br"],
  ];
  for (const [header, available, expected] of cases) {
    equal(negotiateEncoding(header, available), expected, `${header} of ${available}`);
  }
});

Deno.test("compress gives bytes that decompress to the input, smaller for text", () => {
  const text = new TextEncoder().encode("<p>switchboard</p>".repeat(200));
  for (const effort of ["build", "response"] as const) {
    const br = compress(text, "br", effort);
    const gzip = compress(text, "gzip", effort);
    deepEqual(new Uint8Array(brotliDecompressSync(br)), text);
    deepEqual(new Uint8Array(gunzipSync(gzip)), text);
    equal(br.length < text.length / 10, true, `${effort} br: ${br.length}`);
    equal(gzip.length < text.length / 10, true, `${effort} gzip: ${gzip.length}`);
  }
});

Deno.test("text types are compressible; images and the event stream are not", () => {
  for (
    const type of ["text/html; charset=utf-8", "application/json", "text/css", "image/svg+xml"]
  ) {
    equal(isCompressibleType(type), true, type);
  }
  for (const type of ["image/png", "font/woff2", "text/event-stream", null]) {
    equal(isCompressibleType(type), false, String(type));
  }
});
