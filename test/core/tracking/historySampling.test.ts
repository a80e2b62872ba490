import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bulkHistories, historyInLoggedOrder, sampledSteps, sampleHistories } from '../../../src/core/tracking/historySampling';
import type { MetricSeries } from '../../../src/core/tracking/types';

const range = (n: number, from = 0) => Array.from({ length: n }, (_, i) => from + i);
function series(steps: number[], timestamps = steps.map((s) => 1000 + s), values = steps.map((s) => s / 10)): MetricSeries {
  return { steps: Float64Array.from(steps), timestamps: Float64Array.from(timestamps), values: Float64Array.from(values) };
}

test('few steps come back whole; many are sampled evenly plus the last, as MLflow samples', () => {
  assert.deepEqual(sampledSteps([range(5)], 10), range(5));
  // 1,000 steps at max_results=10: every 100th and the last, 11 in all (what MLflow 2.12.2 answers).
  assert.deepEqual(sampledSteps([range(1000)], 10), [0, 100, 200, 300, 400, 500, 600, 700, 800, 900, 999]);
  assert.equal(sampledSteps([range(1000)], 2500).length, 1000, 'the default (2,500) keeps every step of a long run');
});

test("sampling is over the union of the runs, and keeps each run's first and last step", () => {
  const steps = sampledSteps([range(100), range(37)], 10);
  assert.ok(steps.includes(36), "the short run's last step");
  assert.ok(steps.includes(0) && steps.includes(99));
  assert.deepEqual(
    steps,
    [...steps].sort((a, b) => a - b),
  );
});

test('a range keeps only steps inside it; without one, negative steps are left out (start 0)', () => {
  // MLflow compares the absolute index with the count in range, so a range far from 0 keeps its ends only
  // (what MLflow 2.12.2 answers; the conformance suite checks it against the real server).
  assert.deepEqual(sampledSteps([range(1000)], 5, { start: 100, end: 200 }), [100, 200]);
  assert.deepEqual(sampledSteps([range(1000)], 5, { start: 0, end: 100 }), [0, 20, 40, 60, 80, 100]);
  assert.deepEqual(sampledSteps([range(6, -3)], 10), [0, 1, 2]);
  assert.deepEqual(sampledSteps([[]], 10), []);
});

test('points at the kept steps, runs in request order, within a run by step, time, value', () => {
  const a = series([0, 1, 1, 2], [5, 9, 7, 8], [1, 2, 3, 4]);
  const out = sampleHistories(
    'm',
    [
      { runId: 'b', series: series([0]) },
      { runId: 'a', series: a },
    ],
    10,
  );
  assert.deepEqual(
    out.map((m) => [m.run_id, m.step, m.timestamp]),
    [
      ['b', 0, 1000],
      ['a', 0, 5],
      ['a', 1, 7],
      ['a', 1, 9],
      ['a', 2, 8],
    ],
  );
});

test('get-history order is by time (a re-logged step comes last); bulk is by run id and capped', () => {
  const s = series([0, 1, 5, 2], [1, 2, 9, 3]);
  assert.deepEqual(
    historyInLoggedOrder('m', s).map((m) => m.step),
    [0, 1, 2, 5],
  );
  const bulk = bulkHistories(
    'm',
    [
      { runId: 'z', series: series(range(3)) },
      { runId: 'a', series: series(range(3)) },
    ],
    4,
  );
  assert.deepEqual(
    bulk.map((m) => [m.run_id, m.step]),
    [
      ['a', 0],
      ['a', 1],
      ['a', 2],
      ['z', 0],
    ],
  );
});
