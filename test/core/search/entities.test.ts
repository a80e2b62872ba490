import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  compileExperimentFilter,
  compileExperimentOrder,
  compileModelVersionFilter,
  compileModelVersionOrder,
  compileRegisteredModelFilter,
  compileRegisteredModelOrder,
  SearchSyntaxError,
  type SearchableExperiment,
  type SearchableModelVersion,
  type SearchableRegisteredModel,
} from '../../../src/core/search';

const exp = (id: string, name: string, creation_time: number, last_update_time: number, tags: SearchableExperiment['tags'] = []): SearchableExperiment => ({
  experiment_id: id,
  name,
  creation_time,
  last_update_time,
  lifecycle_stage: 'active',
  tags,
});
const exps = [
  exp('1', 'Boston housing', 5, 9, [{ key: 'team', value: 'ds' }]),
  exp('2', 'mnist', 6, 7, { team: 'cv', 'data.version': 'v2' }),
  exp('10', 'Default', 6, 7),
];
const expNames = (f: string) => exps.filter(compileExperimentFilter(f)).map((e) => e.name);
const expOrder = (o: string[] | undefined) => [...exps].sort(compileExperimentOrder(o)).map((e) => e.experiment_id);

function syntaxError(f: () => unknown): SearchSyntaxError {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof SearchSyntaxError, String(e));
    return e;
  }
  assert.fail('no error thrown');
}

test('experiments: name, times and tags (list or map form)', () => {
  assert.deepEqual(expNames("name LIKE 'Boston%' AND tags.team = 'ds'"), ['Boston housing']);
  assert.deepEqual(expNames("attribute.name = 'mnist'"), ['mnist']);
  assert.deepEqual(expNames("attributes.name ILIKE '%DEFAULT%'"), ['Default']);
  assert.deepEqual(expNames('creation_time > 5'), ['mnist', 'Default']);
  assert.deepEqual(expNames('last_update_time <= 7 AND creation_time = 6'), ['mnist', 'Default']);
  assert.deepEqual(expNames("tags.team != 'ds'"), ['mnist'], 'an experiment without the tag never matches');
  assert.deepEqual(expNames("tags.`data.version` = 'v2'"), ['mnist']);
  assert.deepEqual(expNames(''), ['Boston housing', 'mnist', 'Default']);
});

test('experiments: invalid keys, comparators and values', () => {
  const cases: [string, RegExp, number][] = [
    ["experiment_id = '1'", /^Invalid attribute key 'experiment_id' for experiment search at position 0.*Valid keys: name, creation_time, last_update_time/, 0],
    ["creation_time = '5'", /^Expected a number for 'creation_time', found "5" at position 16/, 16],
    ["creation_time LIKE '5'", /^Invalid comparator 'LIKE' for numeric attribute 'creation_time' at position 14/, 14],
    ["name > 'a'", /^Invalid comparator '>' for string attribute 'name' at position 5/, 5],
    ["name IN ('a')", /^IN is not supported for 'name' in experiment search at position 5/, 5],
    ['name = 1', /^Expected a quoted string for 'name', found 1 at position 7/, 7],
    ['metrics.a > 1', /^Invalid entity 'metric' for experiment search at position 0/, 0],
    ["tags.t > 'a'", /^Invalid comparator '>' for tag 't' at position 7/, 7],
    ['tags.t = 1', /^Expected a quoted string for tag 't', found 1 at position 9/, 9],
  ];
  for (const [f, re, pos] of cases) {
    const e = syntaxError(() => compileExperimentFilter(f));
    assert.match(e.message, re, f);
    assert.equal(e.position, pos, f);
  }
});

test('experiments: order_by keys, tie-break experiment_id DESC (numeric)', () => {
  assert.deepEqual(expOrder([]), ['10', '2', '1']);
  assert.deepEqual(expOrder(undefined), ['10', '2', '1']);
  assert.deepEqual(expOrder(['last_update_time DESC']), ['1', '10', '2']);
  assert.deepEqual(expOrder(['creation_time']), ['1', '10', '2']);
  assert.deepEqual(expOrder(['name']), ['1', '10', '2'], "code-unit order: 'B' < 'D' < 'm'");
  assert.deepEqual(expOrder(['experiment_id ASC']), ['1', '2', '10']);
  assert.deepEqual(expOrder(['attributes.experiment_id DESC']), ['10', '2', '1']);
  const e = syntaxError(() => compileExperimentOrder(['tags.team']));
  assert.match(e.message, /^Invalid order_by key 'team' for experiment search at position 5 in order_by "tags\.team"\. Valid keys: name, experiment_id/);
});

const model = (name: string, c: number, u: number, tags: SearchableRegisteredModel['tags'] = []): SearchableRegisteredModel => ({
  name,
  creation_timestamp: c,
  last_updated_timestamp: u,
  tags,
});
const models = [model('Boston', 1, 5, [{ key: 'team', value: 'ds' }]), model('alpha', 2, 4, { team: 'ml' }), model('Zeta', 3, 3)];
const modelNames = (f: string) => models.filter(compileRegisteredModelFilter(f)).map((m) => m.name);
const modelOrder = (o: string[]) => [...models].sort(compileRegisteredModelOrder(o)).map((m) => m.name);

test('registered models: name and tags with string comparators, both quote styles', () => {
  assert.deepEqual(modelNames("name LIKE 'Boston%' AND tags.team = 'ds'"), ['Boston']);
  assert.deepEqual(modelNames('name ILIKE "b%"'), ['Boston']);
  assert.deepEqual(modelNames("attribute.name != 'alpha'"), ['Boston', 'Zeta']);
  assert.deepEqual(modelNames("tag.team LIKE '%l'"), ['alpha']);
  assert.deepEqual(modelNames("tags.team != 'x'"), ['Boston', 'alpha']);
  assert.match(
    syntaxError(() => compileRegisteredModelFilter("run_id = 'x'")).message,
    /Invalid attribute key 'run_id' for registered model search at position 0/,
  );
  assert.match(syntaxError(() => compileRegisteredModelFilter('creation_timestamp > 1')).message, /Invalid attribute key 'creation_timestamp'/);
  assert.match(syntaxError(() => compileRegisteredModelFilter("params.a = 'x'")).message, /Invalid entity 'param'/);
});

test('registered models: order_by with tie-break name ASC', () => {
  assert.deepEqual(modelOrder([]), ['Boston', 'Zeta', 'alpha']);
  assert.deepEqual(modelOrder(['name DESC']), ['alpha', 'Zeta', 'Boston']);
  assert.deepEqual(modelOrder(['creation_timestamp DESC']), ['Zeta', 'alpha', 'Boston']);
  assert.deepEqual(modelOrder(['last_updated_timestamp']), ['Zeta', 'alpha', 'Boston']);
  assert.deepEqual(modelOrder(['timestamp']), ['Zeta', 'alpha', 'Boston'], 'older alias of last_updated_timestamp');
  const same = [model('b', 1, 1), model('a', 1, 1)];
  assert.deepEqual(
    [...same].sort(compileRegisteredModelOrder(['creation_timestamp'])).map((m) => m.name),
    ['a', 'b'],
  );
  assert.throws(() => compileRegisteredModelOrder(['version_number']), /Invalid order_by key 'version_number' for registered model search at position 0/);
});

const mv = (name: string, version: string, run_id: string, source: string, t: number, tags: SearchableModelVersion['tags'] = []): SearchableModelVersion => ({
  name,
  version,
  run_id,
  source,
  creation_timestamp: t,
  last_updated_timestamp: t * 10,
  current_stage: 'None',
  tags,
});
const versions = [
  mv('m', '2', 'a', 'runs:/a/model', 2, [{ key: 'k', value: 'v' }]),
  mv('m', '10', 'b', 'runs:/b/model', 3),
  mv('l', '1', 'c', 'models:/m-123', 1),
];
const vs = (f: string) => versions.filter(compileModelVersionFilter(f)).map((v) => `${v.name}/${v.version}`);
const vOrder = (o: string[]) => [...versions].sort(compileModelVersionOrder(o)).map((v) => `${v.name}/${v.version}`);

test('model versions: name, version_number (numeric), run_id IN, source_path, timestamps, tags', () => {
  assert.deepEqual(vs("name = 'm' AND run_id IN ('a','b')"), ['m/2', 'm/10']);
  assert.deepEqual(vs('version_number > 1'), ['m/2', 'm/10']);
  assert.deepEqual(vs('version_number >= 10'), ['m/10'], 'numeric, not string, comparison');
  assert.deepEqual(vs("run_id = 'c'"), ['l/1']);
  assert.deepEqual(vs("source_path LIKE 'runs:/%'"), ['m/2', 'm/10']);
  assert.deepEqual(vs('creation_timestamp < 3 and last_updated_timestamp > 10'), ['m/2']);
  assert.deepEqual(vs("tags.k = 'v'"), ['m/2']);
  assert.match(syntaxError(() => compileModelVersionFilter("version_number = '2'")).message, /Expected a number for 'version_number'/);
  assert.match(syntaxError(() => compileModelVersionFilter("name IN ('m')")).message, /IN is not supported for 'name' in model version search at position 5/);
  assert.match(syntaxError(() => compileModelVersionFilter("run_id NOT IN ('m')")).message, /NOT IN is not supported for 'run_id'/);
  assert.match(syntaxError(() => compileModelVersionFilter("source = 'x'")).message, /Invalid attribute key 'source'.*source_path/);
  assert.match(syntaxError(() => compileModelVersionFilter("current_stage = 'None'")).message, /Invalid attribute key 'current_stage'/);
});

test('model versions: order_by, tie-break name ASC then version DESC (numeric)', () => {
  assert.deepEqual(vOrder([]), ['l/1', 'm/10', 'm/2']);
  assert.deepEqual(vOrder(['version_number ASC']), ['l/1', 'm/2', 'm/10']);
  assert.deepEqual(vOrder(['version_number DESC']), ['m/10', 'm/2', 'l/1']);
  assert.deepEqual(vOrder(['name DESC']), ['m/10', 'm/2', 'l/1']);
  assert.deepEqual(vOrder(['creation_timestamp DESC']), ['m/10', 'm/2', 'l/1']);
  assert.deepEqual(vOrder(['last_updated_timestamp']), ['l/1', 'm/2', 'm/10']);
  assert.throws(() => compileModelVersionOrder(['run_id']), /Invalid order_by key 'run_id' for model version search/);
});

test('Object.prototype names are not attributes or tags', () => {
  assert.match(syntaxError(() => compileExperimentFilter("constructor = 'x'")).message, /Invalid attribute key 'constructor'/);
  assert.match(syntaxError(() => compileExperimentOrder(['toString'])).message, /Invalid order_by key 'toString'/);
  assert.deepEqual(expNames("tags.constructor != 'x'"), [], 'no experiment has that tag');
  assert.deepEqual(modelNames("tags.hasOwnProperty LIKE '%'"), []);
});
