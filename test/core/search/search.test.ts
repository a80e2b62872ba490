import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  compileExperimentFilter,
  compileModelVersionFilter,
  compileModelVersionOrder,
  compileRegisteredModelFilter,
  compileRunFilter,
  compileRunOrder,
  decodePageToken,
  encodePageToken,
  SearchSyntaxError,
  type SearchableRun,
} from '../../../src/core/search';

function run(id: string, over: Partial<SearchableRun> = {}): SearchableRun {
  return {
    run_id: id,
    run_name: `name-${id}`,
    status: 'FINISHED',
    user_id: 'bob',
    artifact_uri: `mlflow-artifacts:/0/${id}/artifacts`,
    start_time: 1000,
    end_time: 2000,
    lifecycle_stage: 'active',
    experiment_id: '0',
    metrics: {},
    params: {},
    tags: {},
    ...over,
  };
}

const runs = [
  run('a1', { metrics: { rmse: 0.5, 'f1 score': 0.9 }, params: { alpha: '0.5', model: 'GPT-4' }, tags: { 'mlflow.user': 'bob' }, start_time: 3 }),
  run('b2', { metrics: { rmse: 0.8 }, params: { alpha: '0.1', model: 'gpt-3' }, tags: { 'mlflow.user': 'Ann' }, start_time: 2, status: 'FAILED' }),
  run('c3', { metrics: { rmse: NaN }, params: { alpha: '0.5' }, start_time: 1, datasets: [{ name: 'train', digest: 'abc', context: 'training' }] }),
  run('d4', { start_time: 4, run_name: 'special_run' }),
];
const ids = (filter: string) => runs.filter(compileRunFilter(filter)).map((r) => r.run_id);

test('the spec examples and the common shapes', () => {
  assert.deepEqual(ids("metrics.rmse < 0.7 and params.alpha = '0.5'"), ['a1']);
  assert.deepEqual(ids('metrics.rmse > 0.2 AND metrics.rmse <= 0.8'), ['a1', 'b2']);
  assert.deepEqual(ids('params.model LIKE "GPT%"'), ['a1']);
  assert.deepEqual(ids("params.model ILIKE 'gpt%'"), ['a1', 'b2']);
  assert.deepEqual(ids("tags.`mlflow.user` = 'bob'"), ['a1']);
  assert.deepEqual(ids("tags.mlflow.user = 'Ann'"), ['b2']);
  assert.deepEqual(ids('metrics.`f1 score` > 0.5'), ['a1']);
  assert.deepEqual(ids("attributes.run_id IN ('a1', 'c3', 'D4')"), ['a1', 'c3'], 'upper-case ids are dropped, as MLflow does');
  assert.deepEqual(ids("attributes.run_id NOT IN ('a1')"), ['b2', 'c3', 'd4']);
  assert.deepEqual(ids("status = 'FAILED'"), ['b2']);
  assert.deepEqual(ids('attributes.start_time >= 3'), ['a1', 'd4']);
  assert.deepEqual(ids('created < 2'), ['c3']);
  assert.deepEqual(ids("run_name LIKE 'special_run'"), ['d4']);
  assert.deepEqual(ids("datasets.name = 'train'"), ['c3']);
  assert.deepEqual(ids("datasets.context IN ('training')"), ['c3']);
  assert.deepEqual(ids(''), ['a1', 'b2', 'c3', 'd4']);
  assert.deepEqual(ids('   '), ['a1', 'b2', 'c3', 'd4']);
});

test('a run lacking the key never matches, even for !=; NaN never compares true', () => {
  assert.deepEqual(ids("params.model != 'x'"), ['a1', 'b2']);
  assert.deepEqual(ids('metrics.rmse != 1'), ['a1', 'b2']);
});

test('LIKE escapes every regex character in the pattern', () => {
  const r = [run('x', { params: { p: 'a.b(c)+[d]' } }), run('y', { params: { p: 'aXb(c)+[d]' } })];
  assert.deepEqual(r.filter(compileRunFilter("params.p LIKE 'a.b(c)+[d]'")).map((x) => x.run_id), ['x']);
  assert.deepEqual(r.filter(compileRunFilter("params.p LIKE 'a_b%'")).map((x) => x.run_id), ['x', 'y']);
});

test('errors name the problem and its position', () => {
  const pos = (f: string) => {
    try {
      compileRunFilter(f);
    } catch (e) {
      assert.ok(e instanceof SearchSyntaxError, String(e));
      return { pos: e.position, msg: e.message };
    }
    assert.fail(`no error for ${f}`);
  };
  assert.equal(pos('metrics.rmse ~ 3').pos, 13);
  assert.match(pos('metrics.rmse ~ 3').msg, /Unexpected character '~' at position 13/);
  assert.equal(pos("metrics.rmse < 'x'").pos, 15);
  assert.match(pos("metrics.rmse < 'x'").msg, /Expected a number/);
  assert.match(pos('params.alpha = 0.5').msg, /quoted string/);
  assert.match(pos('metric.rmse LIKE 1').msg, /Invalid comparator 'LIKE'/);
  assert.equal(pos('foo.bar = 1').pos, 0);
  assert.match(pos('foo.bar = 1').msg, /Invalid entity type 'foo'/);
  assert.match(pos("params.a = 'x' OR params.b = 'y'").msg, /'OR' is not supported/);
  assert.equal(pos("params.a = 'x' OR params.b = 'y'").pos, 15);
  assert.match(pos("params.a = 'x").msg, /Unclosed quote/);
  assert.match(pos("params.a = x").msg, /put strings in quotes/);
  assert.match(pos("attributes.bogus = 'x'").msg, /Invalid attribute key 'bogus'/);
  assert.match(pos("attributes.run_name IN ('x')").msg, /only supported for run_id/);
  assert.match(pos('metrics.rmse <').msg, /end of input/);
});

test('ordering: metrics with missing and NaN last in both directions, tie-break start_time DESC then id', () => {
  const asc = [...runs].sort(compileRunOrder(['metrics.rmse ASC'])).map((r) => r.run_id);
  const desc = [...runs].sort(compileRunOrder(['metrics.rmse DESC'])).map((r) => r.run_id);
  assert.deepEqual(asc.slice(0, 2), ['a1', 'b2']);
  assert.deepEqual(desc.slice(0, 2), ['b2', 'a1']);
  assert.deepEqual(new Set(asc.slice(2)), new Set(['c3', 'd4']));
  assert.deepEqual(asc.slice(2), ['d4', 'c3'], 'ties fall back to start_time DESC');
  assert.deepEqual([...runs].sort(compileRunOrder([])).map((r) => r.run_id), ['d4', 'a1', 'b2', 'c3']);
  assert.deepEqual([...runs].sort(compileRunOrder(['params.alpha', 'attributes.start_time ASC'])).map((r) => r.run_id), ['b2', 'c3', 'a1', 'd4']);
  assert.throws(() => compileRunOrder(['metrics.rmse UP']), /ASC or DESC/);
});

test('experiments, registered models and model versions', () => {
  const exps = [
    { experiment_id: '1', name: 'Boston housing', creation_time: 5, last_update_time: 9, lifecycle_stage: 'active', tags: [{ key: 'team', value: 'ds' }] },
    { experiment_id: '2', name: 'mnist', creation_time: 6, last_update_time: 7, lifecycle_stage: 'active', tags: [] },
  ];
  assert.deepEqual(exps.filter(compileExperimentFilter("name LIKE 'Boston%' AND tags.team = 'ds'")).map((e) => e.name), ['Boston housing']);
  assert.deepEqual(exps.filter(compileExperimentFilter('creation_time > 5')).map((e) => e.name), ['mnist']);
  const models = [{ name: 'Boston', creation_timestamp: 1, last_updated_timestamp: 2, tags: [{ key: 'team', value: 'ds' }] }];
  assert.equal(models.filter(compileRegisteredModelFilter("name ILIKE 'boston' and tags.team = 'ds'")).length, 1);
  assert.throws(() => compileRegisteredModelFilter("run_id = 'x'"), /Invalid attribute key 'run_id'/);
  const versions = [
    { name: 'm', version: '2', run_id: 'a', source: 's', creation_timestamp: 1, last_updated_timestamp: 1, tags: [] },
    { name: 'm', version: '10', run_id: 'b', source: 's', creation_timestamp: 1, last_updated_timestamp: 1, tags: [] },
    { name: 'l', version: '1', run_id: 'c', source: 's', creation_timestamp: 1, last_updated_timestamp: 1, tags: [] },
  ];
  assert.deepEqual(versions.filter(compileModelVersionFilter("name = 'm' AND run_id IN ('a','b')")).map((v) => v.version), ['2', '10']);
  assert.deepEqual(versions.filter(compileModelVersionFilter('version_number > 1')).map((v) => v.version), ['2', '10']);
  assert.deepEqual([...versions].sort(compileModelVersionOrder([])).map((v) => `${v.name}${v.version}`), ['l1', 'm10', 'm2']);
  assert.deepEqual([...versions].sort(compileModelVersionOrder(['version_number ASC'])).map((v) => v.version), ['1', '2', '10']);
});

test('page tokens round-trip and reject garbage with a clear error', () => {
  assert.equal(decodePageToken(encodePageToken(1234)), 1234);
  assert.equal(decodePageToken(undefined), 0);
  assert.throws(() => decodePageToken('!!!notbase64'), /Invalid page token/);
  assert.throws(() => decodePageToken(Buffer.from('{"offset":-1}').toString('base64')), /Invalid page token/);
});
