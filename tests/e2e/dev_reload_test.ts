import { match } from "node:assert/strict";
import { browserReady, launchBrowser } from "../_helpers/browser.ts";

const root = new URL("../../", import.meta.url);
const PROJECT_ENTRIES = [
  "deno.json",
  "deno.lock",
  "main.ts",
  "dev.ts",
  "server.ts",
  "utils.ts",
  "manifest.gen.ts",
  "routes",
  "islands",
  "components",
  "lib",
  "static",
];

async function copyProject(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "sb-dev-" });
  const paths = PROJECT_ENTRIES.map((entry) => new URL(entry, root).pathname);
  const copy = await new Deno.Command("cp", { args: ["-r", ...paths, dir] }).output();
  if (!copy.success) throw new Error(new TextDecoder().decode(copy.stderr));
  return dir;
}

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr;
  listener.close();
  return port;
}

/** Collects a child's output and resolves when it has said "Listening on" `n` times. */
function watchOutput(streams: ReadableStream<Uint8Array<ArrayBuffer>>[]) {
  let text = "";
  let waiters: { count: number; resolve: () => void }[] = [];
  const listens = () => text.split("Listening on").length - 1;
  const done = Promise.all(
    streams.map((stream) =>
      stream.pipeThrough(new TextDecoderStream()).pipeTo(
        new WritableStream({
          write(chunk) {
            text += chunk;
            waiters = waiters.filter((waiter) => {
              if (listens() < waiter.count) return true;
              waiter.resolve();
              return false;
            });
          },
        }),
      )
    ),
  );
  return {
    done,
    output: () => text,
    listening: (count: number) =>
      new Promise<void>((resolve) => {
        if (listens() >= count) resolve();
        else waiters.push({ count, resolve });
      }),
  };
}

Deno.test({
  name: "browser: `deno task dev` reloads the page after an island file changes",
  ignore: !browserReady(),
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const dir = await copyProject();
    const port = freePort();
    const dev = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "dev.ts"],
      cwd: dir,
      env: { PORT: String(port), KV_PATH: `${dir}/data/kv`, LOG_LEVEL: "error" },
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const output = watchOutput([dev.stdout, dev.stderr]);
    try {
      await output.listening(1);
      await using browser = await launchBrowser();
      const page = await browser.newPage();
      const reloadChannel = page.waitForResponse((response) =>
        response.url().endsWith("/_dev/reload")
      );
      // The chat page needs a session; the refresh cookie lives in the KV file, across restarts.
      await page.request.post(`http://127.0.0.1:${port}/api/register`, {
        data: { name: "ada", password: "correct horse battery" },
      });
      await page.goto(`http://127.0.0.1:${port}/`);
      await page.locator("button.badge[data-state=open]").waitFor();
      await reloadChannel;

      const island = `${dir}/islands/ConnectionBadge.tsx`;
      const source = await Deno.readTextFile(island);
      const oldBundle = await page.evaluate(() =>
        document.getElementById("__sb_islands")?.textContent?.match(/ConnectionBadge-\w+/)?.[0]
      );
      // The reloaded page fetches the rebuilt island under its new content hash.
      const newBundle = page.waitForRequest(
        (request) =>
          request.url().includes("/_build/ConnectionBadge-") && !request.url().includes(oldBundle!),
        { timeout: 30_000 },
      );
      await Deno.writeTextFile(island, source.replace("page rendered", "page was rebuilt at"));
      await newBundle;
      await page.waitForLoadState("load");

      await page.locator("button.badge[data-state=open]").click();
      match(await page.locator(".badge-detail").innerText(), /page was rebuilt at/);
    } finally {
      dev.kill("SIGTERM");
      await dev.status;
      await output.done;
      await Deno.remove(dir, { recursive: true });
    }
  },
});
