import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileLoggedModelFilter, compileLoggedModelOrder, SearchSyntaxError, type SearchableLoggedModel } from '../../../src/core/search';

const lm = (model_id: string, name: string, creation_time: number, over: Partial<SearchableLoggedModel> = {}): SearchableLoggedModel => ({
  model_id,
  name,
  creation_time,
  status: 'LOGGED_MODEL_READY',
  ...over,
});
const models = [
  lm('m-a', 'model', 3, { source_run_id: 'r1', metrics: { acc: 0.9 }, params: [{ key: 'lr', value: '0.1' }], tags: { 'mlflow.modelVersions': '[]' } }),
  lm('m-b', 'model', 2, { source_run_id: 'r2', metrics: { acc: NaN }, params: { lr: '0.2' } }),
  lm('m-c', 'other', 1, { status: 'LOGGED_MODEL_PENDING' }),
];
const ids = (f: string) => models.filter(compileLoggedModelFilter(f)).map((m) => m.model_id);

test('logged models: attributes, metrics, params, tags', () => {
  assert.deepEqual(ids("name = 'model'"), ['m-a', 'm-b']);
  assert.deepEqual(ids("name != 'model'"), ['m-c']);
  assert.deepEqual(ids("name IN ('other', 'x')"), ['m-c']);
  assert.deepEqual(ids("name NOT IN ('other')"), ['m-a', 'm-b']);
  assert.deepEqual(ids("source_run_id = 'r2'"), ['m-b']);
  assert.deepEqual(ids("source_run_id != 'r2'"), ['m-a'], 'a model without a source run never matches');
  assert.deepEqual(ids('creation_time >= 2'), ['m-a', 'm-b']);
  assert.deepEqual(ids('metrics.acc > 0.5'), ['m-a']);
  assert.deepEqual(ids('metrics.acc != 1'), ['m-a'], 'NaN and missing never match');
  assert.deepEqual(ids("params.lr = '0.2'"), ['m-b']);
  assert.deepEqual(ids("tags.`mlflow.modelVersions` = '[]'"), ['m-a']);
  assert.deepEqual(ids(''), ['m-a', 'm-b', 'm-c']);
  const bad = (f: string, re: RegExp, pos: number) =>
    assert.throws(
      () => compileLoggedModelFilter(f),
      (x: unknown) => x instanceof SearchSyntaxError && re.test(x.message) && x.position === pos,
      f,
    );
  bad("bogus = 'x'", /^Invalid attribute key 'bogus' for logged model search at position 0/, 0);
  bad("constructor = 'x'", /^Invalid attribute key 'constructor'/, 0);
  bad("creation_time = 'x'", /^Expected a number for attribute 'creation_time'/, 16);
  bad("datasets.name = 'x'", /^Invalid entity 'dataset' for logged model search/, 0);
  bad("params.lr > '1'", /^Invalid comparator '>' for param 'lr' at position 10/, 10);
});

test('logged models: order_by objects; default creation_time DESC then model_id', () => {
  const order = (o: { field_name: string; ascending?: boolean }[]) => [...models].sort(compileLoggedModelOrder(o)).map((m) => m.model_id);
  assert.deepEqual(order([]), ['m-a', 'm-b', 'm-c']);
  assert.deepEqual(order([{ field_name: 'creation_time', ascending: true }]), ['m-c', 'm-b', 'm-a']);
  assert.deepEqual(order([{ field_name: 'metrics.acc', ascending: true }]), ['m-a', 'm-b', 'm-c']);
  assert.deepEqual(order([{ field_name: 'metrics.acc', ascending: false }]), ['m-a', 'm-b', 'm-c'], 'NaN and missing last both ways');
  assert.deepEqual(order([{ field_name: 'name', ascending: false }]), ['m-c', 'm-a', 'm-b']);
  assert.throws(() => compileLoggedModelOrder([{ field_name: 'bogus' }]), /Invalid order_by field 'bogus' for logged model search at position 0/);
});
