import { deepEqual, equal, ok } from "node:assert/strict";
import { App } from "../../lib/framework/app.ts";
import type { WsHandlers } from "../../lib/framework/ws.ts";

/** Serves one WebSocket route on 127.0.0.1 port 0. */
function serve(handlers: WsHandlers<unknown, { name: string }>) {
  const root = new URL("./", import.meta.url);
  const app = new App<unknown>({ root }).ws("/ws", handlers);
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen: () => {} }, app.handler());
  return {
    url: `ws://127.0.0.1:${server.addr.port}/ws`,
    [Symbol.asyncDispose]: () => server.shutdown(),
  };
}

/** Opens a client socket; resolves once open, with its messages and its close event. */
async function connect(url: string) {
  const socket = new WebSocket(url);
  const messages: string[] = [];
  const arrived = new Set<() => void>();
  socket.onmessage = (event) => {
    messages.push(String(event.data));
    for (const wake of arrived) wake();
  };
  const closed = new Promise<CloseEvent>((resolve) => socket.onclose = resolve);
  await new Promise((resolve) => socket.onopen = resolve);
  return {
    socket,
    closed,
    async reply(text: string): Promise<string> {
      const count = messages.length;
      socket.send(text);
      while (messages.length === count) await new Promise<void>((wake) => arrived.add(wake));
      return messages[count];
    },
  };
}

Deno.test("a handler that throws or rejects closes its own socket with 1011; others are served", async () => {
  const failures: { error: string; name: string }[] = [];
  await using server = serve({
    upgrade: (ctx) => ({ data: { name: ctx.url.searchParams.get("name") ?? "" } }),
    message(socket, event) {
      if (event.data === "throw") throw new Error("thrown in message");
      if (event.data === "reject") return Promise.reject(new Error("rejected")) as unknown as void;
      socket.send(`echo ${event.data}`);
    },
    failed(_socket, error, data) {
      failures.push({ error: (error as Error).message, name: data.name });
    },
  });
  const bystander = await connect(`${server.url}?name=bystander`);
  for (const [trigger, message] of [["throw", "thrown in message"], ["reject", "rejected"]]) {
    const victim = await connect(`${server.url}?name=${trigger}`);
    victim.socket.send(trigger);
    const closed = await victim.closed;
    equal(closed.code, 1011);
    deepEqual(failures.at(-1), { error: message, name: trigger });
    equal(await bystander.reply("still there?"), "echo still there?");
  }
  bystander.socket.close();
  await bystander.closed;
});

Deno.test("without a failed hook the error goes to console.error, and the socket still closes", async () => {
  const logged: unknown[][] = [];
  const original = console.error;
  console.error = (...args: unknown[]) => void logged.push(args);
  try {
    await using server = serve({
      upgrade: () => ({ data: { name: "" } }),
      open() {
        throw new Error("thrown in open");
      },
    });
    const client = await connect(server.url);
    equal((await client.closed).code, 1011);
  } finally {
    console.error = original;
  }
  ok(logged.some((args) => args.some((arg) => String(arg).includes("thrown in open"))));
});
