// Autobahn fuzzingserver client on undici's WebSocket (the one behind Node.js's global WebSocket),
// from npm, pinned: Node 20 hides its bundled copy behind --experimental-websocket and Debian 12's
// Node 18 has none, so the npm package gives the same client on every Node. No message limit.
const { WebSocket } = require("undici");
const { run } = require("./fuzzing_client");

// undici 6.24.1 throws an uncaught TypeError (requestProtocols.includes on null) when the server
// answers with a subprotocol the client did not offer: an application would die there. The shim
// logs it and ends that case, so the run goes on (the case's verdict records what the server saw).
let endCase = () => {};
process.on("uncaughtException", (e) => {
  console.error(`undici threw: ${e.stack}`);
  endCase();
});

run((url, echo) => new Promise((resolve) => {
  const got = [];
  endCase = () => resolve(got);
  const ws = new WebSocket(url);
  ws.binaryType = "arraybuffer";
  ws.onmessage = (e) => (echo ? ws.send(e.data) : got.push(String(e.data)));
  ws.onclose = () => resolve(got);
  // undici 6.24.1 fires no close event after a handshake it refuses (a wrong Sec-WebSocket-Accept):
  // only error, and readyState stays CONNECTING; so an error before open also ends the case.
  ws.onerror = () => ws.readyState === WebSocket.CONNECTING && resolve(got);
}));
