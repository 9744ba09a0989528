// The URL protocol of `wsprobe test-client` (Autobahn's fuzzingserver) for the Node.js client
// shims: node SHIM.js BASE_URL AGENT. Each shim gives visit(url, echo): one connection that echoes
// every message (echo) or collects the text ones, and resolves with them once closed.
async function run(visit) {
  const [base, agent] = process.argv.slice(2);
  const count = Number((await visit(`${base}getCaseCount`, false))[0]);
  for (let n = 1; n <= count; n++) await visit(`${base}runCase?case=${n}&agent=${agent}`, true);
  await visit(`${base}updateReports?agent=${agent}`, false);
}

module.exports = { run };
