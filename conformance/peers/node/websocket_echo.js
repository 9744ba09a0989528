// Echo server on the npm package websocket (WebSocket-Node). Prints the readiness line.
const http = require("http");
const WebSocketServer = require("websocket").server;
const server = http.createServer((req, res) => { res.writeHead(404); res.end(); });
const wss = new WebSocketServer({ httpServer: server, autoAcceptConnections: false, maxReceivedFrameSize: 2 ** 25, maxReceivedMessageSize: 2 ** 25 });
wss.on("request", (request) => {
  const conn = request.accept(null, request.origin);
  conn.on("error", () => {}); // reported and closed by the library; keep the process up
  conn.on("message", (m) => (m.type === "utf8" ? conn.sendUTF(m.utf8Data) : conn.sendBytes(m.binaryData)));
});
server.listen(Number(process.argv[2] || 0), "127.0.0.1", () => console.log(`listening on ws://127.0.0.1:${server.address().port}/`));
