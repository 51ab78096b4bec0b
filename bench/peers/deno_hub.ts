/**
 * The floor: a bare `Deno.upgradeWebSocket` broadcast hub speaking the bench's
 * peer protocol, with no auth, validation or persistence. Switchboard is
 * measured against it. Run with `deno serve -A --port P bench/peers/deno_hub.ts`.
 *
 * Under `deno serve --parallel` each isolate holds only its own sockets, so with
 * `BENCH_HUB_RELAY=1` publications are relayed to the other isolates over a
 * `BroadcastChannel`, the built-in a multi-isolate hub would use.
 *
 * @example
 * ```ts
 * // {"t":"join","room":"a"} → {"t":"joined","room":"a"}
 * // {"t":"pub","room":"a","body":"hi"} → {"t":"msg","room":"a","body":"hi"} to every member
 * ```
 */

const rooms = new Map<string, Set<WebSocket>>();
const relay = Deno.env.get("BENCH_HUB_RELAY") === "1" ? new BroadcastChannel("bench-hub") : null;

function deliver(room: string, frame: string) {
  for (const socket of rooms.get(room) ?? []) {
    if (socket.readyState === WebSocket.OPEN) socket.send(frame);
  }
}

if (relay) {
  relay.onmessage = (event: MessageEvent<{ room: string; frame: string }>) =>
    deliver(event.data.room, event.data.frame);
}

function onMessage(socket: WebSocket, joined: Set<string>, data: unknown) {
  if (typeof data !== "string") return;
  let request: { t?: unknown; room?: unknown; body?: unknown };
  try {
    request = JSON.parse(data);
  } catch {
    return;
  }
  if (typeof request.room !== "string") return;
  if (request.t === "join") {
    let members = rooms.get(request.room);
    if (!members) rooms.set(request.room, members = new Set());
    members.add(socket);
    joined.add(request.room);
    socket.send(JSON.stringify({ t: "joined", room: request.room }));
  } else if (request.t === "pub" && typeof request.body === "string") {
    // Serialized once, sent to every member.
    const frame = JSON.stringify({ t: "msg", room: request.room, body: request.body });
    deliver(request.room, frame);
    relay?.postMessage({ room: request.room, frame });
  }
}

function onClose(socket: WebSocket, joined: Set<string>) {
  for (const room of joined) {
    const members = rooms.get(room);
    members?.delete(socket);
    if (members?.size === 0) rooms.delete(room);
  }
}

export default {
  fetch(request: Request): Response {
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
      return new Response("bench hub: WebSocket only\n", { status: 400 });
    }
    const { socket, response } = Deno.upgradeWebSocket(request);
    const joined = new Set<string>();
    socket.onmessage = (event) => onMessage(socket, joined, event.data);
    socket.onclose = () => onClose(socket, joined);
    return response;
  },
} satisfies Deno.ServeDefaultExport;
