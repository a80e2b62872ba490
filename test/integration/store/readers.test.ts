import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { openStore } from '../../../src/core/openStore';
import * as T from '../../../src/core/tracking';
import { tempDir } from '../../helpers/tmp';

const root = path.resolve(__dirname, '../../..');
// dist/cli.js is built by scripts/run-node-tests.mjs before the integration stage.
const cli = path.join(root, 'dist', 'cli.js');

/** A store whose journal holds three runs (no snapshot since), as a killed owner leaves it. */
async function storeWithJournal(ws: string): Promise<string[]> {
  const s = await openStore(ws);
  const ids = ['a', 'b', 'c'].map((name) => {
    const id = T.createRun(s, { run_name: name }).info.run_id;
    // The points go to segment files; the param makes the batch a journal record too.
    T.logBatch(s, id, {
      params: [{ key: 'name', value: name }],
      metrics: Array.from({ length: 100 }, (_, i) => ({ key: 'loss', value: i, timestamp: i, step: i })),
    });
    return id;
  });
  await s.durable(); // what was acknowledged is on disk
  (s as unknown as { lock: { release(): void } }).lock.release();
  return ids;
}

/** Every file under the folder (segments included), by relative path, with its bytes. */
function snapshotOf(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out[path.relative(dir, p)] = fs.readFileSync(p).toString('base64');
    }
  };
  walk(dir);
  return out;
}

/** Makes a folder tree read-only (folders 555, files 444); returns how to undo it. */
function readOnlyTree(dir: string): () => void {
  const dirs: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else fs.chmodSync(p, 0o444);
    }
    fs.chmodSync(d, 0o555);
    dirs.push(d);
  };
  walk(dir);
  return () => dirs.forEach((d) => fs.chmodSync(d, 0o755));
}

test('mlops runs list reads around a flipped length byte, warns naming the file and offset, and changes nothing', async () => {
  const ws = tempDir();
  await storeWithJournal(ws);
  const journal = path.join(ws, '.mlops', 'store.journal');
  const bytes = fs.readFileSync(journal);
  const second = 12 + 8 + bytes.readUInt32LE(12); // the record after the Default experiment's
  bytes[second] ^= 0x10;
  fs.writeFileSync(journal, bytes);
  const before = snapshotOf(path.join(ws, '.mlops'));
  const r = spawnSync(process.execPath, [cli, 'runs', 'list', '--workspace', ws, '--json'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, new RegExp(`warning: store\\.journal is damaged: skipped \\d+ bytes at byte ${second} \\(about 1 record`));
  assert.deepEqual(
    JSON.parse(r.stdout)
      .map((x: { info: { run_name: string } }) => x.info.run_name)
      .sort(),
    ['b', 'c'],
  );
  assert.deepEqual(snapshotOf(path.join(ws, '.mlops')), before);

  const rec = spawnSync(process.execPath, [cli, 'store', 'recover', '--workspace', ws], { encoding: 'utf8' });
  assert.equal(rec.status, 0, rec.stderr);
  assert.match(rec.stdout, new RegExp(`store\\.journal: kept 6 intact records; lost \\d+ bytes at byte ${second}`));
  assert.match(rec.stdout, /kept a copy .*store\.journal\.damaged-/);
});

test('a read command works on a read-only .mlops (as a user who cannot write there)', async (t) => {
  const asRoot = process.getuid?.() === 0;
  const runuser = ['/usr/sbin/runuser', '/sbin/runuser', '/usr/bin/runuser'].find((p) => fs.existsSync(p));
  if (process.platform === 'win32' || (asRoot && !runuser)) {
    t.skip(asRoot ? 'running as root and runuser is missing: cannot read as a user without write access' : 'POSIX permissions only');
    return;
  }
  const ws = tempDir();
  const ids = await storeWithJournal(ws);
  const dir = path.join(ws, '.mlops');
  const undo = readOnlyTree(dir);
  fs.chmodSync(ws, 0o755);
  t.after(undo);
  const before = snapshotOf(dir);
  // The checkout itself may sit in a folder only its owner can enter (mktemp -d is 0700): the other user runs a
  // copy of the CLI bundle (it needs only its wasm beside it) from a folder anyone can read.
  const bin = tempDir();
  fs.chmodSync(bin, 0o755);
  for (const f of ['cli.js', 'sql-wasm.wasm']) fs.copyFileSync(path.join(path.dirname(cli), f), path.join(bin, f));
  const args = [asRoot ? path.join(bin, 'cli.js') : cli, 'runs', 'list', '--workspace', ws, '--json'];
  const r = asRoot
    ? spawnSync(runuser!, ['-u', 'nobody', '--', process.execPath, ...args], { encoding: 'utf8' })
    : spawnSync(process.execPath, args, { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /EACCES/);
  assert.deepEqual(
    JSON.parse(r.stdout)
      .map((x: { info: { run_id: string } }) => x.info.run_id)
      .sort(),
    [...ids].sort(),
  );
  assert.deepEqual(snapshotOf(dir), before);
});
