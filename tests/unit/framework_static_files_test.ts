/**
 * Static files with the build's compressed copies: each request gets the
 * coding it prefers, with its own ETag, `Vary` and a 304 for that ETag.
 */
import { deepEqual, equal, notEqual, ok } from "node:assert/strict";
import { brotliDecompressSync, gunzipSync } from "node:zlib";
import { compress } from "../../lib/framework/encoding.ts";
import { sha256Hex } from "../../lib/framework/files.ts";
import { compressedName, createStaticFiles } from "../../lib/framework/static_files.ts";

const CSS = new TextEncoder().encode("body { color: rebeccapurple; }\n".repeat(100));
const ICON = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]);

async function setup() {
  const dir = await Deno.makeTempDir({ prefix: "sb-static-" });
  await Deno.mkdir(`${dir}/static`);
  await Deno.mkdir(`${dir}/compressed`);
  await Deno.writeFile(`${dir}/static/site.css`, CSS);
  await Deno.writeFile(`${dir}/static/icon.png`, ICON);
  const hash = await sha256Hex(CSS);
  await Deno.writeFile(
    `${dir}/compressed/${compressedName(hash, "br")}`,
    compress(CSS, "br", "build"),
  );
  await Deno.writeFile(
    `${dir}/compressed/${compressedName(hash, "gzip")}`,
    compress(CSS, "gzip", "build"),
  );
  const files = await createStaticFiles(new URL(`file://${dir}/static/`), {
    compressed: new URL(`file://${dir}/compressed/`),
  });
  const get = (path: string, headers: Record<string, string> = {}, method = "GET") =>
    files.serve(new Request(`http://localhost${path}`, { method, headers }), path);
  return { dir, get };
}

async function bodyOf(response: Response): Promise<Uint8Array> {
  return new Uint8Array(await response.arrayBuffer());
}

Deno.test("a text file goes out as br, gzip or as it is, by Accept-Encoding", async () => {
  const { dir, get } = await setup();
  const br = (await get("/site.css", { "accept-encoding": "gzip, deflate, br, zstd" }))!;
  equal(br.headers.get("content-encoding"), "br");
  equal(br.headers.get("vary"), "Accept-Encoding");
  equal(br.headers.get("content-type"), "text/css; charset=utf-8");
  deepEqual(new Uint8Array(brotliDecompressSync(await bodyOf(br))), CSS);

  const gzip = (await get("/site.css", { "accept-encoding": "gzip" }))!;
  equal(gzip.headers.get("content-encoding"), "gzip");
  deepEqual(new Uint8Array(gunzipSync(await bodyOf(gzip))), CSS);

  const asItIs: Record<string, string>[] = [{}, { "accept-encoding": "identity" }, {
    "accept-encoding": "br;q=0",
  }];
  for (const headers of asItIs) {
    const plain = (await get("/site.css", headers))!;
    equal(plain.headers.get("content-encoding"), null, JSON.stringify(headers));
    equal(plain.headers.get("vary"), "Accept-Encoding");
    deepEqual(await bodyOf(plain), CSS);
  }

  const refused = (await get("/site.css", { "accept-encoding": "*;q=0" }))!;
  equal(refused.status, 406);
  await refused.body?.cancel();

  const image = (await get("/icon.png", { "accept-encoding": "br, gzip" }))!;
  equal(image.headers.get("content-encoding"), null, "a PNG has no compressed copy");
  equal(image.headers.get("vary"), null);
  deepEqual(await bodyOf(image), ICON);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("each coding has its own ETag, and If-None-Match answers 304 for that coding only", async () => {
  const { dir, get } = await setup();
  const etags = new Map<string, string>();
  for (const coding of ["br", "gzip", "identity"]) {
    const response = (await get("/site.css", { "accept-encoding": coding }))!;
    etags.set(coding, response.headers.get("etag")!);
    await response.body?.cancel();
  }
  equal(new Set(etags.values()).size, 3, [...etags.values()].join(" "));

  const brAgain = (await get("/site.css", {
    "accept-encoding": "br",
    "if-none-match": etags.get("br")!,
  }))!;
  equal(brAgain.status, 304);
  equal(brAgain.headers.get("etag"), etags.get("br"));
  equal(brAgain.headers.get("vary"), "Accept-Encoding");
  equal(await brAgain.text(), "");

  // The client's cached copy is the gzip one; asking for br gets the br bytes.
  const switched = (await get("/site.css", {
    "accept-encoding": "br",
    "if-none-match": etags.get("gzip")!,
  }))!;
  equal(switched.status, 200);
  equal(switched.headers.get("content-encoding"), "br");
  await switched.body?.cancel();

  for (const ifNoneMatch of [`W/${etags.get("gzip")}`, `"other", ${etags.get("gzip")}`, "*"]) {
    const response = (await get("/site.css", {
      "accept-encoding": "gzip",
      "if-none-match": ifNoneMatch,
    }))!;
    equal(response.status, 304, ifNoneMatch);
  }

  const head = (await get("/site.css", { "accept-encoding": "br" }, "HEAD"))!;
  equal(head.status, 200);
  equal(head.headers.get("content-encoding"), "br");
  equal(head.body, null);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("a compressed copy stands only for the bytes it was made from", async () => {
  const { dir } = await setup();
  // The file changes after the build: its old copies are named by the old bytes' hash.
  const edited = new TextEncoder().encode("body { color: teal; }\n".repeat(100));
  await Deno.writeFile(`${dir}/static/site.css`, edited);
  const files = await createStaticFiles(new URL(`file://${dir}/static/`), {
    compressed: new URL(`file://${dir}/compressed/`),
  });
  const request = new Request("http://localhost/site.css", {
    headers: { "accept-encoding": "br, gzip" },
  });
  const response = (await files.serve(request, "/site.css"))!;
  equal(response.headers.get("content-encoding"), null);
  deepEqual(await bodyOf(response), edited);
  notEqual(response.headers.get("etag"), null);
  ok(!(await files.serve(new Request("http://localhost/x.css"), "/x.css")));
  await Deno.remove(dir, { recursive: true });
});
