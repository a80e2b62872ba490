import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileIgnorePattern } from '../../../src/core/data/dvcignore';

test('gitignore pattern syntax', () => {
  const m = (p: string, s: string) => compileIgnorePattern(p)!.re.test(s);
  assert.equal(compileIgnorePattern('# comment'), undefined);
  assert.equal(compileIgnorePattern('   '), undefined);
  assert.ok(m('*.tmp', 'a/b.tmp') && m('*.tmp', 'b.tmp'));
  assert.ok(!m('/a.tmp', 'x/a.tmp') && m('/a.tmp', 'a.tmp'));
  assert.ok(m('a/**/b', 'a/x/y/b') && m('a/**/b', 'a/b') && !m('a/**/b', 'xa/b'));
  assert.ok(m('**/foo', 'x/foo') && m('**/foo', 'foo'));
  assert.ok(m('d/**', 'd/x/y') && !m('d/**', 'd'));
  assert.ok(m('[ab].txt', 'a.txt') && !m('[!ab].txt', 'a.txt') && m('[!ab].txt', 'c.txt'));
  assert.ok(m('\\#hash', '#hash') && m('\\!bang', '!bang'));
  assert.ok(m('a?c', 'abc') && !m('a?c', 'a/c'));
  const neg = compileIgnorePattern('!keep.tmp')!;
  assert.equal(neg.negate, true);
  assert.equal(compileIgnorePattern('logs/')!.dirOnly, true);
  assert.ok(m('file.txt  ', 'file.txt'), 'trailing spaces dropped');
});
