// The load generator of bench/server.ts and bench/store.ts, run as a child process so that client and server
// do not share one thread (closer to a Python training script talking to the editor's server). `conns`
// keep-alive connections (default 1), each sending one request at a time. Usage:
//   node _httpClient.mjs '{"port":1,"token":"t","path":"/…","kind":"single"|"batch","n":1000,"runId":"…","offset":0,"conns":8}'
// Prints {"perSec":…, "p50":…, "max":… (ms)} on stdout.
import http from 'node:http';

const { port, token, path, kind, n, runId, offset = 0, conns = 1 } = JSON.parse(process.argv[2]);
const agent = new http.Agent({ keepAlive: true, maxSockets: conns });

function post(body) {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, path, method: 'POST', agent, headers: { Host: `127.0.0.1:${port}`, Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const single = (i) => JSON.stringify({ run_id: runId, key: 'loss', value: Math.random(), timestamp: 1_700_000_000_000 + i, step: i });
const batch = (i) => JSON.stringify({ run_id: runId, metrics: Array.from({ length: 1000 }, (_, j) => ({ key: `m${j % 10}`, value: Math.random(), timestamp: 1_700_000_000_000 + i, step: i * 100 + Math.floor(j / 10) })) });
const body = kind === 'batch' ? batch : single;

const lat = [];
let next = 0;
const t0 = performance.now();
async function loop() {
  for (let i = next++; i < n; i = next++) {
    const text = body(i + offset);
    const s = performance.now();
    const status = await post(text);
    if (status !== 200) {
      console.error(`status ${status}`);
      process.exit(1);
    }
    lat.push(performance.now() - s);
  }
}
await Promise.all(Array.from({ length: conns }, loop));
const secs = (performance.now() - t0) / 1000;
lat.sort((a, b) => a - b);
agent.destroy();
process.stdout.write(JSON.stringify({ perSec: n / secs, p50: lat[Math.floor(n / 2)], max: lat[lat.length - 1] }));
