import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
// Only the list, not openStore: what it loads must be enough.
import { JOURNAL_OP_MODULES } from '../../src/core/journalOps';
import { definedOps } from '../../src/core/store/store';

const core = path.resolve(__dirname, '../../src/core');

function sources(dir: string, out: string[] = []): string[] {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) sources(p, out);
    else if (e.name.endsWith('.ts')) out.push(p);
  }
  return out;
}

test('every journaled operation in src/core is defined by a module of the one list openStore loads', () => {
  const written = new Map<string, string>();
  for (const file of sources(core)) {
    const text = fs.readFileSync(file, 'utf8');
    for (const m of text.matchAll(/defineOp(?:<[^>]*>)?\(\s*'([^']+)'/g)) written.set(m[1]!, path.relative(core, file));
  }
  assert.ok(written.size >= 30, `found the operations (${written.size})`);
  const defined = new Set(definedOps());
  const missing = [...written].filter(([name]) => !defined.has(name)).map(([name, file]) => `${name} (${file})`);
  assert.deepEqual(missing, [], 'add the modules of these operations to src/core/journalOps.ts');
  // And the list names only modules that matter: each defines an operation or a store hook.
  for (const [name] of Object.entries(JOURNAL_OP_MODULES)) {
    const text = fs.readFileSync(path.join(core, `${name}.ts`), 'utf8');
    assert.match(text, /defineOp(<[^>]*>)?\(|onPointsChunks\(|afterMigration\(|beforeSnapshot\(/, `${name} defines something a store needs`);
  }
});
