// Autobahn fuzzingserver client on the npm package ws (installed in peers/node). Limit 1 MiB.
const WebSocket = require("ws");
const { run } = require("./fuzzing_client");

run((url, echo) => new Promise((resolve) => {
  const got = [];
  const ws = new WebSocket(url, { maxPayload: 2 ** 20 });
  ws.on("message", (data, isBinary) => (echo ? ws.send(data, { binary: isBinary }) : got.push(String(data))));
  ws.on("error", () => {}); // ws fails the connection and emits 'close' next
  ws.on("close", () => resolve(got));
}));
