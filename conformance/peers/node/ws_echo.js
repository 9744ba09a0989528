// Echo server on the npm package ws (without bufferutil/utf-8-validate). Prints the readiness line.
const { WebSocketServer } = require("ws");
// permessage-deflate (ws's defaults) only in the panel's deflate run (WSPROBE_PEER_DEFLATE=1).
const perMessageDeflate = process.env.WSPROBE_PEER_DEFLATE === "1";
const wss = new WebSocketServer({ host: "127.0.0.1", port: Number(process.argv[2] || 0), maxPayload: 2 ** 25, perMessageDeflate });
wss.on("connection", (ws) => {
  ws.on("message", (data, isBinary) => ws.send(data, { binary: isBinary }));
  ws.on("error", () => {}); // ws reports the protocol error and closes; an unhandled 'error' would end the process
});
wss.on("listening", () => console.log(`listening on ws://127.0.0.1:${wss.address().port}/`));
