import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { escapeGitignore, ignoreOutput, unignoreOutput } from '../../../src/core/data/gitignore';
import { tempDir } from '../../helpers/tmp';

test('escapes gitignore metacharacters like DVC (test_escape_gitignore_entries)', () => {
  assert.equal(escapeGitignore('file!with*weird#naming_[1].t?t'), 'file\\!with\\*weird\\#naming_\\[1\\].t\\?t');
});

test('adds /name once, with a newline before it only when needed; removal deletes an empty file', () => {
  const dir = tempDir();
  const gi = path.join(dir, '.gitignore');
  assert.equal(ignoreOutput(path.join(dir, 'data.xml')), gi);
  assert.equal(fs.readFileSync(gi, 'utf8'), '/data.xml\n');
  assert.equal(ignoreOutput(path.join(dir, 'data.xml')), undefined);
  fs.appendFileSync(gi, '*.log');
  ignoreOutput(path.join(dir, 'we!rd[1]'));
  assert.equal(fs.readFileSync(gi, 'utf8'), '/data.xml\n*.log\n/we\\!rd\\[1\\]\n');
  ignoreOutput(path.join(dir, 'prepared'));
  assert.equal(fs.readFileSync(gi, 'utf8'), '/data.xml\n*.log\n/we\\!rd\\[1\\]\n/prepared\n');
  unignoreOutput(path.join(dir, 'data.xml'));
  unignoreOutput(path.join(dir, 'we!rd[1]'));
  unignoreOutput(path.join(dir, 'prepared'));
  assert.equal(fs.readFileSync(gi, 'utf8'), '*.log\n');
  const d2 = tempDir();
  ignoreOutput(path.join(d2, 'x'));
  unignoreOutput(path.join(d2, 'x'));
  assert.equal(fs.existsSync(path.join(d2, '.gitignore')), false);
});
