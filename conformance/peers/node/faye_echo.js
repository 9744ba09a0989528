// Echo server on the npm package faye-websocket. Prints the readiness line.
const http = require("http");
const WebSocket = require("faye-websocket");
// permessage-deflate (the permessage-deflate package, its defaults) only in the panel's deflate run
// (WSPROBE_PEER_DEFLATE=1).
const extensions = process.env.WSPROBE_PEER_DEFLATE === "1" ? [require("permessage-deflate")] : [];
const server = http.createServer((req, res) => { res.writeHead(404); res.end(); });
server.on("upgrade", (request, socket, body) => {
  if (!WebSocket.isWebSocket(request)) return socket.destroy();
  const ws = new WebSocket(request, socket, body, [], { maxLength: 2 ** 25, extensions });
  ws.on("message", (event) => ws.send(event.data));
  ws.on("error", () => {}); // reported and closed by the library; keep the process up
});
server.listen(Number(process.argv[2] || 0), "127.0.0.1", () => console.log(`listening on ws://127.0.0.1:${server.address().port}/`));
