// Ingest over loopback with keep-alive: single log-metric calls and log-batch of 1,000 metrics, beside a
// do-nothing Node http server measured with the same client (the client's own ceiling), as ratios.
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { openStore } from '../src/core/openStore';
import { startServer } from '../src/core/server';
import * as T from '../src/core/tracking';

const quick = !!process.env.MLOPS_BENCH_QUICK;
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

function post(port: number, p: string, body: string, token: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: p, method: 'POST', agent, headers: { Host: `127.0.0.1:${port}`, Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode!));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function measure(port: number, token: string, p: string, bodies: (i: number) => string, n: number) {
  const lat: number[] = [];
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const s = performance.now();
    const status = await post(port, p, bodies(i), token);
    if (status !== 200) throw new Error(`status ${status}`);
    lat.push(performance.now() - s);
  }
  const secs = (performance.now() - t0) / 1000;
  lat.sort((a, b) => a - b);
  return { perSec: n / secs, p50: lat[Math.floor(n / 2)] };
}

export async function run() {
  const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-server-'));
  const store = await openStore(ws);
  const server = await startServer({ store, workspace: ws, advertise: false });
  const baseline = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => res.end('{}'));
  });
  await new Promise<void>((r) => baseline.listen(0, '127.0.0.1', () => r()));
  const bport = (baseline.address() as { port: number }).port;
  try {
    const runId = T.createRun(store).info.run_id;
    const single = (i: number) => JSON.stringify({ run_id: runId, key: 'loss', value: Math.random(), timestamp: 1_700_000_000_000 + i, step: i });
    const batch = (i: number) => JSON.stringify({ run_id: runId, metrics: Array.from({ length: 1000 }, (_, j) => ({ key: `m${j % 10}`, value: Math.random(), timestamp: 1_700_000_000_000 + i, step: i * 100 + Math.floor(j / 10) })) });
    const nSingle = quick ? 2000 : 10000;
    const nBatch = quick ? 100 : 500;
    await measure(server.port, server.token, '/api/2.0/mlflow/runs/log-metric', single, 300); // warm-up
    await measure(bport, '', '/', single, 300);
    const ours = await measure(server.port, server.token, '/api/2.0/mlflow/runs/log-metric', (i) => single(i + 1000), nSingle);
    const base = await measure(bport, '', '/', single, nSingle);
    const oursB = await measure(server.port, server.token, '/api/2.0/mlflow/runs/log-batch', batch, nBatch);
    const baseB = await measure(bport, '', '/', batch, nBatch);
    console.log(`single log-metric: ${ours.perSec.toFixed(0)} calls/s, p50 ${(ours.p50 * 1000).toFixed(0)} µs; do-nothing server: ${base.perSec.toFixed(0)} calls/s, p50 ${(base.p50 * 1000).toFixed(0)} µs (ratio ${(ours.perSec / base.perSec).toFixed(2)})`);
    console.log(`log-batch of 1,000: ${(oursB.perSec * 1000).toFixed(0)} points/s, p50 ${oursB.p50.toFixed(2)} ms; do-nothing server: ${(baseB.perSec * 1000).toFixed(0)} points/s (ratio ${(oursB.perSec / baseB.perSec).toFixed(2)})`);
    console.log(`durability: every acknowledged call is in the journal (${(store.journalBytes / 1e6).toFixed(1)} MB written)`);
  } finally {
    agent.destroy();
    await server.close();
    baseline.close();
    store.close();
    fs.rmSync(ws, { recursive: true, force: true });
  }
}
