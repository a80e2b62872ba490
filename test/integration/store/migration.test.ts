import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { openStore } from '../../../src/core/openStore';
import * as T from '../../../src/core/tracking';
import * as R from '../../../src/core/registry';
import { tempDir } from '../../helpers/tmp';

// A store written by the release before metric segments (fixtures/makeLegacyStore.ts at d52c7af): points as
// BLOBs in the snapshot, plus a journal tail with points in its records.
const fixture = path.join(__dirname, 'fixtures', 'legacy-v1');
const expected = JSON.parse(fs.readFileSync(path.join(fixture, 'expected.json'), 'utf8'));
const str = (v: number) => (Object.is(v, -0) ? '-0' : String(v));

function copyFixture(ws: string) {
  fs.mkdirSync(path.join(ws, '.mlops'), { recursive: true });
  for (const f of fs.readdirSync(fixture)) if (f.startsWith('store.')) fs.copyFileSync(path.join(fixture, f), path.join(ws, '.mlops', f));
}

function checkAll(store: Awaited<ReturnType<typeof openStore>>) {
  for (const r of expected.runs) {
    const run = T.getRun(store, r.id);
    assert.equal(run.info.run_name, r.name);
    assert.deepEqual(run.data.params, r.params);
    assert.deepEqual(
      run.data.tags.filter((t) => !t.key.startsWith('mlflow.')),
      r.tags,
    );
    const latest = run.data.metrics.filter((m) => m.key !== 'after').map((m) => ({ ...m, value: String(m.value) }));
    assert.deepEqual(latest, r.latest, `latest metrics of ${r.name}`);
    for (const [key, h] of Object.entries(r.histories) as [string, { steps: number[]; timestamps: number[]; values: string[] }][]) {
      const got = T.getMetricHistory(store, r.id, key);
      assert.deepEqual([...got.steps], h.steps, `${r.name}/${key} steps`);
      assert.deepEqual([...got.timestamps], h.timestamps, `${r.name}/${key} timestamps`);
      assert.deepEqual([...got.values].map(str), h.values, `${r.name}/${key} values (NaN, ±Inf, -0 exact)`);
    }
  }
  assert.deepEqual(R.getRegisteredModel(store, 'legacy-model'), expected.model);
}

test('a store in the old format (points in the snapshot, a journal tail) is migrated once with nothing lost', async () => {
  const ws = tempDir();
  copyFixture(ws);
  // A reader first: it migrates in memory and changes no file.
  const before = fs.readdirSync(path.join(ws, '.mlops')).sort();
  const reader = await openStore(ws, { readOnly: true });
  checkAll(reader);
  reader.close();
  assert.deepEqual(fs.readdirSync(path.join(ws, '.mlops')).sort(), before, 'a read-only open writes nothing');

  let store = await openStore(ws);
  checkAll(store);
  assert.ok(
    fs.readdirSync(path.join(ws, '.mlops', 'metrics')).some((f) => f.endsWith('.mseg')),
    'points moved to segments',
  );
  assert.equal(store.one<{ c: number }>("SELECT count(*) AS c FROM sqlite_master WHERE name = 'legacy_metric_chunks'")!.c, 0, 'the BLOB table is gone');
  // New points continue each history after the migrated ones.
  T.logMetric(store, expected.runs[0].id, { key: 'after', value: -Infinity, timestamp: 1_700_000_009_000, step: 301 });
  await store.durable();
  const segBytes = fs.readdirSync(path.join(ws, '.mlops', 'metrics')).map((f) => fs.statSync(path.join(ws, '.mlops', 'metrics', f)).size);
  store.close();

  // Opening again migrates nothing (the segments are not rewritten) and still holds everything.
  store = await openStore(ws);
  try {
    checkAll(store);
    assert.deepEqual([...T.getMetricHistory(store, expected.runs[0].id, 'after').values], [-Infinity]);
    const after = fs.readdirSync(path.join(ws, '.mlops', 'metrics')).map((f) => fs.statSync(path.join(ws, '.mlops', 'metrics', f)).size);
    assert.deepEqual(after, segBytes);
  } finally {
    store.close();
  }
});

test('a migration interrupted before its snapshot starts over and duplicates nothing', async () => {
  const ws = tempDir();
  copyFixture(ws);
  const s1 = await openStore(ws);
  // As if the process died right after moving the points but before the snapshot was renamed into place.
  s1.close();
  copyFixture(ws); // the old snapshot and journals are back; the segments of the first attempt remain
  const store = await openStore(ws);
  try {
    checkAll(store);
  } finally {
    store.close();
  }
});
