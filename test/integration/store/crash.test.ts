import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { openStore } from '../../../src/core/openStore';
import * as T from '../../../src/core/tracking';
import { StoreLocked } from '../../../src/core/errors';
import { tempDir } from '../../helpers/tmp';

const writer = path.join(__dirname, 'fixtures', 'writer.ts');
const serverFixture = path.join(__dirname, 'fixtures', 'server.ts');

function startWriter(ws: string, mode = 'write', script = writer): { child: ChildProcess; lines: string[]; waitFor(re: RegExp): Promise<string> } {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ws, mode], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines: string[] = [];
  let buf = '';
  const waiters: { re: RegExp; resolve: (l: string) => void }[] = [];
  child.stdout!.on('data', (d) => {
    buf += d.toString();
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      lines.push(line);
      for (const w of waiters.splice(0)) w.re.test(line) ? w.resolve(line) : waiters.push(w);
    }
  });
  return {
    child,
    lines,
    waitFor: (re) =>
      new Promise((resolve, reject) => {
        const hit = lines.find((l) => re.test(l));
        if (hit) return resolve(hit);
        waiters.push({ re, resolve });
        child.once('exit', () => reject(new Error(`writer exited before printing ${re}`)));
      }),
  };
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r() : child.once('exit', () => r())));
}

test('SIGKILL mid-write loses no acknowledged write', async () => {
  for (const target of [300, 1500]) {
    const ws = tempDir();
    const w = startWriter(ws);
    const runLine = await w.waitFor(/^run /);
    const runId = runLine.split(' ')[1];
    await w.waitFor(new RegExp(`^ack ${target}$`));
    w.child.kill('SIGKILL');
    await exited(w.child);
    const acked = Math.max(...w.lines.filter((l) => l.startsWith('ack ')).map((l) => Number(l.slice(4))));
    const store = await openStore(ws);
    try {
      const h = T.getMetricHistory(store, runId, 'loss');
      assert.ok(h.steps.length >= acked + 1, `acknowledged ${acked + 1} points, found ${h.steps.length}`);
      // Every point is there once, in order: nothing replayed twice across snapshots.
      for (let i = 0; i < h.steps.length; i++) assert.equal(h.steps[i], i);
      const params = T.getRun(store, runId).data.params;
      assert.equal(params.length, Math.floor((h.steps.length - 1) / 50) + 1);
    } finally {
      store.close();
    }
  }
});

test('two processes contend for one store: the second is refused, reads read-only, and takes over a stale lock', async () => {
  const ws = tempDir();
  const w = startWriter(ws, 'hold');
  const runId = (await w.waitFor(/^run /)).split(' ')[1];
  await w.waitFor(/^holding$/);
  try {
    await assert.rejects(openStore(ws), (e: Error) => e instanceof StoreLocked && e.ownerPid === w.child.pid && /owned by process/.test(e.message));
    const reader = await openStore(ws, { readOnly: true });
    assert.equal(T.getRun(reader, runId).info.run_name, 'crash');
    assert.throws(() => T.createRun(reader), /read-only/);
    reader.close();
    // Waiting for the owner: it is still there when the wait runs out.
    const t0 = Date.now();
    await assert.rejects(openStore(ws, { lockWaitMs: 300 }), StoreLocked);
    assert.ok(Date.now() - t0 >= 250);
  } finally {
    w.child.kill('SIGKILL');
    await exited(w.child);
  }
  const store = await openStore(ws); // the dead owner's lock is stale
  try {
    assert.equal(T.getRun(store, runId).info.run_name, 'crash');
  } finally {
    store.close();
  }
});

async function post(url: string, token: string, p: string, body: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(`${url}/api/2.0/mlflow/${p}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: await res.json().catch(() => ({})) };
}

test('kill -9 at random moments during concurrent HTTP ingest loses no acknowledged point and never needs recovery', async () => {
  const ws = tempDir();
  const CLIENTS = 8;
  const KILLS = 5;
  let runId = '';
  /** client → steps whose log-batch was answered 200 */
  const acked = Array.from({ length: CLIENTS }, () => [] as number[]);
  const ackedParams: string[] = [];
  const next = new Array(CLIENTS).fill(0);
  let total = 0;
  for (let round = 0; round < KILLS; round++) {
    // Opening after a kill must work without `store recover`: the server fixture opens plainly.
    const srv = startWriter(ws, '', serverFixture);
    const [, url, token] = (await srv.waitFor(/^url /)).split(' ');
    if (!runId) runId = (await post(url, token, 'runs/create', { experiment_id: '0' })).json.run.info.run_id;
    let stop = false;
    const clients = acked.map(async (mine, c) => {
      while (!stop) {
        const first = next[c];
        const n = 1 + ((first * 7) % 40);
        next[c] += n;
        const metrics = Array.from({ length: n }, (_, i) => ({
          key: `c${c}`,
          value: i % 5 === 0 ? NaN : first + i,
          timestamp: 1_700_000_000_000 + first + i,
          step: first + i,
        }));
        const params = first % 3 === 0 ? [{ key: `p${c}_${first}`, value: String(first) }] : [];
        try {
          const r = await post(url, token, 'runs/log-batch', {
            run_id: runId,
            metrics: metrics.map((m) => ({ ...m, value: Number.isNaN(m.value) ? 'NaN' : m.value })),
            params,
          });
          if (r.status === 200) {
            for (const m of metrics) mine.push(m.step);
            for (const p of params) ackedParams.push(p.key);
            total += n;
          }
        } catch {
          return; // the server is gone
        }
      }
    });
    await new Promise((r) => setTimeout(r, 300 + Math.floor(Math.random() * 2000)));
    srv.child.kill('SIGKILL');
    await exited(srv.child);
    stop = true;
    await Promise.all(clients);
  }
  const store = await openStore(ws);
  try {
    assert.ok(total > 100, `ingested only ${total} acknowledged points`);
    for (let c = 0; c < CLIENTS; c++) {
      const h = T.getMetricHistory(store, runId, `c${c}`);
      const have = new Set(h.steps);
      const lost = acked[c].filter((s) => !have.has(s));
      assert.equal(lost.length, 0, `client ${c}: ${lost.length} of ${acked[c].length} acknowledged points lost`);
      assert.equal(have.size, h.steps.length, `client ${c}: no point stored twice`);
      assert.ok(
        h.values.some((v) => Number.isNaN(v)),
        'NaN values stay NaN',
      );
    }
    const params = new Set(T.getRun(store, runId).data.params.map((p) => p.key));
    assert.deepEqual(
      ackedParams.filter((p) => !params.has(p)),
      [],
      'every acknowledged param is there',
    );
    console.log(`# ${KILLS} kills, ${total} acknowledged points, 0 lost; opened without recovery each time (${store.report.notes.length} notes)`);
  } finally {
    store.close();
  }
});
