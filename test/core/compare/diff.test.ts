import { test } from 'node:test';
import assert from 'node:assert/strict';
import { allColumns, diffColumns } from '../../../src/core/compare/diff';

const run = (params: Record<string, string>, metrics: Record<string, number> = {}, tags: Record<string, string> = {}) => ({ params, metrics, tags });

test('only keys whose values differ; a key missing in one run differs', () => {
  const runs = [
    run({ lr: '0.1', opt: 'adam', seed: '1' }, { loss: 0.5, acc: 0.9 }, { team: 'a' }),
    run({ lr: '0.2', opt: 'adam' }, { loss: 0.5, acc: 0.8 }, { team: 'a' }),
    run({ lr: '0.1', opt: 'adam', seed: '1' }, { loss: 0.5, acc: 0.9 }, { team: 'a', extra: 'x' }),
  ];
  assert.deepEqual(diffColumns(runs), { params: ['lr', 'seed'], metrics: ['acc'], tags: ['extra'] });
  assert.deepEqual(allColumns(runs), { params: ['lr', 'opt', 'seed'], metrics: ['acc', 'loss'], tags: ['extra', 'team'] });
});

test('a key missing from the first run only still differs', () => {
  assert.deepEqual(diffColumns([run({}), run({ a: '1' }), run({ a: '1' })]).params, ['a']);
});

test('NaN equals NaN, -0 equals 0, strings compare exactly', () => {
  const d = diffColumns([run({ a: '1', b: '1.0' }, { n: NaN, z: 0 }), run({ a: '1', b: '1' }, { n: NaN, z: -0 })]);
  assert.deepEqual(d, { params: ['b'], metrics: [], tags: [] });
});

test('one run or none: nothing differs', () => {
  assert.deepEqual(diffColumns([run({ a: '1' }, { m: 1 })]), { params: [], metrics: [], tags: [] });
  assert.deepEqual(diffColumns([]), { params: [], metrics: [], tags: [] });
  assert.deepEqual(allColumns([]), { params: [], metrics: [], tags: [] });
});

test('inherited properties are not columns', () => {
  const params = Object.create({ inherited: 'x' }) as Record<string, string>;
  params.own = '1';
  assert.deepEqual(allColumns([run(params)]).params, ['own']);
});
