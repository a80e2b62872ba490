import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseFilter, parseOrderTerm, SearchSyntaxError, tokenize } from '../../../src/core/search';

/** The AST without positions, for compact comparisons. */
const ast = (f: string) => parseFilter(f).map(({ entity, key, comparator, value }) => ({ entity, key, comparator, value }));

function syntaxError(f: () => unknown): SearchSyntaxError {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof SearchSyntaxError, `expected SearchSyntaxError, got ${String(e)}`);
    return e;
  }
  assert.fail('no error thrown');
}

test('the spec examples parse to AND-ed clauses', () => {
  assert.deepEqual(ast('metrics.accuracy > 0.72 AND metrics.loss <= 0.15'), [
    { entity: 'metric', key: 'accuracy', comparator: '>', value: 0.72 },
    { entity: 'metric', key: 'loss', comparator: '<=', value: 0.15 },
  ]);
  assert.deepEqual(ast('params.model LIKE "GPT%"'), [{ entity: 'param', key: 'model', comparator: 'LIKE', value: 'GPT%' }]);
  assert.deepEqual(ast("attributes.run_id IN ('a1b2', 'e5f6')"), [{ entity: 'attribute', key: 'run_id', comparator: 'IN', value: ['a1b2', 'e5f6'] }]);
  assert.deepEqual(ast('attributes.start_time >= 1664067852747'), [{ entity: 'attribute', key: 'start_time', comparator: '>=', value: 1664067852747 }]);
  assert.deepEqual(ast('params.batch_size = "2"'), [{ entity: 'param', key: 'batch_size', comparator: '=', value: '2' }]);
  assert.deepEqual(ast("tags.`mlflow.user` = 'bob'"), [{ entity: 'tag', key: 'mlflow.user', comparator: '=', value: 'bob' }]);
  assert.deepEqual(ast('metrics.`f1 score` > 0.5'), [{ entity: 'metric', key: 'f1 score', comparator: '>', value: 0.5 }]);
  assert.deepEqual(ast("name LIKE 'Boston%' AND tags.team = 'ds'"), [
    { entity: 'attribute', key: 'name', comparator: 'LIKE', value: 'Boston%' },
    { entity: 'tag', key: 'team', comparator: '=', value: 'ds' },
  ]);
});

test('every entity alias maps to its entity', () => {
  const cases: [string, string][] = [
    ['metric', 'metric'],
    ['metrics', 'metric'],
    ['METRICS', 'metric'],
    ['param', 'param'],
    ['params', 'param'],
    ['parameter', 'param'],
    ['parameters', 'param'],
    ['tag', 'tag'],
    ['tags', 'tag'],
    ['attribute', 'attribute'],
    ['attributes', 'attribute'],
    ['attr', 'attribute'],
    ['run', 'attribute'],
    ['dataset', 'dataset'],
    ['datasets', 'dataset'],
  ];
  for (const [alias, entity] of cases) assert.equal(parseFilter(`${alias}.k = 'v'`)[0].entity, entity, alias);
  assert.equal(parseFilter("status = 'x'")[0].entity, 'attribute', 'no prefix means attribute');
});

test('keys: bare, backticked (spaces, dots, dashes, leading digit), double-quoted, bare dotted', () => {
  assert.equal(parseFilter('metrics.`my-metric` > 1')[0].key, 'my-metric');
  assert.equal(parseFilter('metrics.`val loss.epoch-2` > 1')[0].key, 'val loss.epoch-2');
  assert.equal(parseFilter('metrics.`1st` > 1')[0].key, '1st');
  assert.equal(parseFilter('params."learning rate" = \'0.1\'')[0].key, 'learning rate');
  assert.equal(parseFilter("tags.mlflow.source.type = 'LOCAL'")[0].key, 'mlflow.source.type');
  assert.deepEqual(ast("`run name` = 'x'"), [{ entity: 'attribute', key: 'run name', comparator: '=', value: 'x' }]);
  assert.deepEqual(ast('"run name" = \'x\''), [{ entity: 'attribute', key: 'run name', comparator: '=', value: 'x' }]);
});

test('values: numbers in all shapes, both quote styles, lists; comparators in any case', () => {
  assert.deepEqual(parseFilter('metrics.a = -1.5e-3')[0].value, -1.5e-3);
  assert.deepEqual(parseFilter('metrics.a>.5')[0].value, 0.5);
  assert.deepEqual(parseFilter('metrics.a>=+2')[0].value, 2);
  assert.deepEqual(parseFilter('metrics.a != 10')[0].comparator, '!=');
  assert.equal(parseFilter('params.a = \'it is "quoted"\'')[0].value, 'it is "quoted"');
  assert.equal(parseFilter('params.a = "it\'s"')[0].value, "it's");
  assert.equal(parseFilter("params.a = ''")[0].value, '');
  assert.equal(parseFilter("params.a like 'x%'")[0].comparator, 'LIKE');
  assert.equal(parseFilter("params.a iLike 'x%'")[0].comparator, 'ILIKE');
  assert.deepEqual(parseFilter("run_id not in ('a','b')")[0], {
    entity: 'attribute',
    key: 'run_id',
    comparator: 'NOT IN',
    value: ['a', 'b'],
    pos: 0,
    keyPos: 0,
    comparatorPos: 7,
    valuePos: 14,
  });
  assert.deepEqual(parseFilter("run_id IN('a')")[0].value, ['a']);
});

test('AND in any case, any spacing; blank filters match all', () => {
  for (const and of ['AND', 'and', 'And', 'aNd']) assert.equal(parseFilter(`metrics.a > 1 ${and} metrics.b < 2`).length, 2, and);
  assert.equal(parseFilter("  params.a='x'   and\tparams.b  =  'y'  ").length, 2);
  assert.deepEqual(parseFilter(''), []);
  assert.deepEqual(parseFilter('   \t\n'), []);
  assert.deepEqual(parseFilter(undefined), []);
});

test('clause positions point into the input', () => {
  const [a, b] = parseFilter("metrics.rmse < 1 AND tags.`x y` = 'z'");
  assert.deepEqual([a.pos, a.keyPos, a.comparatorPos, a.valuePos], [0, 8, 13, 15]);
  assert.deepEqual([b.pos, b.keyPos, b.comparatorPos, b.valuePos], [21, 26, 32, 34]);
});

test('syntax errors name the offending token and its 0-based position', () => {
  const cases: [string, RegExp, number][] = [
    ['metrics.rmse ~ 3', /^Invalid comparator '~' at position 13 in filter "metrics\.rmse ~ 3"/, 13],
    ['metrics.rmse <> 3', /^Invalid comparator '<>' at position 13/, 13],
    ['metrics.rmse == 3', /^Invalid comparator '==' at position 13/, 13],
    ['metrics.rmse BETWEEN 3', /^Invalid comparator 'BETWEEN' at position 13/, 13],
    ['metrics.rmse', /^Expected a comparator .* found end of input at position 12/, 12],
    ['metrics.rmse <', /^Expected a value, found end of input at position 14/, 14],
    ['foo.bar = 1', /^Invalid entity type 'foo' at position 0.*Valid values/, 0],
    ["params.a = 'x' OR params.b = 'y'", /^'OR' is not supported at position 15/, 15],
    ["params.a = 'x' params.b = 'y'", /^Expected AND or the end of the filter, found 'params' at position 15/, 15],
    ["params.a = 'x' AND", /^Expected a clause after 'AND' at position 18/, 18],
    ["params.a = 'x", /^Unclosed single quote ' at position 11/, 11],
    ['params.`a = 1', /^Unclosed backtick ` at position 7/, 7],
    ['params.a = x', /^Expected a quoted string or a number, found 'x' at position 11.*Put strings in quotes/, 11],
    ["'alpha' = 'x'", /^Invalid identifier 'alpha' at position 0.*never single-quoted/, 0],
    ['metrics.my-metric > 1', /^Invalid key 'my-metric' at position 8.*need backticks, e\.g\. metrics\.`my-metric`/, 8],
    ['metrics.1abc > 1', /^Invalid key '1abc' at position 8/, 8],
    ["tags.mlflow.source-type = 'x'", /^Invalid key 'mlflow\.source-type' at position 12.*tags\.`mlflow\.source-type`/, 12],
    ['metrics. rmse > 1', /^Expected a key right after 'metrics\.', found 'rmse' at position 9/, 9],
    ["run_id IN 'a'", /^IN needs a list in parentheses at position 10/, 10],
    ["run_id = ('a')", /^A list needs IN or NOT IN, not = at position 7/, 7],
    ['run_id IN ()', /^An IN list needs at least one value at position 11/, 11],
    ['run_id IN (\'a\', "b")', /^Expected a single-quoted string in the list, found "b" at position 16/, 16],
    ["run_id IN ('a' 'b')", /^Expected ',' or '\)' in the list, found 'b' at position 15/, 15],
    ["run_id IN ('a',", /^Unclosed list at position 15 .*opened at position 10/, 15],
    ['(metrics.a > 1)', /^Expected an identifier such as metrics\.rmse, found '\(' at position 0/, 0],
    ['metrics.a > 1 # x', /^Expected AND or the end of the filter, found '#' at position 14/, 14],
  ];
  for (const [filter, re, pos] of cases) {
    const e = syntaxError(() => parseFilter(filter));
    assert.match(e.message, re, filter);
    assert.equal(e.position, pos, filter);
    assert.equal(e.input, filter);
    assert.equal(e.code, 'INVALID_PARAMETER_VALUE');
  }
});

test('order_by terms: identifier rules, ASC default, direction in any case, errors with position', () => {
  assert.deepEqual(parseOrderTerm('metrics.rmse DESC'), { entity: 'metric', key: 'rmse', ascending: false, pos: 0, keyPos: 8 });
  assert.deepEqual(parseOrderTerm('params.lr'), { entity: 'param', key: 'lr', ascending: true, pos: 0, keyPos: 7 });
  assert.equal(parseOrderTerm('attributes.start_time asc').ascending, true);
  assert.equal(parseOrderTerm('  metrics.`f1 score`   desc ').key, 'f1 score');
  assert.equal(parseOrderTerm('  metrics.`f1 score`   desc ').ascending, false);
  assert.equal(parseOrderTerm('tags.mlflow.user').key, 'mlflow.user');
  const bad: [string, RegExp, number][] = [
    ['metrics.rmse UP', /^Invalid order_by direction 'UP' at position 13 in order_by "metrics\.rmse UP"\. Expected ASC or DESC/, 13],
    ['metrics.rmse DESC x', /^Unexpected 'x' after the sort direction at position 18/, 18],
    ['', /^Empty order_by clause at position 0/, 0],
    ['bogus.x', /^Invalid entity type 'bogus' at position 0/, 0],
  ];
  for (const [term, re, pos] of bad) {
    const e = syntaxError(() => parseOrderTerm(term));
    assert.match(e.message, re, term);
    assert.equal(e.position, pos, term);
    assert.equal(e.source, 'order_by');
  }
});

test('the tokenizer reads numbers only where values stand', () => {
  assert.deepEqual(
    tokenize('metrics.f1-x > -2').map((t) => [t.kind, t.text]),
    [
      ['ident', 'metrics'],
      ['dot', '.'],
      ['ident', 'f1-x'],
      ['op', '>'],
      ['number', '-2'],
      ['end', ''],
    ],
  );
});
