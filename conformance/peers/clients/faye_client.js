// Autobahn fuzzingserver client on the npm package faye-websocket. Limit 1 MiB. Offers
// permessage-deflate (RFC 7692) through faye's extension package permessage-deflate (faye's own
// way: its `extensions` option; without it faye offers none).
const WebSocket = require("faye-websocket");
const deflate = require("permessage-deflate");
const { run } = require("./fuzzing_client");

run((url, echo) => new Promise((resolve) => {
  const got = [];
  const ws = new WebSocket.Client(url, [], { maxLength: 2 ** 20, extensions: [deflate] });
  ws.on("message", (e) => (echo ? ws.send(e.data) : got.push(String(e.data))));
  ws.on("close", () => resolve(got));
}));
