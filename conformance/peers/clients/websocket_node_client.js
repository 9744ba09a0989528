// Autobahn fuzzingserver client on the npm package websocket (WebSocket-Node). Limit 1 MiB.
const { client: Client } = require("websocket");
const { run } = require("./fuzzing_client");

run((url, echo) => new Promise((resolve) => {
  const got = [];
  const client = new Client({ maxReceivedFrameSize: 2 ** 20, maxReceivedMessageSize: 2 ** 20 });
  client.on("connectFailed", () => resolve(got));
  client.on("connect", (conn) => {
    conn.on("message", (m) => {
      if (!echo) got.push(m.utf8Data);
      else if (m.type === "utf8") conn.sendUTF(m.utf8Data);
      else conn.sendBytes(m.binaryData);
    });
    conn.on("error", () => {}); // 'close' follows
    conn.on("close", () => resolve(got));
  });
  client.connect(url);
}));
