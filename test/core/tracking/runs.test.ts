import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openStore } from '../../../src/core/openStore';
import * as T from '../../../src/core/tracking';
import { getMetricHistory } from '../../../src/core/tracking/history';
import { tempDir } from '../../helpers/tmp';

test('a run: its params are set once, tags change, latest metrics follow the highest step, delete and restore', async (t) => {
  const store = await openStore(tempDir());
  t.after(() => store.close());
  const exp = T.createExperiment(store, { name: 'unit' });
  const run = T.createRun(store, { experiment_id: exp, run_name: 'r1', tags: [{ key: 'team', value: 'a' }] });
  const id = run.info.run_id;
  assert.equal(run.info.status, 'RUNNING');
  assert.equal(run.info.experiment_id, exp);

  T.logParam(store, id, 'lr', '0.1');
  T.logParam(store, id, 'lr', '0.1');
  assert.throws(
    () => T.logParam(store, id, 'lr', '0.2'),
    (e: Error & { code?: string }) => e.code === 'INVALID_PARAMETER_VALUE' && /lr/.test(e.message),
  );
  T.setTag(store, id, 'team', 'b');
  T.deleteTag(store, id, 'team');
  assert.ok(!T.getRun(store, id).data.tags.some((x) => x.key === 'team'));

  T.logBatch(store, id, {
    metrics: [
      { key: 'loss', value: 0.5, timestamp: 10, step: 2 },
      { key: 'loss', value: 0.9, timestamp: 20, step: 1 },
      { key: 'loss', value: NaN, timestamp: 30, step: 0 },
    ],
  });
  const latest = T.getRun(store, id).data.metrics.find((m) => m.key === 'loss')!;
  assert.deepEqual([latest.step, latest.value], [2, 0.5], 'latest is the highest step, not the last logged');
  assert.equal(getMetricHistory(store, id, 'loss').values.length, 3);
  assert.ok(Array.from(getMetricHistory(store, id, 'loss').values).some(Number.isNaN), 'NaN kept');

  T.updateRun(store, id, { status: 'FINISHED', end_time: 100 });
  assert.equal(T.getRun(store, id).info.status, 'FINISHED');
  T.deleteRun(store, id);
  assert.equal(T.getRun(store, id).info.lifecycle_stage, 'deleted');
  assert.throws(() => T.logParam(store, id, 'b', '1'), /deleted|not active|active/i, 'a deleted run takes no writes');
  T.restoreRun(store, id);
  assert.equal(T.getRun(store, id).info.lifecycle_stage, 'active');
});

test('experiments: names are unique, the Default one exists, unknown ids are RESOURCE_DOES_NOT_EXIST', async (t) => {
  const store = await openStore(tempDir());
  t.after(() => store.close());
  assert.equal(T.getExperiment(store, '0').name, 'Default');
  T.createExperiment(store, { name: 'dup' });
  assert.throws(
    () => T.createExperiment(store, { name: 'dup' }),
    (e: Error & { code?: string }) => e.code === 'RESOURCE_ALREADY_EXISTS',
  );
  assert.throws(
    () => T.getExperiment(store, '999'),
    (e: Error & { code?: string }) => e.code === 'RESOURCE_DOES_NOT_EXIST',
  );
  assert.throws(
    () => T.getRun(store, 'nope'),
    (e: Error & { code?: string }) => e.code === 'RESOURCE_DOES_NOT_EXIST',
  );
});
