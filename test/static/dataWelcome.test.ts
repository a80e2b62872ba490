import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(__dirname, '..', '..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as {
  contributes: { viewsWelcome: { view: string; contents: string; when?: string }[] };
};

test('the Data view offers Initialize only while data versioning is not initialized', () => {
  const data = pkg.contributes.viewsWelcome.filter((w) => w.view === 'mlops.data');
  const init = data.filter((w) => w.contents.includes('command:mlops.data.init'));
  assert.ok(init.length >= 1);
  for (const w of init) assert.match(w.when ?? '', /!mlops\.data\.initialized\b/, `"${w.contents}" is shown after initialization`);
  const after = data.filter((w) => /(^|&&\s*)mlops\.data\.initialized\b/.test(w.when ?? ''));
  assert.equal(after.length, 1, 'one welcome for an initialized workspace with nothing versioned yet');
  assert.doesNotMatch(after[0].contents, /command:mlops\.data\.init\b/);
  assert.match(after[0].contents, /command:mlops\.data\.add\b/);
  // The context key is set where the status is computed (after init, and at activation).
  const host = fs.readFileSync(path.join(root, 'src', 'vscode', 'data', 'dataHost.ts'), 'utf8');
  assert.match(host, /setContext', 'mlops\.data\.initialized', this\.initialized/);
});
