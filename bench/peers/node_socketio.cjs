// The Node + Socket.IO 4 peer: rooms and broadcast as Socket.IO does them
// (`socket.join`, `io.to(room).emit`), the same events as the bench's peer
// protocol (`join`/`joined`, `pub`/`msg`). WebSocket transport only, as the load
// generator speaks it. Listens on 127.0.0.1:$PORT. CommonJS, so that `deno check`
// of the repository does not try to resolve these Node-only packages.
const { createServer } = require("node:http");
const { Server } = require("socket.io");

const http = createServer();
const io = new Server(http, { transports: ["websocket"], serveClient: false });

io.on("connection", (socket) => {
  socket.on("join", (room) => {
    if (typeof room !== "string") return;
    socket.join(room);
    socket.emit("joined", room);
  });
  socket.on("pub", (message) => {
    if (typeof message?.room !== "string" || typeof message.body !== "string") return;
    io.to(message.room).emit("msg", { room: message.room, body: message.body });
  });
});

http.listen(Number(process.env.PORT), "127.0.0.1", () => {
  console.log(`socket.io listening on ${http.address().port}`);
});
