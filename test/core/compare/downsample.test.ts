import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bucketOf, downsample, type Series } from '../../../src/core/compare/downsample';

function series(values: number[], steps = values.map((_, i) => i), timestamps = steps.map((s) => 1000 + s * 10)): Series {
  return { steps: Float64Array.from(steps), timestamps: Float64Array.from(timestamps), values: Float64Array.from(values) };
}

test('short series come back whole and not downsampled', () => {
  const d = downsample(series([3, 1, 2]), { xAxis: 'step', maxPoints: 10 });
  assert.equal(d.downsampled, false);
  assert.equal(d.total, 3);
  assert.deepEqual([...d.values], [3, 1, 2]);
  assert.deepEqual([...d.steps], [0, 1, 2]);
});

test('a single spike among a million points survives, as does the global minimum', () => {
  const n = 1_000_000;
  const v = new Float64Array(n).fill(1);
  v[123_457] = 1000;
  v[876_543] = -5;
  const s: Series = { steps: Float64Array.from({ length: n }, (_, i) => i), timestamps: new Float64Array(n), values: v };
  const d = downsample(s, { xAxis: 'step', maxPoints: 800 });
  assert.equal(d.downsampled, true);
  assert.equal(d.total, n);
  assert.ok(d.values.length <= 800, `${d.values.length} points`);
  assert.equal(Math.max(...d.values), 1000);
  assert.equal(Math.min(...d.values), -5);
  assert.ok(d.steps.includes(123_457) && d.steps.includes(876_543));
  for (let i = 1; i < d.steps.length; i++) assert.ok(d.steps[i] > d.steps[i - 1], 'points stay in x order');
});

test('per bucket: the min and the max point, in x order, on equal-width bucket edges', () => {
  // 12 points on steps 0..11, 3 buckets over [0, 11]: edges 0, 11/3, 22/3, 11 → steps 0-3 | 4-7 | 8-11
  const values = [5, 9, 1, 4, /**/ 2, 2, 8, 0, /**/ 7, 3, 3, 6];
  const d = downsample(series(values), { xAxis: 'step', maxPoints: 6 });
  assert.equal(d.downsampled, true);
  assert.deepEqual([...d.steps], [1, 2, 6, 7, 8, 9]);
  assert.deepEqual([...d.values], [9, 1, 8, 0, 7, 3]);
  assert.equal(bucketOf(3.6, 0, 11, 3), 0);
  assert.equal(bucketOf(11 / 3, 0, 11, 3), 1, 'a point on an edge starts the next bucket');
  assert.equal(bucketOf(4, 0, 11, 3), 1);
  assert.equal(bucketOf(11, 0, 11, 3), 2, 'the last edge belongs to the last bucket');
  assert.equal(bucketOf(5, 5, 5, 3), 0, 'a zero-width range is one bucket');
});

test('bucket edges are on the requested axis: wall time buckets differ from step buckets', () => {
  // steps are even, but time jumps: 0..5 at t=0..5, 6..11 at t=100..105
  const steps = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
  const ts = [0, 1, 2, 3, 4, 5, 100, 101, 102, 103, 104, 105];
  const values = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
  const wall = downsample(series(values, steps, ts), { xAxis: 'wall', maxPoints: 4 });
  // two buckets on [0, 105]: edge 52.5 → steps 0-5 | 6-11
  assert.deepEqual([...wall.steps], [0, 5, 6, 11]);
  const rel = downsample(
    series(
      values,
      steps,
      ts.map((t) => t + 5000),
    ),
    { xAxis: 'relative', startTime: 5000, maxPoints: 4 },
  );
  assert.deepEqual([...rel.steps], [0, 5, 6, 11]);
  const byStep = downsample(series(values, steps, ts), { xAxis: 'step', maxPoints: 4 });
  // two buckets on [0, 11]: edge 5.5 → the same split here, min/max of monotone values are the ends
  assert.deepEqual([...byStep.steps], [0, 5, 6, 11]);
  const three = downsample(series(values, steps, ts), { xAxis: 'wall', maxPoints: 6 });
  // three buckets on [0, 105]: [0,35) [35,70) [70,105] → the middle one is empty
  assert.deepEqual([...three.steps], [0, 5, 6, 11]);
});

test('points out of x order (wall clock vs step) are put in x order first', () => {
  const d = downsample(series([1, 2, 3], [0, 1, 2], [30, 10, 20]), { xAxis: 'wall', maxPoints: 10 });
  assert.deepEqual([...d.timestamps], [10, 20, 30]);
  assert.deepEqual([...d.values], [2, 3, 1]);
});

test('a range returns its detail plus the one point just outside each edge', () => {
  const values = Array.from({ length: 100 }, (_, i) => i * 2);
  const d = downsample(series(values), { xAxis: 'step', maxPoints: 50, range: [10, 20] });
  assert.equal(d.downsampled, false);
  assert.equal(d.total, 11);
  assert.deepEqual([...d.steps], [9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21]);
  const edge = downsample(series(values), { xAxis: 'step', maxPoints: 50, range: [-5, 3.5] });
  assert.deepEqual([...edge.steps], [0, 1, 2, 3, 4], 'no point before the first one');
  const between = downsample(series([1, 2, 3], [0, 10, 20]), { xAxis: 'step', maxPoints: 50, range: [12, 15] });
  assert.equal(between.total, 0);
  assert.deepEqual([...between.steps], [10, 20], 'an empty range still gets its neighbours, to draw the line');
  const reversed = downsample(series(values), { xAxis: 'step', maxPoints: 50, range: [20, 10] });
  assert.deepEqual([...reversed.steps], [...d.steps]);
});

test('a large range is bucketed on the range edges, not the data edges', () => {
  const n = 10_000;
  const values = Array.from({ length: n }, (_, i) => (i === 5_000 ? 1e6 : i % 7));
  const d = downsample(series(values), { xAxis: 'step', maxPoints: 100, range: [4000, 6000] });
  assert.equal(d.downsampled, true);
  assert.equal(d.total, 2001);
  assert.equal(d.steps[0], 3999);
  assert.equal(d.steps[d.steps.length - 1], 6001);
  assert.ok(d.values.length <= 102);
  assert.ok(d.values.includes(1e6));
  const inside = [...d.steps].slice(1, -1);
  assert.ok(inside.every((s) => s >= 4000 && s <= 6000));
});

test('NaN values do not hide a bucket min/max; an all-NaN bucket keeps a point for the gap', () => {
  const values = [NaN, 5, NaN, 1, NaN, NaN, NaN, NaN];
  const d = downsample(series(values), { xAxis: 'step', maxPoints: 4 });
  // two buckets [0,3.5) and [3.5,7]: 5 and 1 from the first, one NaN point for the second
  assert.deepEqual([...d.steps], [1, 3, 4]);
  assert.ok(Number.isNaN(d.values[2]));
});
