// Autobahn fuzzingserver client on the npm package faye-websocket. Limit 1 MiB.
const WebSocket = require("faye-websocket");
const { run } = require("./fuzzing_client");

run((url, echo) => new Promise((resolve) => {
  const got = [];
  const ws = new WebSocket.Client(url, [], { maxLength: 2 ** 20 });
  ws.on("message", (e) => (echo ? ws.send(e.data) : got.push(String(e.data))));
  ws.on("close", () => resolve(got));
}));
