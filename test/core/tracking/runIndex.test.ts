import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openStore } from '../../../src/core/openStore';
import type { Store } from '../../../src/core/store/store';
import * as T from '../../../src/core/tracking';
import { RunIndex } from '../../../src/core/tracking/runIndex';
import { tempDir } from '../../helpers/tmp';

async function withStore(fn: (s: Store, exp: string) => void | Promise<void>) {
  const s = await openStore(tempDir());
  try {
    await fn(s, T.createExperiment(s, { name: 'e' }));
  } finally {
    s.close();
  }
}

const search = (s: Store, exp: string, filter = '', extra: Partial<T.SearchRunsRequest> = {}) =>
  T.searchRuns(s, { experiment_ids: [exp], filter, ...extra }).runs.map((r) => r.info.run_name);

test('one index per store, shared by every search and view', async () => {
  await withStore((s, exp) => {
    T.createRun(s, { experiment_id: exp, run_name: 'a' });
    assert.equal(RunIndex.of(s), RunIndex.of(s));
    search(s, exp);
    const summary = RunIndex.of(s).runs(exp)[0];
    search(s, exp);
    assert.equal(RunIndex.of(s).runs(exp)[0], summary, 'a second search reloads nothing');
  });
});

test('every kind of write after a search shows in the next search', async () => {
  await withStore((s, exp) => {
    const a = T.createRun(s, { experiment_id: exp, run_name: 'a', start_time: 1 }).info.run_id;
    assert.deepEqual(search(s, exp), ['a']);
    const b = T.createRun(s, { experiment_id: exp, run_name: 'b', start_time: 2 }).info.run_id;
    assert.deepEqual(search(s, exp), ['b', 'a'], 'a new run');
    T.logMetric(s, a, { key: 'm', value: 0.5, timestamp: 1, step: 0 });
    assert.deepEqual(search(s, exp, 'metrics.m = 0.5'), ['a'], 'a metric');
    T.logMetric(s, a, { key: 'm', value: 0.9, timestamp: 2, step: 1 });
    assert.deepEqual(search(s, exp, 'metrics.m = 0.5'), [], 'a newer point replaces the latest value');
    assert.deepEqual(search(s, exp, 'metrics.m = 0.9'), ['a']);
    T.logParam(s, b, 'p', 'x');
    assert.deepEqual(search(s, exp, "params.p = 'x'"), ['b'], 'a param');
    T.setTag(s, a, 't', '1');
    assert.deepEqual(search(s, exp, "tags.t = '1'"), ['a'], 'a tag');
    T.setTag(s, a, 't', '2');
    assert.deepEqual(search(s, exp, "tags.t = '1'"), [], 'a tag update');
    T.deleteTag(s, a, 't');
    assert.deepEqual(search(s, exp, "tags.t = '2'"), [], 'a deleted tag');
    T.updateRun(s, b, { status: 'FAILED', run_name: 'b2' });
    assert.deepEqual(search(s, exp, "status = 'FAILED'"), ['b2'], 'status and name');
    T.logBatch(s, b, { params: [{ key: 'q', value: 'y' }], tags: [{ key: 'u', value: 'v' }], metrics: [{ key: 'n', value: 3, timestamp: 1, step: 0 }] });
    assert.deepEqual(search(s, exp, "params.q = 'y' AND tags.u = 'v' AND metrics.n = 3"), ['b2'], 'a batch');
    T.logInputs(s, a, [
      { dataset: { name: 'train', digest: 'd1', source_type: 'local', source: 'x' }, tags: [{ key: 'mlflow.data.context', value: 'training' }] },
    ]);
    assert.deepEqual(search(s, exp, "datasets.context = 'training' AND datasets.name = 'train'"), ['a'], 'a dataset input');
  });
});

test('deleted and restored runs, and runs of a deleted experiment', async () => {
  await withStore((s, exp) => {
    const a = T.createRun(s, { experiment_id: exp, run_name: 'a', start_time: 1 }).info.run_id;
    T.createRun(s, { experiment_id: exp, run_name: 'b', start_time: 2 });
    assert.deepEqual(search(s, exp), ['b', 'a']);
    T.deleteRun(s, a);
    assert.deepEqual(search(s, exp), ['b']);
    assert.deepEqual(search(s, exp, '', { run_view_type: 'DELETED_ONLY' }), ['a']);
    assert.deepEqual(search(s, exp, '', { run_view_type: 'ALL' }), ['b', 'a']);
    T.restoreRun(s, a);
    assert.deepEqual(search(s, exp), ['b', 'a']);
    T.deleteExperiment(s, exp);
    assert.deepEqual(search(s, exp), [], 'deleting an experiment deletes its runs');
    assert.deepEqual(search(s, exp, '', { run_view_type: 'DELETED_ONLY' }), ['b', 'a']);
    T.restoreExperiment(s, exp);
    assert.deepEqual(search(s, exp), ['b', 'a']);
  });
});

test('NaN metrics: as 0 in filters, after values and before missing ones in order', async () => {
  await withStore((s, exp) => {
    const mk = (name: string, start: number, value?: number) => {
      const id = T.createRun(s, { experiment_id: exp, run_name: name, start_time: start }).info.run_id;
      if (value !== undefined) T.logMetric(s, id, { key: 'm', value, timestamp: 1, step: 0 });
      return id;
    };
    mk('one', 1, 1);
    const nan = mk('nan', 2, NaN);
    mk('none', 3);
    mk('minus', 4, -1);
    assert.deepEqual(search(s, exp, '', { order_by: ['metrics.m ASC'] }), ['minus', 'one', 'nan', 'none']);
    assert.deepEqual(search(s, exp, '', { order_by: ['metrics.m DESC'] }), ['one', 'minus', 'nan', 'none']);
    assert.deepEqual(search(s, exp, 'metrics.m = 0'), ['nan']);
    const got = T.searchRuns(s, { experiment_ids: [exp], filter: "run_name = 'nan'" }).runs[0].data.metrics;
    assert.ok(Number.isNaN(got.find((m) => m.key === 'm')!.value), 'the value itself stays NaN');
    T.logMetric(s, nan, { key: 'm', value: 5, timestamp: 2, step: 1 });
    assert.deepEqual(search(s, exp, '', { order_by: ['metrics.m DESC'] }), ['nan', 'one', 'minus', 'none'], 'a NaN replaced by a value');
  });
});

test('a search page is the same runs as getRun, assembled in one pass', async () => {
  await withStore((s, exp) => {
    for (let i = 0; i < 40; i++) {
      const id = T.createRun(s, { experiment_id: exp, run_name: `r${i}`, start_time: i % 7, tags: [{ key: 'k', value: String(i % 3) }] }).info.run_id;
      T.logBatch(s, id, {
        params: [
          { key: 'z', value: String(i) },
          { key: '10', value: 'a' },
          { key: '9', value: 'b' },
          { key: '__proto__', value: 'p' },
        ],
        metrics: [
          { key: 'b', value: i, timestamp: 1, step: 0 },
          { key: 'a', value: i % 5 ? i : NaN, timestamp: 1, step: 0 },
        ],
      });
      if (i % 4 === 0)
        T.logInputs(s, id, [
          { dataset: { name: `d${i}`, digest: 'x', source_type: 's', source: 'u' }, tags: [] },
          { dataset: { name: 'c', digest: 'y', source_type: 's', source: 'u' }, tags: [] },
        ]);
      if (i % 10 === 0) T.deleteRun(s, id);
    }
    const page = T.searchRuns(s, { experiment_ids: [exp], run_view_type: 'ALL', order_by: ['metrics.a DESC'] }).runs;
    assert.equal(page.length, 40);
    for (const r of page) assert.deepEqual(r, T.getRun(s, r.info.run_id), r.info.run_name);
  });
});

test('a write inside a failed operation leaves the index right', async () => {
  await withStore((s, exp) => {
    const a = T.createRun(s, { experiment_id: exp, run_name: 'a' }).info.run_id;
    T.logParam(s, a, 'p', '1');
    assert.deepEqual(search(s, exp, "params.p = '1'"), ['a']);
    assert.throws(() => T.logBatch(s, a, { params: [{ key: 'p', value: '2' }], metrics: [{ key: 'm', value: 1, timestamp: 1, step: 0 }] }));
    assert.deepEqual(search(s, exp, "params.p = '1'"), ['a']);
    assert.deepEqual(search(s, exp, 'metrics.m = 1'), [], 'the rolled-back metric is not there');
  });
});

test('get finds any run of the store, before and after writes', async () => {
  await withStore((s, exp) => {
    const a = T.createRun(s, { experiment_id: exp, run_name: 'a' }).info.run_id;
    const ix = new RunIndex(s);
    try {
      assert.equal(ix.get(a)?.run_name, 'a', 'first read loads the store');
      T.updateRun(s, a, { run_name: 'a2' });
      assert.equal(ix.get(a)?.run_name, 'a2');
      assert.equal(ix.get('nope'), undefined);
    } finally {
      ix.dispose();
    }
  });
});
