// The Bun peer: Bun's native WebSocket pub/sub (`ws.subscribe`,
// `server.publish`), speaking the bench's peer protocol. `server.publish` reaches
// every subscriber, the publisher included, like the other peers. Listens on
// 127.0.0.1:$PORT.
const server = Bun.serve({
  hostname: "127.0.0.1",
  port: Number(process.env.PORT),
  fetch(request, server) {
    if (new URL(request.url).pathname === "/ws" && server.upgrade(request)) return;
    return new Response("bench hub: WebSocket only\n", { status: 400 });
  },
  websocket: {
    message(socket, data) {
      if (typeof data !== "string") return;
      let request;
      try {
        request = JSON.parse(data);
      } catch {
        return;
      }
      if (typeof request?.room !== "string") return;
      if (request.t === "join") {
        socket.subscribe(request.room);
        socket.send(JSON.stringify({ t: "joined", room: request.room }));
      } else if (request.t === "pub" && typeof request.body === "string") {
        server.publish(
          request.room,
          JSON.stringify({ t: "msg", room: request.room, body: request.body }),
        );
      }
    },
  },
});

console.log(`bun listening on ${server.port}`);
