import { test } from 'node:test';
import assert from 'node:assert/strict';
import { emaSmooth } from '../../../src/core/compare/smooth';

const close = (a: number, b: number, msg?: string) => assert.ok(Math.abs(a - b) < 1e-12, `${msg ?? ''} ${a} ≉ ${b}`);

test('weight 0 returns an equal copy, not the same array', () => {
  const v = new Float64Array([1, 5, 2]);
  const s = emaSmooth(v, 0);
  assert.deepEqual([...s], [1, 5, 2]);
  assert.notEqual(s, v);
});

test('debiased EMA: the first point is kept, later points follow the TensorBoard formula', () => {
  const v = new Float64Array([10, 20, 30]);
  const w = 0.6;
  const s = emaSmooth(v, w);
  close(s[0], 10, 'debiasing keeps the first value');
  // by hand: last1 = 0.4*10 = 4 -> 4/0.4 = 10; last2 = 4*0.6 + 0.4*20 = 10.4 -> 10.4/(1-0.36) = 16.25
  close(s[1], 16.25);
  // last3 = 10.4*0.6 + 0.4*30 = 18.24 -> 18.24/(1-0.216)
  close(s[2], 18.24 / 0.784);
});

test('a constant series stays constant at any weight', () => {
  const v = new Float64Array(50).fill(3.5);
  for (const w of [0.1, 0.5, 0.9, 0.99]) for (const x of emaSmooth(v, w)) close(x, 3.5);
});

test('NaN and infinities pass through and do not poison the finite neighbours', () => {
  const v = new Float64Array([1, NaN, 1, Infinity, 1]);
  const s = emaSmooth(v, 0.9);
  assert.ok(Number.isNaN(s[1]));
  assert.equal(s[3], Infinity);
  for (const i of [0, 2, 4]) close(s[i], 1);
});

test('smoothing damps a spike; out-of-range weights are clamped', () => {
  const v = new Float64Array([0, 0, 0, 100, 0, 0]);
  const s = emaSmooth(v, 0.8);
  assert.ok(s[3] > 0 && s[3] < 100);
  assert.ok(s[4] > 0 && s[4] < s[3]);
  assert.deepEqual([...emaSmooth(v, -1)], [...v]);
  assert.deepEqual([...emaSmooth(v, NaN)], [...v]);
  const one = emaSmooth(v, 1);
  assert.ok(one.every(Number.isFinite));
  assert.equal(emaSmooth(new Float64Array(0), 0.5).length, 0);
});
