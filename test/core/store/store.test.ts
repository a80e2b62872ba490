import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { openStore } from '../../../src/core/openStore';
import * as T from '../../../src/core/tracking';
import * as R from '../../../src/core/registry';
import { CorruptStoreFile, InvalidParameter, NotFound, AlreadyExists } from '../../../src/core/errors';
import { tempDir } from '../../helpers/tmp';

test('a new store has the Default experiment 0', async (t) => {
  const ws = tempDir(t);
  const s = await openStore(ws);
  t.after(() => s.close());
  const e = T.getExperiment(s, '0');
  assert.equal(e.name, 'Default');
  assert.equal(e.lifecycle_stage, 'active');
  assert.deepEqual(T.getExperimentByName(s, 'Default').experiment_id, '0');
  assert.throws(() => T.deleteExperiment(s, '0'), InvalidParameter);
});

test('params are write-once: same value is idempotent, a different one is an error', async (t) => {
  const s = await openStore(tempDir(t));
  t.after(() => s.close());
  const run = T.createRun(s, { run_name: 'p' });
  const id = run.info.run_id;
  assert.match(id, /^[0-9a-f]{32}$/);
  T.logParam(s, id, 'alpha', '0.5');
  T.logParam(s, id, 'alpha', '0.5');
  assert.throws(
    () => T.logParam(s, id, 'alpha', '0.7'),
    (e: Error) => e instanceof InvalidParameter && /Changing param values is not allowed/.test(e.message),
  );
  assert.deepEqual(T.getRun(s, id).data.params, [{ key: 'alpha', value: '0.5' }]);
  // A batch that conflicts is rejected whole: nothing of it lands.
  assert.throws(
    () =>
      T.logBatch(s, id, {
        params: [
          { key: 'beta', value: '1' },
          { key: 'alpha', value: '9' },
        ],
      }),
    InvalidParameter,
  );
  assert.deepEqual(
    T.getRun(s, id).data.params.map((p) => p.key),
    ['alpha'],
  );
  assert.throws(
    () =>
      T.logBatch(s, id, {
        params: [
          { key: 'x', value: '1' },
          { key: 'x', value: '1' },
        ],
      }),
    /Duplicate parameter keys/,
  );
});

test('latest metric follows (step, timestamp, value) ordering, NaN compared as 0', async (t) => {
  const s = await openStore(tempDir(t));
  t.after(() => s.close());
  const id = T.createRun(s).info.run_id;
  T.logMetric(s, id, { key: 'm', value: 5, timestamp: 100, step: 2 });
  T.logMetric(s, id, { key: 'm', value: 9, timestamp: 999, step: 1 }); // older step, later time: not latest
  assert.equal(T.getRun(s, id).data.metrics[0].value, 5);
  T.logMetric(s, id, { key: 'm', value: 3, timestamp: 101, step: 2 }); // same step, later time wins
  assert.equal(T.getRun(s, id).data.metrics[0].value, 3);
  T.logMetric(s, id, { key: 'm', value: 4, timestamp: 101, step: 2 }); // same step and time, larger value wins
  assert.equal(T.getRun(s, id).data.metrics[0].value, 4);
  T.logMetric(s, id, { key: 'm', value: 2, timestamp: 101, step: 2 });
  assert.equal(T.getRun(s, id).data.metrics[0].value, 4);
  T.logMetric(s, id, { key: 'n', value: 1, timestamp: 1, step: 0 });
  T.logMetric(s, id, { key: 'n', value: NaN, timestamp: 1, step: 0 }); // NaN counts as 0 < 1
  assert.equal(T.getRun(s, id).data.metrics.find((m) => m.key === 'n')!.value, 1);
  T.logMetric(s, id, { key: 'n', value: NaN, timestamp: 2, step: 0 });
  assert.ok(Number.isNaN(T.getRun(s, id).data.metrics.find((m) => m.key === 'n')!.value));
});

test('NaN and ±Inf survive history, latest values, snapshot and replay', async (t) => {
  const ws = tempDir(t);
  let s = await openStore(ws);
  const id = T.createRun(s).info.run_id;
  T.logBatch(s, id, {
    metrics: [
      { key: 'v', value: NaN, timestamp: 1, step: 0 },
      { key: 'v', value: Infinity, timestamp: 2, step: 1 },
      { key: 'v', value: -Infinity, timestamp: 3, step: 2 },
      { key: 'w', value: 'NaN', timestamp: 3, step: 2 },
    ],
  });
  const check = () => {
    const h = T.getMetricHistory(s, id, 'v');
    assert.ok(Number.isNaN(h.values[0]));
    assert.equal(h.values[1], Infinity);
    assert.equal(h.values[2], -Infinity);
    assert.equal(T.getRun(s, id).data.metrics.find((m) => m.key === 'v')!.value, -Infinity);
    assert.ok(Number.isNaN(T.getRun(s, id).data.metrics.find((m) => m.key === 'w')!.value));
  };
  check();
  s.close(); // snapshot
  s = await openStore(ws);
  check();
  T.logMetric(s, id, { key: 'v', value: Infinity, timestamp: 9, step: 3 });
  await s.durable(); // acknowledged
  // Simulate a crash: drop the store without closing, then reopen from snapshot + segments.
  (s as unknown as { lock: { release(): void } }).lock.release();
  s = await openStore(ws);
  t.after(() => s.close());
  assert.equal(T.getMetricHistory(s, id, 'v').values[3], Infinity);
  assert.equal(T.getRun(s, id).data.metrics.find((m) => m.key === 'v')!.value, Infinity);
  assert.equal(s.report.replayedRecords, 0, 'points are not journaled: the segments hold them');
});

test('metric validation: bad values, timestamps, keys and batch limits', async (t) => {
  const s = await openStore(tempDir(t));
  t.after(() => s.close());
  const id = T.createRun(s).info.run_id;
  assert.throws(() => T.logMetric(s, id, { key: 'a', value: 'abc', timestamp: 1 }), InvalidParameter);
  assert.throws(() => T.logMetric(s, id, { key: 'a', value: true, timestamp: 1 }), InvalidParameter);
  assert.throws(() => T.logMetric(s, id, { key: 'a', value: 1, timestamp: -1 }), InvalidParameter);
  assert.throws(() => T.logMetric(s, id, { key: '../x', value: 1, timestamp: 1 }), InvalidParameter);
  assert.throws(() => T.logMetric(s, id, { key: 'a$b', value: 1, timestamp: 1 }), InvalidParameter);
  const many = Array.from({ length: 1001 }, (_, i) => ({ key: 'k', value: i, timestamp: 1, step: i }));
  assert.throws(() => T.logBatch(s, id, { metrics: many }), /at most 1000 metrics/);
  assert.throws(() => T.logMetric(s, 'f'.repeat(32), { key: 'a', value: 1, timestamp: 1 }), NotFound);
  T.deleteRun(s, id);
  assert.throws(() => T.logMetric(s, id, { key: 'a', value: 1, timestamp: 1 }), /must be in the 'active' state/);
  T.restoreRun(s, id);
  T.logMetric(s, id, { key: 'a', value: 1, timestamp: 1 });
});

test('experiments: unique names, rename, delete takes runs along, restore brings them back', async (t) => {
  const s = await openStore(tempDir(t));
  t.after(() => s.close());
  const e = T.createExperiment(s, { name: 'exp', tags: [{ key: 'team', value: 'ds' }] });
  assert.throws(() => T.createExperiment(s, { name: 'exp' }), AlreadyExists);
  const r = T.createRun(s, { experiment_id: e });
  assert.equal(r.info.artifact_uri, `mlflow-artifacts:/${e}/${r.info.run_id}/artifacts`);
  T.deleteExperiment(s, e);
  assert.equal(T.getRun(s, r.info.run_id).info.lifecycle_stage, 'deleted');
  assert.throws(() => T.createExperiment(s, { name: 'exp' }), /deleted state/);
  T.restoreExperiment(s, e);
  assert.equal(T.getRun(s, r.info.run_id).info.lifecycle_stage, 'active');
  T.renameExperiment(s, e, 'exp2');
  assert.equal(T.getExperiment(s, e).name, 'exp2');
  assert.deepEqual(T.getExperiment(s, e).tags, [{ key: 'team', value: 'ds' }]);
});

test('registry: versions, aliases, stages with archive_existing, soft delete keeps numbering', async (t) => {
  const s = await openStore(tempDir(t));
  t.after(() => s.close());
  const run = T.createRun(s).info;
  R.createRegisteredModel(s, { name: 'm' });
  assert.throws(() => R.createRegisteredModel(s, { name: 'm' }), AlreadyExists);
  const v1 = R.createModelVersion(s, { name: 'm', source: `${run.artifact_uri}/model`, run_id: run.run_id });
  const v2 = R.createModelVersion(s, { name: 'm', source: `${run.artifact_uri}/model`, run_id: run.run_id });
  assert.equal(v1.version, '1');
  assert.equal(v2.version, '2');
  R.setRegisteredModelAlias(s, 'm', 'champion', '1');
  assert.deepEqual(R.getModelVersion(s, 'm', '1').aliases, ['champion']);
  assert.equal(R.getModelVersionByAlias(s, 'm', 'champion').version, '1');
  assert.throws(() => R.setRegisteredModelAlias(s, 'm', 'latest', '1'), /reserved/);
  R.transitionModelVersionStage(s, 'm', '1', 'production');
  R.transitionModelVersionStage(s, 'm', '2', 'Production', true);
  assert.equal(R.getModelVersion(s, 'm', '1').current_stage, 'Archived');
  assert.deepEqual(
    R.getLatestVersions(s, 'm', ['Production']).map((v) => v.version),
    ['2'],
  );
  R.deleteModelVersion(s, 'm', '2');
  assert.throws(() => R.getModelVersion(s, 'm', '2'), NotFound);
  assert.equal(R.createModelVersion(s, { name: 'm', source: 's' }).version, '3');
  R.renameRegisteredModel(s, 'm', 'm2');
  assert.equal(R.getModelVersionByAlias(s, 'm2', 'champion').version, '1');
});

test('a truncated snapshot is reported by name and nothing is changed without recovery', async (t) => {
  const ws = tempDir(t);
  let s = await openStore(ws);
  const id = T.createRun(s, { run_name: 'keep' }).info.run_id;
  s.snapshot();
  T.logParam(s, id, 'after', 'first-snapshot');
  s.close(); // second snapshot: the first becomes .prev
  const snap = path.join(ws, '.mlops', 'store.snapshot');
  const full = fs.readFileSync(snap);
  fs.writeFileSync(snap, full.subarray(0, Math.floor(full.length / 2)));
  const before = fs.readdirSync(path.join(ws, '.mlops')).sort();
  await assert.rejects(openStore(ws), (e: Error) => e instanceof CorruptStoreFile && e.message.includes('store.snapshot') && /truncated/.test(e.message));
  assert.deepEqual(fs.readdirSync(path.join(ws, '.mlops')).sort(), before, 'a failed open changes no file');
  s = await openStore(ws, { recover: true });
  t.after(() => s.close());
  assert.ok(s.report.keptCopies.some((f) => f.includes('store.snapshot.damaged-')));
  assert.deepEqual(T.getRun(s, id).data.params, [{ key: 'after', value: 'first-snapshot' }], 'previous snapshot + journals recover everything');
});

test('a torn final journal record (crash mid-append) is dropped; the intact prefix is kept', async (t) => {
  const ws = tempDir(t);
  let s = await openStore(ws);
  const id = T.createRun(s).info.run_id;
  for (let i = 0; i < 10; i++) T.setTag(s, id, `k${i}`, String(i));
  await s.durable();
  (s as unknown as { lock: { release(): void } }).lock.release(); // crash: no snapshot
  const j = path.join(ws, '.mlops', 'store.journal');
  fs.truncateSync(j, fs.statSync(j).size - 7);
  s = await openStore(ws);
  t.after(() => s.close());
  assert.equal(T.getRun(s, id).data.tags.filter((x) => /^k\d$/.test(x.key)).length, 9);
  assert.ok(
    s.report.notes.some((n) => /truncated/.test(n)),
    s.report.notes.join('; '),
  );
});

test('a damaged journal record in the middle needs recovery, which keeps every other record and a copy', async (t) => {
  const ws = tempDir(t);
  let s = await openStore(ws);
  const id = T.createRun(s).info.run_id;
  for (let i = 0; i < 10; i++) T.setTag(s, id, `k${i}`, String(i));
  await s.durable();
  (s as unknown as { lock: { release(): void } }).lock.release();
  const j = path.join(ws, '.mlops', 'store.journal');
  const bytes = fs.readFileSync(j);
  bytes[Math.floor(bytes.length * 0.6)] ^= 0xff;
  fs.writeFileSync(j, bytes);
  await assert.rejects(
    openStore(ws),
    (e: Error) => e instanceof CorruptStoreFile && e.message.includes('store.journal') && /checksum|JSON|length/.test(e.message),
  );
  assert.deepEqual(fs.readFileSync(j), bytes, 'the damaged journal is untouched');
  s = await openStore(ws, { recover: true });
  t.after(() => s.close());
  const n = T.getRun(s, id).data.tags.filter((x) => /^k\d$/.test(x.key)).length;
  assert.equal(n, 9, 'only the damaged record is lost: the records after it are kept too');
  assert.ok(s.report.keptCopies.length === 1 && fs.existsSync(s.report.keptCopies[0]));
  assert.deepEqual(fs.readFileSync(s.report.keptCopies[0]), bytes);
});

test('a crash between snapshot and journal rotation replays nothing twice', async (t) => {
  const ws = tempDir(t);
  let s = await openStore(ws);
  const id = T.createRun(s).info.run_id;
  T.logMetric(s, id, { key: 'k', value: 1, timestamp: 1, step: 1 });
  const j = path.join(ws, '.mlops', 'store.journal');
  const oldJournal = fs.readFileSync(j);
  s.snapshot();
  (s as unknown as { lock: { release(): void } }).lock.release();
  fs.writeFileSync(j, oldJournal); // as if rotation never happened
  s = await openStore(ws);
  t.after(() => s.close());
  assert.equal(T.getMetricHistory(s, id, 'k').steps.length, 1);
});

test('schema is versioned; a store from a newer version is refused with a clear message', async (t) => {
  const ws = tempDir(t);
  const s = await openStore(ws);
  s.db.run("UPDATE store_meta SET value = '99' WHERE key = 'schema_version'");
  s.snapshot();
  s.close();
  await assert.rejects(openStore(ws), /schema version 99, newer than this build/);
});
