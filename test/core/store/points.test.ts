import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { openStore, type Store } from '../../../src/core/openStore';
import { answerSeries } from '../../../src/core/compare/series';
import { historyPage } from '../../../src/core/tracking/history';
import * as T from '../../../src/core/tracking';
import { tempDir } from '../../helpers/tmp';

const crash = (s: Store) => (s as unknown as { lock: { release(): void } }).lock.release();

/** Counts the bytes read from the segments (queued or on disk). */
function countReads(s: Store): { bytes: number } {
  const c = { bytes: 0 };
  const log = s.points;
  const orig = log.read.bind(log);
  log.read = (seg, off, len) => {
    c.bytes += len;
    return orig(seg, off, len);
  };
  return c;
}

test('points live in segment files, not in the snapshot; single calls are merged as they pile up', async (t) => {
  const ws = tempDir(t);
  let s = await openStore(ws);
  const id = T.createRun(s).info.run_id;
  for (let i = 0; i < 5000; i++) T.logMetric(s, id, { key: 'loss', value: i % 7 === 0 ? NaN : i, timestamp: 1_700_000_000_000 + i, step: i });
  const rows = s.one<{ c: number }>('SELECT count(*) AS c FROM metric_chunks WHERE run_uuid = ?', [id])!.c;
  assert.ok(rows <= 40, `5,000 single points are held in ${rows} chunks`);
  await s.durable();
  s.close();
  const snap = fs.statSync(path.join(ws, '.mlops', 'store.snapshot')).size;
  assert.ok(snap < 200 * 1024, `the snapshot holds no points (${snap} bytes)`);
  s = await openStore(ws);
  t.after(() => s.close());
  const h = T.getMetricHistory(s, id, 'loss');
  assert.deepEqual(
    [...h.steps],
    Array.from({ length: 5000 }, (_, i) => i),
  );
  assert.ok(Number.isNaN(h.values[0]) && h.values[1] === 1);
});

test('after a kill -9 the chunks logged since the snapshot are found again, a torn tail is cut (copy kept), merges replay', async (t) => {
  const ws = tempDir(t);
  let s = await openStore(ws);
  const id = T.createRun(s).info.run_id;
  T.logBatch(s, id, { metrics: [{ key: 'a', value: 1, timestamp: 1, step: 0 }] });
  s.snapshot();
  for (let i = 1; i < 700; i++) T.logMetric(s, id, { key: 'a', value: i === 5 ? Infinity : i, timestamp: 1 + i, step: i });
  await s.durable();
  crash(s);
  const seg = path.join(ws, '.mlops', 'metrics', fs.readdirSync(path.join(ws, '.mlops', 'metrics'))[0]);
  fs.appendFileSync(seg, Buffer.from([40, 0, 0, 0, 1, 2, 3])); // a torn final write
  s = await openStore(ws);
  t.after(() => s.close());
  const h = T.getMetricHistory(s, id, 'a');
  assert.deepEqual(
    [...h.steps],
    Array.from({ length: 700 }, (_, i) => i),
  );
  assert.equal(h.values[5], Infinity);
  assert.equal(T.getRun(s, id).data.metrics[0].step, 699, 'latest metrics rebuilt from the chunk summaries');
  assert.ok(
    s.report.keptCopies.some((f) => f.includes('.damaged-')),
    s.report.notes.join('; '),
  );
  const rows = s.one<{ c: number }>('SELECT count(*) AS c FROM metric_chunks WHERE run_uuid = ?', [id])!.c;
  assert.ok(rows <= 40, `merged chunks took the place of the small ones on replay (${rows} rows)`);
});

test('a page of a long history reads only the chunks that hold it', async (t) => {
  const s = await openStore(tempDir(t));
  t.after(() => s.close());
  const id = T.createRun(s).info.run_id;
  for (let b = 0; b < 100; b++)
    T.logBatch(s, id, { metrics: Array.from({ length: 1000 }, (_, j) => ({ key: 'x', value: b * 1000 + j, timestamp: 1, step: b * 1000 + j })) });
  const reads = countReads(s);
  const { page, total } = historyPage(s, id, 'x', 50_000, 1000);
  assert.equal(total, 100_000);
  assert.deepEqual(
    [...page.steps],
    Array.from({ length: 1000 }, (_, i) => 50_000 + i),
  );
  assert.ok(reads.bytes < (100_000 * 24) / 5, `read ${reads.bytes} bytes for a page of 1,000 points`);
  // Points logged out of order are still paged in MLflow's (step, timestamp) order.
  T.logMetric(s, id, { key: 'x', value: -1, timestamp: 1, step: 3 });
  const again = historyPage(s, id, 'x', 0, 6);
  assert.deepEqual([...again.page.steps], [0, 1, 2, 3, 3, 4]);
  assert.deepEqual([...again.page.values], [0, 1, 2, 3, -1, 4]);
});

test('a chart of a long history is drawn from the chunk summaries: few bytes read, the envelope kept', async (t) => {
  const s = await openStore(tempDir(t));
  t.after(() => s.close());
  const id = T.createRun(s).info.run_id;
  const n = 100_000;
  for (let b = 0; b < n / 1000; b++) {
    T.logBatch(s, id, {
      metrics: Array.from({ length: 1000 }, (_, j) => ({
        key: 'loss',
        value: b * 1000 + j === 77_777 ? 1e6 : Math.sin(b * 1000 + j),
        timestamp: 1_700_000_000_000 + b,
        step: b * 1000 + j,
      })),
    });
  }
  const reads = countReads(s);
  const msg = answerSeries(
    s,
    { type: 'requestSeries', requestId: 1, runIds: [id], keys: ['loss'], xAxis: 'step', pixelWidth: 400 },
    new Map([[id, 1_700_000_000_000]]),
  );
  const sd = msg.series[0];
  const values = new Float64Array(sd.values);
  assert.equal(sd.total, n);
  assert.equal(sd.downsampled, true);
  assert.ok(values.length <= 800);
  assert.ok(values.includes(1e6), 'the one spike is drawn');
  assert.ok(Math.min(...values) < -0.99 && Math.max(...values.filter((v) => v < 2)) > 0.99, 'the envelope is the full series');
  assert.ok(reads.bytes < (n * 24) / 5, `read ${reads.bytes} bytes of ${n * 24}`);
  // A zoomed range reads the points of the chunks it overlaps.
  const zoom = answerSeries(
    s,
    { type: 'requestSeries', requestId: 2, runIds: [id], keys: ['loss'], xAxis: 'step', pixelWidth: 400, range: [77_700, 77_800] },
    new Map(),
  );
  const z = zoom.series[0];
  assert.equal(z.total, 101);
  assert.ok(new Float64Array(z.values).includes(1e6));
});
