import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { CommandIds } from '../../src/vscode/commandIds';

const root = path.resolve(__dirname, '..', '..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as {
  contributes: { commands: { command: string }[]; menus: Record<string, { command?: string }[]> };
};

test('the command id table is exactly the contributed commands', () => {
  const contributed = pkg.contributes.commands.map((c) => c.command).sort();
  const table = Object.values(CommandIds).sort();
  assert.deepEqual(table, contributed);
  assert.equal(new Set(table).size, table.length, 'a command id is listed twice');
});

test('every menu entry names a contributed command', () => {
  const ids = new Set<string>(Object.values(CommandIds));
  for (const [menu, entries] of Object.entries(pkg.contributes.menus)) {
    for (const e of entries) if (e.command) assert.ok(ids.has(e.command), `${menu} names ${e.command}, which is not contributed`);
  }
});

test('no source file under src/vscode writes a command id as a string literal', () => {
  const ids = new Set<string>(Object.values(CommandIds));
  const offenders: string[] = [];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (p.endsWith('.ts') && !p.endsWith('commandIds.ts')) {
        for (const m of fs.readFileSync(p, 'utf8').matchAll(/'(mlops\.[A-Za-z.]+)'/g)) if (ids.has(m[1])) offenders.push(`${path.relative(root, p)}: ${m[1]}`);
      }
    }
  };
  walk(path.join(root, 'src', 'vscode'));
  assert.deepEqual(offenders, []);
});
