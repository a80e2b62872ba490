import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { openStore } from '../../../src/core/openStore';
import * as T from '../../../src/core/tracking';
import { tempDir } from '../../helpers/tmp';

// The owner's database is opened with zeros after its last page (room to grow, see openWithSlack):
// snapshots must hold exactly the pages, and the history must survive snapshots, room renewals and reopening.
test('room to grow never reaches the snapshot, and histories survive snapshots and reopening', async (t) => {
  const ws = tempDir(t);
  let s = await openStore(ws);
  const runId = T.createRun(s).info.run_id;
  const points = (i: number) =>
    Array.from({ length: 1000 }, (_, j) => ({
      key: `m${j % 4}`,
      value: j % 97 === 0 ? NaN : i + j / 1000,
      timestamp: 1_700_000_000_000 + i,
      step: i * 250 + Math.floor(j / 4),
    }));
  for (let i = 0; i < 40; i++) {
    T.logBatch(s, runId, { metrics: points(i) });
    if (i % 10 === 9) s.snapshot();
  }
  for (let i = 0; i < 50; i++) T.logMetric(s, runId, { key: 'loss', value: i, timestamp: 1_700_000_000_000 + i, step: i });
  s.snapshot();
  const snap = fs.readFileSync(path.join(ws, '.mlops', 'store.snapshot'));
  const pageSize = snap.readUInt16BE(16);
  assert.equal(snap.length, snap.readUInt32BE(28) * pageSize, 'the snapshot is exactly its pages');
  const before = T.getMetricHistory(s, runId, 'm1');
  assert.equal(before.steps.length, 10_000);
  s.close();
  s = await openStore(ws);
  t.after(() => s.close());
  assert.equal(s.report.notes.length, 0);
  const after = T.getMetricHistory(s, runId, 'm1');
  assert.deepEqual(after, before);
  assert.equal(T.getMetricHistory(s, runId, 'loss').steps.length, 50);
  assert.equal(s.db.exec('PRAGMA integrity_check')[0].values[0][0], 'ok');
});
