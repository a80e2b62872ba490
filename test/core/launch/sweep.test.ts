import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSweepValues, runQueue, sweepGrid } from '../../../src/core/launch/sweep';

test('sweep values: lists, quoted items, integer and float ranges', () => {
  assert.deepEqual(parseSweepValues('a', '0.1, 0.2,0.5'), ['0.1', '0.2', '0.5']);
  assert.deepEqual(parseSweepValues('a', '"x,y", z'), ['x,y', 'z']);
  assert.deepEqual(parseSweepValues('e', '1:5'), ['1', '2', '3', '4', '5']);
  assert.deepEqual(parseSweepValues('e', '10:0:-5'), ['10', '5', '0']);
  assert.deepEqual(parseSweepValues('a', '0:1:0.25'), ['0', '0.25', '0.5', '0.75', '1']);
  assert.deepEqual(parseSweepValues('a', '0.1:0.3:0.1'), ['0.1', '0.2', '0.3']);
  assert.deepEqual(parseSweepValues('a', '7'), ['7']);
});

test('sweep values: bad input names the parameter', () => {
  assert.throws(() => parseSweepValues('alpha', ''), /alpha/);
  assert.throws(() => parseSweepValues('alpha', '1:5:-1'), /never reaches its end/);
  assert.throws(() => parseSweepValues('alpha', '0:1:0'), /never reaches/);
  assert.throws(() => parseSweepValues('alpha', 'a,,b'), /empty item/);
  assert.throws(() => parseSweepValues('alpha', '"a, b'), /Unclosed quote/);
  assert.throws(() => parseSweepValues('alpha', '0:1e6'), /at most 10,000/);
});

test('grid: every combination, last parameter fastest, with a size limit', () => {
  assert.deepEqual(sweepGrid({ a: ['1', '2'], b: ['x', 'y'] }), [
    { a: '1', b: 'x' },
    { a: '1', b: 'y' },
    { a: '2', b: 'x' },
    { a: '2', b: 'y' },
  ]);
  assert.throws(() => sweepGrid({ a: Array(40).fill('1'), b: Array(40).fill('2') }), /1600 combinations/);
});

test('queue respects the concurrency limit and stops starting work when cancelled', async () => {
  let running = 0;
  let peak = 0;
  const started: number[] = [];
  const ac = new AbortController();
  const tasks = Array.from({ length: 8 }, (_, i) => async () => {
    started.push(i);
    running++;
    peak = Math.max(peak, running);
    await new Promise((r) => setTimeout(r, 20));
    running--;
    if (i === 3) ac.abort();
    return i;
  });
  const res = await runQueue(tasks, 2, ac.signal);
  assert.equal(peak, 2);
  assert.ok(started.length < 8, `cancel stopped the queue (${started.length} started)`);
  assert.deepEqual(res.slice(0, 4), [0, 1, 2, 3]);
});
