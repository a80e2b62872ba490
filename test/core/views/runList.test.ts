import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openStore } from '../../../src/core/openStore';
import * as T from '../../../src/core/tracking';
import { listRuns, parentsOf, RunIndex, runDescription, runTooltip } from '../../../src/core/views';
import { tempDir } from '../../helpers/tmp';

async function seeded() {
  const s = await openStore(tempDir());
  const exp = T.createExperiment(s, { name: 'sweep' });
  const ids: string[] = [];
  for (let i = 0; i < 30; i++) {
    const r = T.createRun(s, { experiment_id: exp, run_name: `run-${String(i).padStart(2, '0')}`, start_time: 1000 + i });
    ids.push(r.info.run_id);
    T.logBatch(s, r.info.run_id, {
      params: [{ key: 'alpha', value: String(i % 3 === 0 ? 0.5 : 0.1) }],
      metrics: i === 7 ? [] : [{ key: 'rmse', value: i === 5 ? NaN : 1 - i / 100, timestamp: 1, step: 0 }],
    });
  }
  const parent = T.createRun(s, { experiment_id: exp, run_name: 'parent', start_time: 5000 });
  for (let i = 0; i < 3; i++)
    T.createRun(s, { experiment_id: exp, run_name: `child-${i}`, start_time: 6000 + i, tags: [{ key: 'mlflow.parentRunId', value: parent.info.run_id }] });
  T.updateRun(s, ids[0], { status: 'FINISHED', end_time: 1000 + 125_000 });
  return { s, exp, ids, parent: parent.info.run_id };
}

test('runs page, nest under their parent, and sort newest first by default', async () => {
  const { s, exp, parent } = await seeded();
  try {
    const all = new RunIndex(s).runs(exp);
    const page = listRuns(all, {}, undefined, 10);
    assert.equal(page.total, 31, '30 runs + the parent; children are nested');
    assert.equal(page.runs.length, 10);
    assert.equal(page.runs[0].run_name, 'parent');
    assert.equal(page.runs[1].run_name, 'run-29');
    assert.ok(parentsOf(all).has(parent));
    const kids = listRuns(all, {}, parent, 100);
    assert.deepEqual(
      kids.runs.map((r) => r.run_name),
      ['child-2', 'child-1', 'child-0'],
    );
  } finally {
    s.close();
  }
});

test('filters use the MLflow grammar; errors carry a position and keep the list', async () => {
  const { s, exp } = await seeded();
  try {
    const all = new RunIndex(s).runs(exp);
    const res = listRuns(all, { filter: "metrics.rmse < 0.8 and params.alpha = '0.5'" }, undefined, 100);
    assert.deepEqual(res.runs.map((r) => r.run_name).sort(), ['run-21', 'run-24', 'run-27']);
    const bad = listRuns(all, { filter: 'metrics.rmse <> 3' }, undefined, 100);
    assert.ok(bad.error, 'a bad filter reports an error');
    assert.equal(typeof bad.error!.position, 'number');
    assert.equal(bad.total, 31, 'an invalid filter does not hide runs');
  } finally {
    s.close();
  }
});

test('sorting by a metric puts missing and NaN values last in both directions', async () => {
  const { s, exp } = await seeded();
  try {
    const all = new RunIndex(s).runs(exp).filter((r) => r.run_name.startsWith('run-'));
    const asc = listRuns(all, { sortBy: 'metric:rmse', descending: false }, undefined, 100).runs.map((r) => r.run_name);
    const desc = listRuns(all, { sortBy: 'metric:rmse', descending: true }, undefined, 100).runs.map((r) => r.run_name);
    assert.equal(asc[0], 'run-29');
    assert.equal(desc[0], 'run-00');
    for (const order of [asc, desc]) assert.deepEqual(new Set(order.slice(-2)), new Set(['run-05', 'run-07']));
    const byName = listRuns(all, { sortBy: 'name', descending: false }, undefined, 3).runs.map((r) => r.run_name);
    assert.deepEqual(byName, ['run-00', 'run-01', 'run-02']);
  } finally {
    s.close();
  }
});

test('descriptions show the key metric and duration; tooltips list params and metrics', async () => {
  const { s, exp, ids } = await seeded();
  try {
    const index = new RunIndex(s);
    const r0 = index.runs(exp).find((r) => r.run_id === ids[0])!;
    assert.equal(runDescription(r0, []), 'rmse 1 · 2m05s');
    const tip = runTooltip(r0);
    assert.match(tip, /\| alpha \| 0\\\.5 \|/);
    assert.match(tip, /\| rmse \| 1 \\\(step 0\\\) \|/);
  } finally {
    s.close();
  }
});

test('the index follows writes at once and reloads only the runs they touched', async () => {
  const { s, exp, ids } = await seeded();
  try {
    const index = new RunIndex(s);
    const before = index.runs(exp);
    assert.equal(before.find((r) => r.run_id === ids[3])!.metrics.rmse, 0.97);
    T.logMetric(s, ids[3], { key: 'rmse', value: 0.1, timestamp: 5, step: 1 });
    const after = index.runs(exp);
    assert.equal(after.find((r) => r.run_id === ids[3])!.metrics.rmse, 0.1, 'no change batch needed: the index taps the store');
    assert.equal(
      after.find((r) => r.run_id === ids[4]),
      before.find((r) => r.run_id === ids[4]),
      'an untouched run is not reloaded',
    );
    index.invalidate({ experiments: new Set(), runs: new Set(), metrics: new Map([[ids[3], new Set(['rmse'])]]), models: new Set(), all: false });
    assert.equal(index.runs(exp).find((r) => r.run_id === ids[3])!.metrics.rmse, 0.1);
    index.dispose();
  } finally {
    s.close();
  }
});

test('a filter shows matching children under their parent, the parent as context when it does not match itself', async () => {
  const { s, exp, parent } = await seeded();
  try {
    const kids = new RunIndex(s)
      .runs(exp)
      .filter((r) => r.parentRunId === parent)
      .sort((a, b) => a.run_name.localeCompare(b.run_name));
    for (const [i, k] of kids.entries()) T.logMetric(s, k.run_id, { key: 'rmse', value: 0.01 * (i + 1), timestamp: 1, step: 0 });
    const all = new RunIndex(s).runs(exp);
    const top = listRuns(all, { filter: 'metrics.rmse < 0.025' }, undefined, 100);
    // run-05 logged NaN, which MLflow's SQL store compares as 0: it matches too, as in MLflow's search.
    assert.deepEqual(
      top.runs.map((r) => r.run_name),
      ['parent', 'run-05'],
      'the parent of the matches (as MLflow would not list it), and the NaN run',
    );
    assert.ok(top.context.has(parent), 'shown as context (it does not match itself)');
    assert.ok(top.expandable.has(parent));
    assert.equal(top.matching, 3);
    const under = listRuns(all, { filter: 'metrics.rmse < 0.025' }, parent, 100);
    assert.deepEqual(under.runs.map((r) => r.run_name).sort(), ['child-0', 'child-1']);
    assert.equal(under.context.size, 0);
    // A parent that matches is no context; its children show only where they match.
    T.logMetric(s, parent, { key: 'rmse', value: 0.001, timestamp: 1, step: 0 });
    const again = new RunIndex(s).runs(exp);
    const both = listRuns(again, { filter: 'metrics.rmse < 0.015' }, undefined, 100);
    assert.deepEqual(
      both.runs.map((r) => r.run_name),
      ['parent', 'run-05'],
    );
    assert.deepEqual([...both.context], []);
    assert.deepEqual(
      listRuns(again, { filter: 'metrics.rmse < 0.015' }, parent, 100).runs.map((r) => r.run_name),
      ['child-0'],
    );
    const none = listRuns(all, { filter: 'metrics.rmse < 0' }, undefined, 100);
    assert.equal(none.total, 0);
    assert.equal(none.matching, 0);
    // Without a filter every run matches and only parents with children expand.
    const plain = listRuns(all, {}, undefined, 100);
    assert.equal(plain.context.size, 0);
    assert.deepEqual([...plain.expandable], [parent]);
  } finally {
    s.close();
  }
});
