// The circles-bench scenario on a plain Socket.IO 4 server, as a yardstick for Circles: a
// client joins one room, each message it sends goes to every member of that room (the sender
// included, as Circles delivers it), and the sender gets an ack. Nothing else: no store, no
// moderation, no auth. Messages are never logged.
//
//   node server.js [--host 127.0.0.1] [--port 3000]
//
// Events (Socket.IO v5 over Engine.IO v4, WebSocket transport only):
//   join  "ROOM"                       ack {room}
//   msg   {room, id, text}             broadcast "msg" {room, id, text} to ROOM; ack {id}
// GET /healthz answers 200 "ok" once the server listens.
import { createServer } from "node:http";
import { Server } from "socket.io";

function option(name, fallback) {
  const at = process.argv.indexOf(name);
  return at >= 0 && at + 1 < process.argv.length ? process.argv[at + 1] : fallback;
}

const host = option("--host", "127.0.0.1");
const port = Number(option("--port", process.env.PORT ?? "3000"));
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`socketio peer: --port must be 0-65535, got '${option("--port")}'`);
  process.exit(2);
}

const maxRoomBytes = 128;
const maxTextBytes = 16 * 1024; // Circles' limit for one message

const http = createServer((req, res) => {
  if (req.url === "/healthz") {
    res.writeHead(200, { "content-type": "text/plain" }).end("ok");
    return;
  }
  res.writeHead(404).end();
});

const io = new Server(http, {
  serveClient: false,
  transports: ["websocket"], // Circles is WebSocket only; so is the comparison
  perMessageDeflate: false,
  cors: { origin: true },
});

const isName = (s) => typeof s === "string" && s.length > 0 && s.length <= maxRoomBytes;

io.on("connection", (socket) => {
  socket.on("join", (room, ack) => {
    if (typeof ack !== "function") return;
    if (!isName(room)) return ack({ error: "invalid_room" });
    socket.join(room);
    ack({ room });
  });

  socket.on("msg", (m, ack) => {
    if (typeof ack !== "function") return;
    if (!m || !isName(m.room) || !isName(m.id) || typeof m.text !== "string" ||
        m.text.length === 0 || m.text.length > maxTextBytes) {
      return ack({ error: "invalid_message" });
    }
    if (!socket.rooms.has(m.room)) return ack({ error: "not_joined" });
    io.to(m.room).emit("msg", { room: m.room, id: m.id, text: m.text });
    ack({ id: m.id });
  });
});

http.listen(port, host, () => {
  const { port: bound } = http.address();
  console.log(`socketio peer listening on ws://${host}:${bound} (pid ${process.pid})`);
});

for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    io.close();
    http.close(() => process.exit(0));
    setTimeout(() => process.exit(0), 2000).unref();
  });
}
