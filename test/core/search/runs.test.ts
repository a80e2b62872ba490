import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileRunFilter, compileRunOrder, SearchSyntaxError, type SearchableRun } from '../../../src/core/search';
import { compareStrings } from '../../../src/core/search/order';

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
  run('a1', {
    metrics: { rmse: 0.5, 'f1 score': 0.9, 'val-loss': 0.1 },
    params: { alpha: '0.5', model: 'GPT-4' },
    tags: { 'mlflow.user': 'bob' },
    start_time: 3,
  }),
  run('b2', {
    metrics: { rmse: 0.8 },
    params: { alpha: '0.1', model: 'gpt-3' },
    tags: { 'mlflow.user': 'Ann' },
    start_time: 2,
    status: 'FAILED',
    end_time: null,
  }),
  run('c3', {
    metrics: { rmse: NaN },
    params: { alpha: '0.5' },
    start_time: 1,
    datasets: [
      { name: 'train', digest: 'abc', context: 'training' },
      { name: 'eval', digest: 'def' },
    ],
  }),
  run('d4', { start_time: 4, run_name: 'special_run', user_id: 'Carol' }),
];
const ids = (filter: string, list = runs) => list.filter(compileRunFilter(filter)).map((r) => r.run_id);

test('spec examples and common shapes', () => {
  assert.deepEqual(ids('metrics.rmse > 0.2 AND metrics.rmse <= 0.8'), ['a1', 'b2']);
  assert.deepEqual(ids("metrics.rmse < 0.7 and params.alpha = '0.5'"), ['a1', 'c3'], 'NaN compares as 0');
  assert.deepEqual(ids('params.model LIKE "GPT%"'), ['a1']);
  assert.deepEqual(ids("params.model ILIKE 'gpt%'"), ['a1', 'b2']);
  assert.deepEqual(ids("tags.`mlflow.user` = 'bob'"), ['a1']);
  assert.deepEqual(ids("tags.mlflow.user = 'Ann'"), ['b2']);
  assert.deepEqual(ids('metrics.`f1 score` > 0.5'), ['a1']);
  assert.deepEqual(ids('metrics.`val-loss` < 0.5'), ['a1']);
  assert.deepEqual(ids("status = 'FAILED'"), ['b2']);
  assert.deepEqual(ids("attributes.status != 'FAILED'"), ['a1', 'c3', 'd4']);
  assert.deepEqual(ids("attr.user_id ILIKE 'c%'"), ['d4']);
  assert.deepEqual(ids("run.artifact_uri LIKE '%/c3/%'"), ['c3']);
  assert.deepEqual(ids('attributes.start_time >= 3'), ['a1', 'd4']);
  assert.deepEqual(ids('end_time > 0'), ['a1', 'c3', 'd4'], 'a run without end_time never matches');
  assert.deepEqual(ids(''), ['a1', 'b2', 'c3', 'd4']);
  assert.deepEqual(ids('   '), ['a1', 'b2', 'c3', 'd4']);
});

test('aliases: created/Created → start_time, run name → run_name', () => {
  assert.deepEqual(ids('created < 2'), ['c3']);
  assert.deepEqual(ids('attributes.Created >= 4'), ['d4']);
  assert.deepEqual(ids("run_name LIKE 'special_run'"), ['d4']);
  assert.deepEqual(ids("`run name` = 'special_run'"), ['d4']);
  assert.deepEqual(ids('attributes."run name" = \'name-a1\''), ['a1']);
  assert.deepEqual(ids("`Run Name` = 'name-b2'"), ['b2']);
});

test('a run lacking the key never matches, even for !=', () => {
  assert.deepEqual(ids("params.model != 'x'"), ['a1', 'b2']);
  assert.deepEqual(ids("tags.`mlflow.user` != 'bob'"), ['b2']);
  assert.deepEqual(ids('metrics.`f1 score` != 0'), ['a1']);
  assert.deepEqual(ids("params.constructor = 'x'"), [], 'object prototype keys are not run keys');
  assert.deepEqual(ids('metrics.toString != 1'), []);
});

// MLflow 2.12.2's SQL store keeps a NaN as 0 (is_nan set, ignored by filters) and ±Infinity as ±1.79e308;
// its filters compare those stored values (checked against the real server).
test('metric comparisons are numeric against the latest value; NaN compares as 0, ±Infinity as ±MAX_VALUE', () => {
  assert.deepEqual(ids('metrics.rmse != 1'), ['a1', 'b2', 'c3']);
  assert.deepEqual(ids('metrics.rmse = 0.5'), ['a1']);
  assert.deepEqual(ids('metrics.rmse >= 0'), ['a1', 'b2', 'c3']);
  assert.deepEqual(ids('metrics.rmse < 1e9'), ['a1', 'b2', 'c3']);
  assert.deepEqual(ids('metrics.rmse = 0'), ['c3']);
  assert.deepEqual(ids('metrics.rmse != 0'), ['a1', 'b2']);
  const inf = [run('p', { metrics: { m: Infinity } }), run('q', { metrics: { m: Number.MAX_VALUE } })];
  assert.deepEqual(ids('metrics.m >= 1.7976931348623157e308', inf), ['p', 'q']);
  assert.deepEqual(ids('metrics.m = 1.7976931348623157e308', inf), ['p', 'q']);
  const big = [run('x', { metrics: { m: 10 } }), run('y', { metrics: { m: 9 } }), run('z', { metrics: { m: -Infinity } })];
  assert.deepEqual(ids('metrics.m > 9.5', big), ['x'], 'not a string comparison ("10" < "9.5")');
  assert.deepEqual(ids('metrics.m < -1e300', big), ['z']);
});

test('LIKE is case-sensitive with % and _, ILIKE is not; regex characters are literal', () => {
  const r = [
    run('x', { params: { p: 'a.b(c)+[d]$^|{2}\\' } }),
    run('y', { params: { p: 'aXb(c)+[d]$^|{2}\\' } }),
    run('z', { params: { p: 'A.B(C)+[D]$^|{2}\\' } }),
    run('w', { params: { p: 'line1\nline2' } }),
    run('v', { params: { p: '🙂' } }),
  ];
  assert.deepEqual(ids("params.p LIKE 'a.b(c)+[d]$^|{2}\\'", r), ['x']);
  assert.deepEqual(ids("params.p ILIKE 'a.b(c)+[d]$^|{2}\\'", r), ['x', 'z']);
  assert.deepEqual(ids("params.p LIKE 'a_b%'", r), ['x', 'y']);
  assert.deepEqual(ids("params.p LIKE '%(c)%'", r), ['x', 'y']);
  assert.deepEqual(ids("params.p LIKE '.*'", r), [], '.* is not a wildcard');
  assert.deepEqual(ids("params.p LIKE 'line1%'", r), ['w'], '% spans newlines');
  assert.deepEqual(ids("params.p LIKE '_'", r), ['v'], '_ is one character, even outside the BMP');
  assert.deepEqual(ids("params.p LIKE 'a.b'", r), [], 'LIKE anchors at both ends');
  assert.deepEqual(ids("params.model LIKE 'gpt%'"), ['b2']);
  assert.deepEqual(ids("params.model ILIKE 'GPT-_'"), ['a1', 'b2']);
});

test('IN / NOT IN for run_id drop non-lowercase ids, as MLflow does', () => {
  assert.deepEqual(ids("attributes.run_id IN ('a1', 'c3', 'D4')"), ['a1', 'c3']);
  assert.deepEqual(ids("run_id IN ('D4')"), []);
  assert.deepEqual(ids("attributes.run_id NOT IN ('a1')"), ['b2', 'c3', 'd4']);
  assert.deepEqual(ids("run_id NOT IN ('A1')"), ['a1', 'b2', 'c3', 'd4']);
});

test('datasets: name, digest, context with string comparators and lists', () => {
  assert.deepEqual(ids("datasets.name = 'train'"), ['c3']);
  assert.deepEqual(ids("dataset.digest LIKE 'd%'"), ['c3']);
  assert.deepEqual(ids("datasets.context IN ('training')"), ['c3']);
  assert.deepEqual(ids("datasets.name NOT IN ('train')"), ['c3'], 'the eval dataset matches');
  assert.deepEqual(ids("datasets.context = 'eval'"), [], 'a dataset without context never matches');
  assert.deepEqual(ids("datasets.name = 'train' AND datasets.digest = 'def'"), ['c3'], 'each clause looks at any dataset');
});

function err(filter: string): SearchSyntaxError {
  try {
    compileRunFilter(filter);
  } catch (e) {
    assert.ok(e instanceof SearchSyntaxError, String(e));
    return e;
  }
  assert.fail(`no error for ${filter}`);
}

test('validation per entity, with positions', () => {
  const cases: [string, RegExp, number][] = [
    ["metrics.rmse < 'x'", /^Expected a number for metric 'rmse', found "x" at position 15/, 15],
    ['metric.rmse LIKE 1', /^Invalid comparator 'LIKE' for metric 'rmse' at position 12/, 12],
    ["metrics.rmse IN ('1')", /^Invalid comparator 'IN' for metric 'rmse' at position 13/, 13],
    ['params.alpha = 0.5', /^Expected a quoted string for param 'alpha', found 0\.5 at position 15/, 15],
    ["params.alpha > '0.5'", /^Invalid comparator '>' for param 'alpha' at position 13/, 13],
    ["tags.t IN ('a')", /^Invalid comparator 'IN' for tag 't' at position 7/, 7],
    ["attributes.bogus = 'x'", /^Invalid attribute key 'bogus' at position 11.*Valid keys: run_id/, 11],
    ["lifecycle_stage = 'active'", /^Invalid attribute key 'lifecycle_stage' at position 0/, 0],
    ["attributes.run_name IN ('x')", /^IN is only supported for run_id among run attributes at position 20/, 20],
    ["status NOT IN ('x')", /^NOT IN is only supported for run_id/, 7],
    ["start_time = '5'", /^Expected an integer \(epoch ms\) for attribute 'start_time', found "5" at position 13/, 13],
    ["start_time LIKE '5'", /^Invalid comparator 'LIKE' for attribute 'start_time' at position 11/, 11],
    ['status = 1', /^Expected a quoted string for attribute 'status', found 1 at position 9/, 9],
    ["status > 'a'", /^Invalid comparator '>' for attribute 'status'/, 7],
    ["datasets.size = 'x'", /^Invalid dataset key 'size' at position 9/, 9],
    ['datasets.name = 1', /^Expected a quoted string for dataset 'name'/, 16],
    ["datasets.name > 'a'", /^Invalid comparator '>' for dataset 'name'/, 14],
    ["params.a = 'x' AND metrics.b ~ 2", /^Invalid comparator '~' at position 29/, 29],
  ];
  for (const [filter, re, pos] of cases) {
    const e = err(filter);
    assert.match(e.message, re, filter);
    assert.equal(e.position, pos, filter);
  }
});

const order = (orderBy: string[], list = runs) => [...list].sort(compileRunOrder(orderBy)).map((r) => r.run_id);

test('ordering: NaN then missing last in both directions', () => {
  assert.deepEqual(order(['metrics.rmse ASC']), ['a1', 'b2', 'c3', 'd4'], 'NaN (c3) before missing (d4), as MLflow');
  assert.deepEqual(order(['metrics.rmse DESC']), ['b2', 'a1', 'c3', 'd4']);
  const nans = [run('n1', { metrics: { m: NaN }, start_time: 1 }), run('n2', { metrics: { m: NaN }, start_time: 2 }), run('x', { start_time: 3 })];
  assert.deepEqual(order(['metrics.m'], nans), ['n2', 'n1', 'x'], 'NaNs tie among themselves: start_time DESC');
  const inf = [run('p', { metrics: { m: Infinity }, start_time: 1 }), run('q', { metrics: { m: Number.MAX_VALUE }, start_time: 2 })];
  assert.deepEqual(order(['metrics.m DESC'], inf), ['q', 'p'], 'Infinity ties with MAX_VALUE, as stored by MLflow');
  assert.deepEqual(order(['metrics.rmse']), order(['metrics.rmse ASC']));
  assert.deepEqual(order(['params.model DESC']), ['b2', 'a1', 'd4', 'c3']);
  assert.deepEqual(order(['params.model ASC']), ['a1', 'b2', 'd4', 'c3'], "'G' < 'g' in code-unit order");
  assert.deepEqual(order(['attributes.end_time DESC']), ['d4', 'a1', 'c3', 'b2'], 'null end_time last');
  assert.deepEqual(order(['end_time ASC']), ['d4', 'a1', 'c3', 'b2']);
});

test('ordering: default and tie-break start_time DESC then run_id; several terms; aliases', () => {
  assert.deepEqual(order([]), ['d4', 'a1', 'b2', 'c3']);
  const same = [run('b', { start_time: 5 }), run('c', { start_time: 5 }), run('a', { start_time: 5 }), run('z', { start_time: 6 })];
  assert.deepEqual(order([], same), ['z', 'a', 'b', 'c']);
  assert.deepEqual(order(['params.alpha', 'attributes.start_time ASC']), ['b2', 'c3', 'a1', 'd4']);
  assert.deepEqual(order(['params.alpha DESC', 'created']), ['c3', 'a1', 'b2', 'd4']);
  assert.deepEqual(order(['`run name` DESC']), ['d4', 'c3', 'b2', 'a1']);
  assert.deepEqual(order(['tags.`mlflow.user`']), ['b2', 'a1', 'd4', 'c3']);
  assert.deepEqual(order(['status', 'run_id DESC']), ['b2', 'd4', 'c3', 'a1']);
  assert.deepEqual(order(['user_id', 'artifact_uri']), ['d4', 'a1', 'b2', 'c3']);
});

test('order_by errors carry the key position', () => {
  const e = (() => {
    try {
      compileRunOrder(['metrics.rmse', 'attributes.bogus DESC']);
    } catch (x) {
      return x as SearchSyntaxError;
    }
  })();
  assert.ok(e instanceof SearchSyntaxError);
  assert.equal(e.position, 11);
  assert.match(e.message, /^Invalid attribute key 'bogus' at position 11 in order_by "attributes\.bogus DESC"/);
  assert.throws(() => compileRunOrder(['datasets.name']), /Cannot order runs by dataset field 'name' at position 9/);
  assert.throws(() => compileRunOrder(['metrics.rmse UP']), /ASC or DESC/);
});

test('strings order by code point, as SQLite compares text (an emoji after U+FF21)', () => {
  const list = [run('e', { params: { p: 'x😀' } }), run('f', { params: { p: 'xＡ' } }), run('g', { params: { p: 'x' } }), run('h', { params: { p: 'xa' } })];
  assert.deepEqual(order(['params.p'], list), ['g', 'h', 'f', 'e']);
  assert.deepEqual(order(['params.p DESC'], list), ['e', 'f', 'h', 'g']);
});

test('compareStrings agrees with comparing code points, over random strings', () => {
  const chars = ['a', 'b', '\u00e9', '\u4e00', '\ue000', '\uff21', '\uffff', '😀', '𝄞', '\u0000'];
  let seed = 7;
  const rand = (n: number) => (seed = (seed * 1103515245 + 12345) % 2147483648) % n;
  const str = () => Array.from({ length: rand(5) }, () => chars[rand(chars.length)]).join('');
  const byCodePoints = (a: string, b: string) => {
    const x = [...a].map((c) => c.codePointAt(0)!);
    const y = [...b].map((c) => c.codePointAt(0)!);
    for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] < y[i] ? -1 : 1;
    return Math.sign(x.length - y.length);
  };
  for (let i = 0; i < 5000; i++) {
    const a = str();
    const b = str();
    assert.equal(compareStrings(a, b), byCodePoints(a, b), JSON.stringify([a, b]));
  }
});
