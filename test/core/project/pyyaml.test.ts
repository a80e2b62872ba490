import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadPyYaml, toPy } from '../../../src/core/project/pyyaml';
import { pyFloatRepr, pyStr, shlexQuote } from '../../../src/core/project/pyvalue';
import { PYYAML_SCALARS } from './pyyamlVectors';

test('scalars resolve exactly as PyYAML safe_load does (type and str())', () => {
  for (const [text, type, str] of PYYAML_SCALARS) {
    const doc = loadPyYaml(`k: ${text}\n`);
    if (type.startsWith('ERR')) {
      assert.ok(
        doc.diagnostics.some((d) => d.severity === 'error'),
        `${text} should fail`,
      );
      continue;
    }
    assert.deepEqual(doc.diagnostics, [], text);
    assert.ok(doc.root?.kind === 'map');
    const v = toPy(doc.root.entries[0].value);
    assert.equal(v.t, type, `type of ${text}`);
    assert.equal(pyStr(v), str, `str() of ${text}`);
  }
});

test('Python float repr', () => {
  const cases: Array<[number, string]> = [
    [0.5, '0.5'],
    [0, '0.0'],
    [-0, '-0.0'],
    [1e-5, '1e-05'],
    [1e16, '1e+16'],
    [1.5e16, '1.5e+16'],
    [9999999999999998, '9999999999999998.0'],
    [0.0001, '0.0001'],
    [0.00012, '0.00012'],
    [1e-7, '1e-07'],
    [123.456, '123.456'],
    [1e100, '1e+100'],
    [2.5e-300, '2.5e-300'],
    [100, '100.0'],
    [-3.25, '-3.25'],
    [Infinity, 'inf'],
    [NaN, 'nan'],
  ];
  for (const [x, s] of cases) assert.equal(pyFloatRepr(x), s, String(x));
});

test('shlex.quote', () => {
  assert.equal(shlexQuote(''), "''");
  assert.equal(shlexQuote('a b'), "'a b'");
  assert.equal(shlexQuote("it's"), `'it'"'"'s'`);
  assert.equal(shlexQuote('x=1,y:2'), 'x=1,y:2');
  assert.equal(shlexQuote('é'), "'é'");
  assert.equal(shlexQuote('/tmp/a-b_c.d@e%f+g'), '/tmp/a-b_c.d@e%f+g');
  assert.equal(shlexQuote('$HOME'), "'$HOME'");
  assert.equal(shlexQuote('a;rm -rf /'), "'a;rm -rf /'");
});

test('dict semantics: duplicates keep first position and last value, merge keys, anchors', () => {
  const doc = loadPyYaml('base: &b {x: 1, y: 2}\nm:\n  <<: *b\n  y: 3\n  z: 4\na: 1\nb: 2\na: 5\n');
  assert.ok(doc.root?.kind === 'map');
  assert.equal(pyStr(toPy(doc.root)), "{'base': {'x': 1, 'y': 2}, 'm': {'x': 1, 'y': 3, 'z': 4}, 'a': 5, 'b': 2}");
  const dup = doc.diagnostics.filter((d) => d.severity === 'warning');
  assert.equal(dup.length, 1);
  assert.match(dup[0].message, /Duplicate key 'a'/);
  assert.deepEqual(dup[0].range.start, { line: 7, character: 0 });
  // A list of merges: earlier maps win over later ones.
  const list = loadPyYaml('a: &a {k: 1}\nb: &b {k: 2, j: 3}\nc:\n  <<: [*a, *b]\n');
  assert.ok(list.root?.kind === 'map');
  assert.equal(pyStr(toPy(list.root.entries[2].value)), "{'k': 1, 'j': 3}");
});

test('empty values, empty documents and syntax errors', () => {
  assert.equal(loadPyYaml('').root, null);
  assert.equal(loadPyYaml('# only a comment\n').root, null);
  const d = loadPyYaml('a:\n');
  assert.ok(d.root?.kind === 'map');
  assert.equal(toPy(d.root.entries[0].value).t, 'none');
  const bad = loadPyYaml('a: [1, 2\nb: 3\n');
  assert.equal(bad.root, null);
  assert.match(bad.diagnostics[0].message, /YAML syntax error/);
  assert.equal(bad.diagnostics[0].range.start.line, 1);
  const tab = loadPyYaml('a:\n\tb: 1\n');
  assert.equal(tab.diagnostics[0].range.start.line, 1);
  assert.equal(tab.diagnostics[0].range.start.character, 0);
});

test('keys are typed too: on/yes become booleans, y/n stay strings, and True == 1 as in Python', () => {
  const d = loadPyYaml('on: 1\ny: 2\nn: 3\n1: 4\n');
  assert.ok(d.root?.kind === 'map');
  // PyYAML: {True: 4, 'y': 2, 'n': 3}
  assert.equal(pyStr(toPy(d.root)), "{True: 4, 'y': 2, 'n': 3}");
  assert.equal(toPy(d.root.entries[0].key).t, 'bool');
});
