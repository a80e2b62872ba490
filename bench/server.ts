// Ingest over loopback with keep-alive: single log-metric calls and log-batch of 1,000 metrics, beside a
// do-nothing Node http server measured with the same client (the client's own ceiling), as ratios.
// Twice: with the client in this process (client and server share one thread, so the client's own work
// adds to every request), and with the client in a child process (bench/_httpClient.mjs), as a training
// script's client is.
import { execFile } from 'node:child_process';
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
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path: p,
        method: 'POST',
        agent,
        headers: { Host: `127.0.0.1:${port}`, Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode!));
      },
    );
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

function child(
  port: number,
  token: string,
  p: string,
  kind: 'single' | 'batch',
  n: number,
  runId: string,
  offset: number,
): Promise<{ perSec: number; p50: number }> {
  const args = JSON.stringify({ port, token, path: p, kind, n, runId, offset });
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [path.join(__dirname, '_httpClient.mjs'), args], { maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`client failed: ${stderr || err.message}`));
      resolve(JSON.parse(stdout));
    });
  });
}

const num = (x: number) => x.toFixed(0).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
function report(label: string, unit: string, scale: number, ours: { perSec: number; p50: number }, base: { perSec: number; p50: number }) {
  const p50 = (ms: number) => (ms < 1 ? `${(ms * 1000).toFixed(0)} µs` : `${ms.toFixed(2)} ms`);
  console.log(
    `  ${label}: ${num(ours.perSec * scale)} ${unit}/s, p50 ${p50(ours.p50)}; do-nothing server: ${num(base.perSec * scale)} ${unit}/s, p50 ${p50(base.p50)}`,
  );
  console.log(`    ratio to the do-nothing server: ${(ours.perSec / base.perSec).toFixed(2)}`);
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
    const batch = (i: number) =>
      JSON.stringify({
        run_id: runId,
        metrics: Array.from({ length: 1000 }, (_, j) => ({
          key: `m${j % 10}`,
          value: Math.random(),
          timestamp: 1_700_000_000_000 + i,
          step: i * 100 + Math.floor(j / 10),
        })),
      });
    const nSingle = quick ? 2000 : 10000;
    const nBatch = quick ? 100 : 500;
    const LM = '/api/2.0/mlflow/runs/log-metric';
    const LB = '/api/2.0/mlflow/runs/log-batch';
    await measure(server.port, server.token, LM, single, 300); // warm-up
    await measure(bport, '', '/', single, 300);
    console.log(
      `load average ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')} on ${os.cpus().length} cores`,
    );
    console.log('client in this process (it shares the thread with both servers):');
    const ours = await measure(server.port, server.token, LM, (i) => single(i + 1000), nSingle);
    const base = await measure(bport, '', '/', single, nSingle);
    report('single log-metric', 'calls', 1, ours, base);
    const oursB = await measure(server.port, server.token, LB, batch, nBatch);
    const baseB = await measure(bport, '', '/', batch, nBatch);
    report('log-batch of 1,000', 'points', 1000, oursB, baseB);
    console.log('client in a child process:');
    const cOurs = await child(server.port, server.token, LM, 'single', nSingle, runId, 100_000);
    const cBase = await child(bport, '', '/', 'single', nSingle, runId, 0);
    report('single log-metric', 'calls', 1, cOurs, cBase);
    const cOursB = await child(server.port, server.token, LB, 'batch', nBatch, runId, 10_000);
    const cBaseB = await child(bport, '', '/', 'batch', nBatch, runId, 0);
    report('log-batch of 1,000', 'points', 1000, cOursB, cBaseB);
    console.log(`durability: every acknowledged call is in the journal (${(store.journalBytes / 1e6).toFixed(1)} MB written)`);
  } finally {
    agent.destroy();
    await server.close();
    baseline.close();
    store.close();
    fs.rmSync(ws, { recursive: true, force: true });
  }
}
