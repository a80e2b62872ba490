// The store at scale (issue 13), as ratios against baselines run alongside in this process:
//  - log-batch capacity, 8 keep-alive connections from a child-process Node client, against a do-nothing
//    server with the same client (one that only reads the body, and one that also JSON.parses it), and
//    the server's CPU per point; single log-metric on one connection, durability 'fsync' and 'process';
//  - event-loop delay p99 and the longest request during a large ingest with frequent snapshots;
//  - open time and RSS (a fresh process) at 0, 1M and 10M points: read-only as `mlops runs list`, and as the
//    owner after a kill -9, beside `node -e 0` (Node's own start);
//  - snapshot time (blocking part and whole) against store size.
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import * as esbuild from 'esbuild';
import { openStore } from '../src/core/openStore';
import { startServer } from '../src/core/server';
import type { Store } from '../src/core/store/store';
import * as T from '../src/core/tracking';

const quick = !!process.env.MLOPS_BENCH_QUICK;
const BIG = Number(process.env.MLOPS_BENCH_BIG_POINTS ?? (quick ? 2_000_000 : 10_000_000));
const LB = '/api/2.0/mlflow/runs/log-batch';
const LM = '/api/2.0/mlflow/runs/log-metric';
type Load = { perSec: number; p50: number; max: number };

function client(port: number, token: string, p: string, kind: 'single' | 'batch', n: number, runId: string, offset: number, conns: number): Promise<Load> {
  const args = JSON.stringify({ port, token, path: p, kind, n, runId, offset, conns });
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [path.join(__dirname, '_httpClient.mjs'), args], { maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`client failed: ${stderr || err.message}`));
      resolve(JSON.parse(stdout));
    });
  });
}

async function doNothing(parse: boolean): Promise<{ port: number; close(): void }> {
  const srv = http.createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      if (parse) JSON.parse(Buffer.concat(parts).toString('utf8'));
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': 2 });
      res.end('{}');
    });
  });
  srv.keepAliveTimeout = 65_000;
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  return { port: (srv.address() as { port: number }).port, close: () => srv.close() };
}

const num = (x: number) => x.toFixed(0).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
const mb = (b: number) => `${(b / 1048576).toFixed(0)} MB`;

/** Alternates ours and the baselines, `reps` times, and keeps each one's best run (the least disturbed by neighbours). */
async function capacity(store: Store, port: number, token: string, runId: string, kind: 'single' | 'batch', n: number, conns: number, reps: number) {
  const plain = await doNothing(false);
  const parsed = await doNothing(true);
  const best = { ours: 0, plain: 0, parsed: 0, cpu: Infinity };
  let offset = 1_000_000;
  try {
    for (let r = 0; r < reps; r++) {
      const c0 = process.cpuUsage();
      const ours = await client(port, token, kind === 'batch' ? LB : LM, kind, n, runId, (offset += n), conns);
      const cpu = process.cpuUsage(c0);
      const points = n * (kind === 'batch' ? 1000 : 1);
      best.cpu = Math.min(best.cpu, (cpu.user + cpu.system) / points);
      best.ours = Math.max(best.ours, ours.perSec);
      best.plain = Math.max(best.plain, (await client(plain.port, '', '/', kind, n, runId, 0, conns)).perSec);
      best.parsed = Math.max(best.parsed, (await client(parsed.port, '', '/', kind, n, runId, 0, conns)).perSec);
    }
  } finally {
    plain.close();
    parsed.close();
  }
  void store;
  return best;
}

async function ingestCapacity() {
  const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-store-'));
  for (const durability of ['fsync', 'process'] as const) {
    const store = await openStore(ws, { durability });
    const server = await startServer({ store, workspace: ws, advertise: false });
    try {
      const runId = T.createRun(store).info.run_id;
      await client(server.port, server.token, LB, 'batch', 50, runId, 0, 8); // warm-up
      const reps = quick ? 2 : 3;
      console.log(
        `durability '${durability}'${durability === 'fsync' ? ' (default: answered once on disk, group commit)' : ' (acknowledged once in the kernel)'}:`,
      );
      const b = await capacity(store, server.port, server.token, runId, 'batch', quick ? 200 : 600, 8, reps);
      console.log(
        `  log-batch of 1,000, 8 connections: ${num(b.ours * 1000)} points/s; do-nothing server ${num(b.plain * 1000)} (reads the body), ${num(b.parsed * 1000)} (reads and JSON.parses it)`,
      );
      console.log(
        `    ratio ${(b.ours / b.plain).toFixed(2)} to the do-nothing server, ${(b.ours / b.parsed).toFixed(2)} to the parsing one; server CPU ${b.cpu.toFixed(2)} µs/point`,
      );
      const s = await capacity(store, server.port, server.token, runId, 'single', quick ? 1000 : 4000, 1, reps);
      console.log(`  single log-metric, 1 connection: ${num(s.ours)} calls/s; do-nothing ${num(s.plain)}; ratio ${(s.ours / s.plain).toFixed(2)}`);
      const s8 = await capacity(store, server.port, server.token, runId, 'single', quick ? 2000 : 8000, 8, 1);
      console.log(`  single log-metric, 8 connections: ${num(s8.ours)} calls/s; do-nothing ${num(s8.plain)}; ratio ${(s8.ours / s8.plain).toFixed(2)}`);
    } finally {
      await server.close();
      store.close();
    }
  }
  fs.rmSync(ws, { recursive: true, force: true });
}

/** A large ingest over HTTP with a snapshot every second: event-loop delay, longest request, snapshot stalls. */
async function stalls(points: number) {
  const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-stall-'));
  const store = await openStore(ws, { snapshotIntervalMs: 1000 });
  const server = await startServer({ store, workspace: ws, advertise: false });
  const rot: number[] = [];
  const rotCpu: number[] = [];
  const s = store as unknown as { rotate(): void };
  const orig = s.rotate.bind(store);
  s.rotate = () => {
    const t = performance.now();
    const c = process.cpuUsage();
    orig();
    const d = process.cpuUsage(c);
    rot.push(performance.now() - t);
    rotCpu.push((d.user + d.system) / 1000);
  };
  try {
    const runId = T.createRun(store).info.run_id;
    const h = monitorEventLoopDelay({ resolution: 5 });
    h.enable();
    const t0 = performance.now();
    const load = await client(server.port, server.token, LB, 'batch', Math.round(points / 1000), runId, 0, 8);
    const secs = (performance.now() - t0) / 1000;
    h.disable();
    const p99 = h.percentile(99) / 1e6;
    const mx = h.max / 1e6;
    console.log(`ingest of ${num(points)} points over HTTP (8 connections, snapshot every 1 s): ${num(points / secs)} points/s`);
    console.log(
      `  event-loop delay p99 ${p99.toFixed(1)} ms (target < 50), max ${mx.toFixed(1)} ms; longest request ${load.max.toFixed(1)} ms, p50 ${load.p50.toFixed(1)} ms`,
    );
    console.log(
      `  ${rot.length} snapshots; their blocking part (export of the metadata image + journal rotation): max ${Math.max(0, ...rot).toFixed(1)} ms wall, ${Math.max(0, ...rotCpu).toFixed(1)} ms CPU; image ${(fs.statSync(path.join(ws, '.mlops', 'store.snapshot')).size / 1024).toFixed(0)} KiB`,
    );
  } finally {
    await server.close();
    store.close();
    fs.rmSync(ws, { recursive: true, force: true });
  }
}

async function bundleProbe(dir: string): Promise<string> {
  const out = path.join(dir, 'probe.js');
  await esbuild.build({
    entryPoints: [path.join(__dirname, '_openProbe.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    outfile: out,
    logLevel: 'warning',
  });
  fs.copyFileSync(path.join(__dirname, '..', 'node_modules/sql.js/dist/sql-wasm.wasm'), path.join(dir, 'sql-wasm.wasm'));
  return out;
}

function probe(script: string, args: string[]): Promise<{ ms: number; cpu: number; wall: number; maxRss: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    execFile(process.execPath, [script, ...args], { maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`probe failed: ${stderr || err.message}`));
      resolve({ ...(stdout ? JSON.parse(stdout) : { ms: 0, maxRss: 0 }), wall: performance.now() - t0 });
    });
  });
}

/** Fills a store to `total` points (1,000-point batches, 10 keys per run, 1M points per run). */
async function fill(ws: string, from: number, total: number) {
  const store = await openStore(ws, { durability: 'process', snapshotIntervalMs: 3_600_000 });
  let runId = '';
  for (let p = from; p < total; p += 1000) {
    if (p % 1_000_000 === 0 || !runId) runId = T.createRun(store).info.run_id;
    T.logBatch(store, runId, {
      metrics: Array.from({ length: 1000 }, (_, j) => ({
        key: `m${j % 10}`,
        value: Math.sin(p + j),
        timestamp: 1_700_000_000_000 + p + j,
        step: Math.floor((p + j) / 10),
      })),
    });
  }
  const t0 = performance.now();
  store.snapshot();
  const snapMs = performance.now() - t0;
  const image = fs.statSync(path.join(ws, '.mlops', 'store.snapshot')).size;
  store.close();
  return { snapMs, image };
}

/** A kill -9 of an owner that logged `tail` more points after its last snapshot. */
async function crashWithTail(ws: string, tail: number) {
  const code = `
    const { openStore } = require(${JSON.stringify(path.join(__dirname, '..', 'src/core/openStore'))});
    const T = require(${JSON.stringify(path.join(__dirname, '..', 'src/core/tracking'))});
    (async () => {
      const s = await openStore(${JSON.stringify(ws)}, { snapshotIntervalMs: 3600000 });
      const id = T.createRun(s).info.run_id;
      for (let p = 0; p < ${tail}; p += 1000) T.logBatch(s, id, { metrics: Array.from({ length: 1000 }, (_, j) => ({ key: 'm' + (j % 10), value: j, timestamp: p + j, step: p + j })) });
      await s.durable();
      process.stdout.write('ready');
      setInterval(() => {}, 1000);
    })();`;
  const child = spawn(process.execPath, ['--import', 'tsx', '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((r) => child.stdout.on('data', (d) => /ready/.test(String(d)) && r()));
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
}

async function opens() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-open-'));
  const script = await bundleProbe(dir);
  const base = await new Promise<{ wall: number; maxRss: number }>((resolve) => {
    const t0 = performance.now();
    execFile(process.execPath, ['-e', 'process.stdout.write(JSON.stringify({ms:0,maxRss:process.resourceUsage().maxRSS*1024}))'], (_e, out) =>
      resolve({ ...JSON.parse(out), wall: performance.now() - t0 }),
    );
  });
  console.log(`open in a fresh process (node -e 0 alone: ${base.wall.toFixed(0)} ms wall, ${mb(base.maxRss)} max RSS):`);
  const ws = path.join(dir, 'ws');
  fs.mkdirSync(ws);
  let have = 0;
  for (const size of [0, 1_000_000, BIG]) {
    const f = size === 0 ? await fill(ws, 0, 0) : await fill(ws, have, size);
    have = size;
    const ro = await probe(script, [ws, 'read']);
    console.log(
      `  ${num(size)} points: read-only open + list ${ro.ms.toFixed(0)} ms, ${ro.cpu.toFixed(0)} ms CPU (process ${ro.wall.toFixed(0)} ms wall), max RSS ${mb(ro.maxRss)} (${mb(ro.maxRss - base.maxRss)} over node alone); snapshot ${f.snapMs.toFixed(0)} ms for a ${(f.image / 1024).toFixed(0)} KiB image`,
    );
  }
  await crashWithTail(ws, quick ? 200_000 : 1_000_000);
  const crashed = await probe(script, [ws, 'owner']);
  console.log(
    `  owner open after kill -9 (${num(BIG)} points + ${num(quick ? 200_000 : 1_000_000)} logged after the last snapshot): ${crashed.ms.toFixed(0)} ms, ${crashed.cpu.toFixed(0)} ms CPU, max RSS ${mb(crashed.maxRss)} (target < 1 s)`,
  );
  fs.rmSync(dir, { recursive: true, force: true });
}

export async function run() {
  console.log(
    `load average ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')} on ${os.cpus().length} cores`,
  );
  await ingestCapacity();
  await stalls(quick ? 1_000_000 : 5_000_000);
  await opens();
}
