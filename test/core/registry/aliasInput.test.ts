import { test } from 'node:test';
import assert from 'node:assert/strict';
import { aliasFromInput, validateAlias } from '../../../src/core/registry';

test('an alias typed as the README writes it (@champion) is accepted; the REST check stays strict', () => {
  assert.equal(aliasFromInput('@champion'), 'champion');
  assert.equal(aliasFromInput('  @challenger_2 '), 'challenger_2');
  assert.equal(aliasFromInput('champion'), 'champion');
  assert.throws(() => aliasFromInput('@@champion'), /Invalid alias name: '@champion'/);
  assert.throws(() => aliasFromInput('@latest'), /reserved/);
  assert.throws(() => validateAlias('@champion'), /Invalid alias name/);
});
