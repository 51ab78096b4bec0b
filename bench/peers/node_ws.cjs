// The Node + ws peer: the idiomatic minimal broadcast hub on `ws`, speaking the
// bench's peer protocol (see ../loadgen/wire.ts). Listens on 127.0.0.1:$PORT.
// CommonJS, so that `deno check` of the repository does not try to resolve
// these Node-only packages.
const { WebSocket, WebSocketServer } = require("ws");

const rooms = new Map();
const server = new WebSocketServer({
  host: "127.0.0.1",
  port: Number(process.env.PORT),
  path: "/ws",
});

server.on("connection", (socket) => {
  const joined = new Set();
  socket.on("message", (data, isBinary) => {
    if (isBinary) return;
    let request;
    try {
      request = JSON.parse(data.toString());
    } catch {
      return;
    }
    if (typeof request?.room !== "string") return;
    if (request.t === "join") {
      if (!rooms.has(request.room)) rooms.set(request.room, new Set());
      rooms.get(request.room).add(socket);
      joined.add(request.room);
      socket.send(JSON.stringify({ t: "joined", room: request.room }));
    } else if (request.t === "pub" && typeof request.body === "string") {
      const frame = JSON.stringify({ t: "msg", room: request.room, body: request.body });
      for (const member of rooms.get(request.room) ?? []) {
        if (member.readyState === WebSocket.OPEN) member.send(frame);
      }
    }
  });
  socket.on("close", () => {
    for (const room of joined) {
      const members = rooms.get(room);
      members?.delete(socket);
      if (members?.size === 0) rooms.delete(room);
    }
  });
});

server.on("listening", () => console.log(`node-ws listening on ${server.address().port}`));
