import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseTemplate, renderTemplate } from '../../../src/core/project';

const render = (t: string, v: Record<string, string>) => {
  const p = parseTemplate(t);
  assert.deepEqual(p.problems, [], t);
  return renderTemplate(p.parts, v);
};

test('str.format on string values: literals, conversions, fill/align/precision', () => {
  // Expected strings are Python's own results of "<template>".format(**values).
  assert.equal(render('{{a}} {a} }}{{', { a: 'x' }), '{a} x }{');
  assert.equal(render('{a!r} {a!s} {b!a}', { a: "it's", b: 'é' }), `"it's" it's '\\xe9'`);
  assert.equal(render('[{a:>5}] [{a:<4}] [{a:^7}] [{a:*^6}] [{a:.2}] [{a:5s}]', { a: 'abc' }), '[  abc] [abc ] [  abc  ] [*abc**] [ab] [abc  ]');
  assert.equal(render('{a}{a}', { a: '1' }), '11');
  assert.deepEqual(parseTemplate('{a} {b} {a}').names, ['a', 'b']);
});

test('what Python rejects is reported with offsets', () => {
  const cases: Array<[string, RegExp, number, number]> = [
    ['x }', /Single '\}'/, 2, 3],
    ['x {', /Single '\{'/, 2, 3],
    ['x {abc', /expected '\}' before end of string/, 2, 6],
    ['{}', /positional/, 0, 2],
    ['{0}', /positional/, 0, 3],
    ['{a.b}', /attribute or index/, 0, 5],
    ['{a[0]}', /attribute or index/, 0, 6],
    ['{a!x}', /Unknown conversion specifier x/, 0, 5],
    ['{a!rr}', /expected ':' after conversion specifier/, 0, 6],
    ['{a:d}', /format spec 'd'/, 0, 5],
    ['{a:{w}}', /format spec/, 0, 7],
  ];
  for (const [t, re, s, e] of cases) {
    const { problems } = parseTemplate(t);
    assert.equal(problems.length, 1, t);
    assert.match(problems[0].message, re, t);
    assert.deepEqual([problems[0].start, problems[0].end], [s, e], t);
  }
});
