import { deepEqual, equal, match, ok } from "node:assert/strict";
import { h } from "preact";
import { App, type AppOptions } from "../../lib/framework/app.ts";
import { page, type PageProps } from "../../lib/framework/context.ts";
import type { FsManifest } from "../../lib/framework/fs_routes.ts";

const info: Deno.ServeHandlerInfo = {
  remoteAddr: { transport: "tcp", hostname: "127.0.0.1", port: 50000 },
  completed: Promise.resolve(),
};

async function makeRoot(): Promise<URL> {
  const dir = await Deno.makeTempDir({ prefix: "sb-app-" });
  await Deno.mkdir(`${dir}/static/css`, { recursive: true });
  await Deno.writeTextFile(`${dir}/static/css/site.css`, "body{}");
  await Deno.writeTextFile(`${dir}/secret.txt`, "top secret");
  await Deno.mkdir(`${dir}/_build/bundles`, { recursive: true });
  await Deno.writeTextFile(`${dir}/_build/bundles/runtime-abc.js`, 'import "./chunk-p.js";');
  await Deno.writeTextFile(`${dir}/_build/bundles/chunk-p.js`, "export const p = 1;");
  await Deno.writeTextFile(`${dir}/_build/bundles/Counter-def.js`, "export default 1");
  await Deno.writeTextFile(
    `${dir}/_build/manifest.json`,
    JSON.stringify({
      build_id: "b1",
      source_hash: "s",
      runtime: "runtime-abc.js",
      islands: { Counter: "Counter-def.js" },
      imports: { "runtime-abc.js": ["chunk-p.js"], "Counter-def.js": ["chunk-p.js"] },
    }),
  );
  return new URL(`file://${dir}/`);
}

function Counter({ start }: { start: number }) {
  return h("button", null, `count ${start}`);
}

function fixtureManifest(log: string[]): FsManifest {
  return {
    routes: {
      "./routes/_app.tsx": {
        default: ({ Component }: PageProps) =>
          h("html", null, h("head", null), h("body", null, h(Component, null))),
      },
      "./routes/_404.tsx": { default: () => h("h1", null, "nothing here") },
      "./routes/_middleware.ts": {
        handler: (ctx: { next(): Promise<Response> }) => {
          log.push("root");
          return ctx.next();
        },
      },
      "./routes/api/_middleware.ts": {
        handler: (ctx: { next(): Promise<Response> }) => {
          log.push("api");
          return ctx.next();
        },
      },
      "./routes/index.tsx": {
        default: () => h("main", null, h(Counter, { start: 2 })),
      },
      "./routes/plain.tsx": { default: () => h("p", null, "no islands") },
      "./routes/broken.tsx": {
        default: () => h(Counter as never, { start: 1, onClick: () => {} }),
      },
      "./routes/rooms/[room].tsx": {
        handler: { GET: (ctx: { params: { room: string } }) => page({ room: ctx.params.room }) },
        default: ({ data }: PageProps<{ room: string }>) => h("h1", null, `#${data.room}`),
      },
      "./routes/rooms/new.ts": { handler: () => new Response("new room form") },
      "./routes/api/echo.ts": {
        handler: {
          POST: async (ctx: { req: Request }) => new Response(await ctx.req.text()),
        },
      },
    },
    islands: { "./islands/Counter.tsx": { default: Counter } },
  };
}

/** Options as an application passes them: its error body, its API prefix, its log. */
function appOptions(errors: { error: unknown; path: string }[]): Omit<AppOptions, "root"> {
  return {
    apiPrefix: "/api/",
    errorResponse: ({ status, message }) =>
      Response.json({ error: { code: status === 500 ? "internal" : "bad_request", message } }, {
        status,
      }),
    onError: (error, req) => errors.push({ error, path: new URL(req.url).pathname }),
  };
}

async function setup() {
  const log: string[] = [];
  const errors: { error: unknown; path: string }[] = [];
  const root = await makeRoot();
  const app = new App<{ user?: string }>({ root, ...appOptions(errors) })
    .use(async (ctx) => {
      log.push("global");
      ctx.state.user = "ada";
      const response = await ctx.next();
      response.headers.set("x-user", ctx.state.user ?? "");
      return response;
    })
    .get("/hello/:name", (ctx) => new Response(`hello ${ctx.params.name}`))
    .post("/form", () => new Response("posted"))
    .fsRoutes(fixtureManifest(log));
  const handle = app.handler();
  const fetchPath = (path: string, init?: RequestInit) =>
    handle(new Request(`http://localhost${path}`, init), info);
  return { log, errors, fetchPath, root };
}

Deno.test("middleware runs global first, then folder middleware outermost first", async () => {
  const { log, fetchPath } = await setup();
  const response = await fetchPath("/api/echo", { method: "POST", body: "ping" });
  equal(await response.text(), "ping");
  deepEqual(log, ["global", "root", "api"]);
  equal(response.headers.get("x-user"), "ada");
  log.length = 0;
  await (await fetchPath("/plain")).text();
  deepEqual(log, ["global", "root"]);
});

Deno.test("code routes and file routes with params", async () => {
  const { fetchPath } = await setup();
  equal(await (await fetchPath("/hello/grace")).text(), "hello grace");
  const room = await fetchPath("/rooms/general");
  match(await room.text(), /<h1>#general<\/h1>/);
  equal(await (await fetchPath("/rooms/new")).text(), "new room form");
});

Deno.test("wrong method is 405 with Allow, worded by the app; HEAD follows GET", async () => {
  const { fetchPath } = await setup();
  const wrong = await fetchPath("/api/echo");
  equal(wrong.status, 405);
  equal(wrong.headers.get("allow"), "POST");
  deepEqual(await wrong.json(), {
    error: { code: "bad_request", message: "method not allowed" },
  });
  const postToGet = await fetchPath("/hello/x", { method: "POST" });
  equal(postToGet.status, 405);
  await postToGet.body?.cancel();
  const head = await fetchPath("/hello/x", { method: "HEAD" });
  equal(head.status, 200);
  await head.body?.cancel();
});

Deno.test("unknown pages render _404; unknown paths under the API prefix get the app's error", async () => {
  const { fetchPath } = await setup();
  const pageResponse = await fetchPath("/nope");
  equal(pageResponse.status, 404);
  match(await pageResponse.text(), /nothing here/);
  const api = await fetchPath("/api/nope");
  equal(api.status, 404);
  equal((await api.json()).error.code, "bad_request");
});

Deno.test("a page with an island gets its props and only its own bundle", async () => {
  const { fetchPath } = await setup();
  const html = await (await fetchPath("/")).text();
  match(html, /^<!DOCTYPE html><html data-build="b1">/);
  match(
    html,
    /<sb-island data-island="Counter" data-id="0"><button>count 2<\/button><\/sb-island>/,
  );
  match(html, /<script type="application\/json" id="__sb_props">\["{\\"start\\":2}"\]<\/script>/);
  match(
    html,
    /<script type="application\/json" id="__sb_islands">{"Counter":"\/_build\/Counter-def.js"}<\/script>/,
  );
  const preloads = [...html.matchAll(/<link rel="modulepreload" href="([^"]+)">/g)].map((m) =>
    m[1]
  );
  deepEqual(preloads.sort(), [
    "/_build/Counter-def.js",
    "/_build/chunk-p.js",
    "/_build/runtime-abc.js",
  ]);
  match(html, /<script type="module" src="\/_build\/runtime-abc.js"><\/script>/);
  ok(html.indexOf("<script") > html.indexOf("</main>"), "scripts come after the content");
  // Every script is data or a file of this site: nothing inline runs, so script-src 'self' holds.
  for (const tag of html.match(/<script[^>]*>/g) ?? []) {
    ok(/type="application\/json"|src="\//.test(tag), tag);
  }

  const plain = await (await fetchPath("/plain")).text();
  ok(!plain.includes("<script"), "a page without islands loads no JavaScript");
});

Deno.test("a function passed to an island fails the render with a clear error", async () => {
  const { fetchPath, errors } = await setup();
  const response = await fetchPath("/broken");
  equal(response.status, 500);
  deepEqual(await response.json(), {
    error: { code: "internal", message: "internal server error" },
  });
  equal(errors.length, 1, "the app's onError is told");
  equal(errors[0].path, "/broken");
  match(String(errors[0].error), /island "Counter": prop "onClick" is a function/);
});

Deno.test("without options the framework words nothing of an app: plain text, no API paths", async () => {
  const root = await makeRoot();
  const app = new App<unknown>({ root })
    .get("/throws", () => {
      throw new Error("boom");
    })
    .fsRoutes(fixtureManifest([]));
  const fetchPath = (path: string, init?: RequestInit) =>
    app.handler()(new Request(`http://localhost${path}`, init), info);

  const api = await fetchPath("/api/nope");
  equal(api.status, 404);
  match(await api.text(), /nothing here/, "no API prefix: the _404 page");

  const wrong = await fetchPath("/api/echo");
  equal(wrong.status, 405);
  equal(wrong.headers.get("allow"), "POST");
  equal(wrong.headers.get("content-type"), "text/plain; charset=utf-8");
  equal(await wrong.text(), "method not allowed");

  const unsafe = await fetchPath("/..%5csecret.txt");
  equal(unsafe.status, 400);
  equal(await unsafe.text(), "path not allowed");

  const originalError = console.error;
  const logged: unknown[] = [];
  console.error = (error: unknown) => logged.push(error);
  try {
    const failed = await fetchPath("/throws");
    equal(failed.status, 500);
    equal(await failed.text(), "internal server error");
  } finally {
    console.error = originalError;
  }
  equal(logged.length, 1);
  match(String(logged[0]), /boom/, "the default onError is console.error");
});

Deno.test("static files: content type, ETag and 304", async () => {
  const { fetchPath } = await setup();
  const first = await fetchPath("/css/site.css");
  equal(first.status, 200);
  equal(first.headers.get("content-type"), "text/css; charset=utf-8");
  equal(await first.text(), "body{}");
  const etag = first.headers.get("etag");
  ok(etag);
  const second = await fetchPath("/css/site.css", { headers: { "if-none-match": etag } });
  equal(second.status, 304);
  equal(await second.text(), "");
});

Deno.test("build files are immutable; the build manifest is not served", async () => {
  const { fetchPath } = await setup();
  const bundle = await fetchPath("/_build/Counter-def.js");
  equal(bundle.headers.get("cache-control"), "public, max-age=31536000, immutable");
  equal(bundle.headers.get("content-type"), "text/javascript; charset=utf-8");
  await bundle.body?.cancel();
  const manifest = await fetchPath("/_build/manifest.json");
  equal(manifest.status, 404, "the build manifest is not served");
  await manifest.body?.cancel();
});

Deno.test("path traversal never reaches files outside static/", async () => {
  const { fetchPath } = await setup();
  for (
    const path of [
      "/../secret.txt",
      "/%2e%2e/secret.txt",
      "/css/..%2f..%2fsecret.txt",
      "/css/%2e%2e/%2e%2e/secret.txt",
      "/..%5csecret.txt",
      "/css%00/site.css",
    ]
  ) {
    const response = await fetchPath(path);
    const body = await response.text();
    ok(response.status === 400 || response.status === 404, `${path} → ${response.status}`);
    ok(!body.includes("top secret"), `${path} leaked the file`);
  }
});

Deno.test("a WebSocket route refuses plain requests with 400", async () => {
  const root = await makeRoot();
  const app = new App<unknown>({ root, ...appOptions([]) })
    .ws("/ws", { upgrade: () => ({ data: null }) });
  const response = await app.handler()(new Request("http://localhost/ws"), info);
  equal(response.status, 400);
  equal((await response.json()).error.code, "bad_request");
});

Deno.test("a WebSocket route words its 400 as the app words errors: plain text by default", async () => {
  const root = await makeRoot();
  const app = new App<unknown>({ root }).ws("/ws", { upgrade: () => ({ data: null }) });
  const response = await app.handler()(new Request("http://localhost/ws"), info);
  equal(response.status, 400);
  equal(response.headers.get("content-type"), "text/plain; charset=utf-8");
  equal(await response.text(), "expected a WebSocket upgrade");
});
