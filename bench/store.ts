// Store write cost per point as history grows, open/replay time, and a naive baseline that exports the
// whole database after every write (what "durability by export()" would cost).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openStore } from '../src/core/openStore';
import { loadSqlJs } from '../src/core/store/sqljs';
import * as T from '../src/core/tracking';

const quick = !!process.env.MLOPS_BENCH_QUICK;
const now = () => Number(process.hrtime.bigint()) / 1e6;

function batch(step0: number, n: number, keys: number) {
  return Array.from({ length: n }, (_, i) => ({ key: `m${i % keys}`, value: Math.sin(step0 + i), timestamp: 1_700_000_000_000 + step0 + i, step: step0 + Math.floor(i / keys) }));
}

async function naiveBaseline(dir: string, writes: number): Promise<number> {
  // Row per point in an indexed table, export() + writeFileSync after every write.
  const SQL = await loadSqlJs();
  const db = new SQL.Database();
  db.exec('CREATE TABLE metrics (run TEXT, key TEXT, step INTEGER, ts INTEGER, value REAL); CREATE INDEX m ON metrics(run, key, step)');
  const file = path.join(dir, 'naive.db');
  // Pre-fill so the exported file has a realistic size (10k points).
  db.exec('BEGIN');
  const ins = db.prepare('INSERT INTO metrics VALUES (?, ?, ?, ?, ?)');
  for (let i = 0; i < 10_000; i++) ins.run(['r', 'loss', i, i, Math.sin(i)]);
  ins.free();
  db.exec('COMMIT');
  const t0 = now();
  for (let i = 0; i < writes; i++) {
    db.run('INSERT INTO metrics VALUES (?, ?, ?, ?, ?)', ['r', 'loss', 10_000 + i, i, Math.random()]);
    fs.writeFileSync(file, db.export());
  }
  const per = (now() - t0) / writes;
  db.close();
  return per;
}

export async function run() {
  const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-store-'));
  try {
    const store = await openStore(ws, { snapshotIntervalMs: 3_600_000 });
    const runId = T.createRun(store).info.run_id;
    // Warm the JIT on another run so the first figures measure the store, not the compiler.
    const warm = T.createRun(store).info.run_id;
    for (let i = 0; i < 2000; i++) T.logMetric(store, warm, { key: 'w', value: i, timestamp: i, step: i });
    for (let k = 0; k < 50; k++) T.logBatch(store, warm, { metrics: batch(k * 1000, 1000, 10) });

    // Single log-metric calls on an empty history.
    const singles = quick ? 500 : 2000;
    let t0 = now();
    for (let i = 0; i < singles; i++) T.logMetric(store, runId, { key: 'single', value: i, timestamp: i, step: i });
    const singleEarly = ((now() - t0) * 1000) / singles;

    // Batches of 1,000 points (10 keys) up to 1M points; cost per point around each milestone.
    const total = quick ? 200_000 : 1_000_000;
    const milestones = [1_000, 100_000, total];
    const cost = new Map<number, number>();
    let logged = 0;
    while (logged < total) {
      const b = batch(logged, 1000, 10);
      t0 = now();
      T.logBatch(store, runId, { metrics: b });
      const dt = now() - t0;
      logged += 1000;
      for (const m of milestones) if (logged === m) cost.set(m, (dt * 1000) / 1000);
    }
    // A window of 20 batches at the end, to smooth noise.
    t0 = now();
    for (let k = 0; k < 20; k++) T.logBatch(store, runId, { metrics: batch(logged + k * 1000, 1000, 10) });
    const lateWindow = ((now() - t0) * 1000) / 20_000;
    t0 = now();
    for (let i = 0; i < singles; i++) T.logMetric(store, runId, { key: 'single', value: i, timestamp: i, step: singles + i });
    const singleLate = ((now() - t0) * 1000) / singles;
    const journalBytes = store.journalBytes;

    // Open after a crash: snapshot + journal replay.
    (store as unknown as { lock: { release(): void } }).lock.release();
    t0 = now();
    const reopened = await openStore(ws);
    const replayMs = now() - t0;
    const replayed = reopened.report.replayedRecords;
    t0 = now();
    reopened.close(); // snapshot
    const snapMs = now() - t0;
    t0 = now();
    const clean = await openStore(ws);
    const openMs = now() - t0;
    const snapBytes = fs.statSync(path.join(ws, '.mlops', 'store.snapshot')).size;
    t0 = now();
    const h = T.getMetricHistory(clean, runId, 'm0');
    const readMs = now() - t0;
    clean.close();

    const naive = await naiveBaseline(ws, quick ? 30 : 100);
    console.log(`points logged: ${logged + 20_000 + 2 * singles}`);
    for (const m of milestones) console.log(`log-batch cost per point at ${m.toLocaleString('en')} points: ${cost.get(m)!.toFixed(2)} µs`);
    console.log(`log-batch cost per point, 20 batches after ${total.toLocaleString('en')}: ${lateWindow.toFixed(2)} µs (flat: ${(lateWindow / cost.get(1_000)!).toFixed(2)}× the cost at 1k)`);
    console.log(`single log-metric: ${singleEarly.toFixed(1)} µs on an empty history, ${singleLate.toFixed(1)} µs after ${total.toLocaleString('en')} points (${(singleLate / singleEarly).toFixed(2)}×)`);
    console.log(`naive baseline (row per point + export() per write, 10k-point db): ${(naive * 1000).toFixed(0)} µs per write = ${(naive * 1000 / singleEarly).toFixed(0)}× our single write, ${((naive * 1000) / lateWindow).toFixed(0)}× our per-point batch cost`);
    console.log(`journal before crash: ${(journalBytes / 1e6).toFixed(1)} MB; reopen with replay of ${replayed} records: ${replayMs.toFixed(0)} ms`);
    console.log(`snapshot (${(snapBytes / 1e6).toFixed(1)} MB): ${snapMs.toFixed(0)} ms; clean open: ${openMs.toFixed(0)} ms; read ${h.steps.length.toLocaleString('en')}-point history: ${readMs.toFixed(1)} ms`);
  } finally {
    fs.rmSync(ws, { recursive: true, force: true });
  }
}
