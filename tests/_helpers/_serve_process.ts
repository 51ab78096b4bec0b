/**
 * The entry point of {@linkcode startServerProcess}: one Switchboard on
 * `PORT` (0 for any), configured from the environment like `main.ts`, that
 * prints `listening <port>` once it accepts connections.
 */
import { createSwitchboard } from "../../server.ts";

const switchboard = await createSwitchboard();
Deno.serve({
  port: Number(Deno.env.get("PORT") ?? 0),
  hostname: "127.0.0.1",
  onListen: ({ port }) => console.log(`listening ${port}`),
}, switchboard.handler);
