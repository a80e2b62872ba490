import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { DataRepo } from '../../../src/core/data';
import { confirmTree } from '../../../src/core/data/build';
import { HashPool } from '../../../src/core/data/hashPool';
import { buildContext } from '../../../src/core/data/parts';
import { scanFolder, scanFolderParallel } from '../../../src/core/data/walk';
import { tempDir } from '../../helpers/tmp';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const OLD = new Date(Date.now() - 3600_000);

/** A tracked folder three levels deep, its files aged past the racy window (mtime and ctime). */
async function trackedTree() {
  const root = tempDir();
  const { repo } = DataRepo.init(root);
  const data = path.join(root, 'data');
  const files: Record<string, string> = { 'top.txt': 'top', 'a/one.txt': 'one', 'a/b/two.txt': 'two', 'a/b/c/deep.txt': 'deep!', 'z/last.txt': 'last' };
  for (const [rel, body] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(data, rel)), { recursive: true });
    fs.writeFileSync(path.join(data, rel), body);
    fs.utimesSync(path.join(data, rel), OLD, OLD);
  }
  await sleep(80);
  await repo.add([data]);
  await sleep(80);
  // The first status after add records the cache stamp; the folder summary was recorded by add.
  const st = await repo.status();
  assert.equal(st.outputs[0].state, 'unchanged');
  return { root, repo, data };
}

const confirmed = async (repo: DataRepo, data: string) => (await confirmTree(buildContext(repo, {}), data, 'md5'))?.oid;

async function stateAfter(repo: DataRepo) {
  const s = (await repo.status()).outputs[0];
  return { state: s.state, changes: s.changes };
}

test('folder summary: an unchanged tree is confirmed from stats alone, and persisted for the next open', async () => {
  const { root, repo, data } = await trackedTree();
  const oid = repo.outputs()[0].out.md5;
  assert.equal(await confirmed(repo, data), oid);
  repo.flush();
  const summaries = JSON.parse(fs.readFileSync(path.join(root, '.dvc', 'tmp', 'mlops-hashes.folders.json'), 'utf8'));
  const s = summaries.folders['md5:data'];
  assert.equal(s.oid, oid);
  assert.deepEqual(s.dirs.map((d: [string, string]) => d[0]).sort(), ['', 'a', 'a/b', 'a/b/c', 'z']);
  assert.ok(s.cached, 'the cache stamp at which every object was present');
  const again = DataRepo.open(root);
  assert.equal(await confirmed(again, data), oid);
  assert.equal((await again.status()).outputs[0].state, 'unchanged');
});

test('folder summary: a change deep in the tree (content, same-size rewrite with mtime set back, add, delete, rename) is found', async () => {
  const { repo, data } = await trackedTree();
  const deep = path.join(data, 'a', 'b', 'c', 'deep.txt');
  fs.writeFileSync(deep, 'deeper');
  assert.equal(await confirmed(repo, data), undefined);
  assert.deepEqual(await stateAfter(repo), { state: 'modified', changes: [{ relpath: 'a/b/c/deep.txt', change: 'modified' }] });
  fs.writeFileSync(deep, 'deep!');
  fs.utimesSync(deep, OLD, OLD);
  await sleep(80);
  assert.equal((await stateAfter(repo)).state, 'unchanged');

  // Same size, mtime forced back to what it was: only the ctime tells, and it is part of every stat key.
  const before = fs.statSync(deep);
  fs.writeFileSync(deep, 'DEEP?');
  fs.utimesSync(deep, before.atime, before.mtime);
  assert.equal(fs.statSync(deep).size, before.size);
  assert.equal(fs.statSync(deep).mtimeMs, before.mtimeMs);
  assert.deepEqual(await stateAfter(repo), { state: 'modified', changes: [{ relpath: 'a/b/c/deep.txt', change: 'modified' }] });
  fs.writeFileSync(deep, 'deep!');

  fs.writeFileSync(path.join(data, 'a', 'b', 'c', 'new.txt'), 'new');
  assert.deepEqual((await stateAfter(repo)).changes, [{ relpath: 'a/b/c/new.txt', change: 'added' }]);
  fs.rmSync(path.join(data, 'a', 'b', 'c', 'new.txt'));
  fs.rmSync(path.join(data, 'a', 'b', 'two.txt'));
  assert.deepEqual((await stateAfter(repo)).changes, [{ relpath: 'a/b/two.txt', change: 'deleted' }]);
  fs.writeFileSync(path.join(data, 'a', 'b', 'two.txt'), 'two');
  fs.renameSync(path.join(data, 'z', 'last.txt'), path.join(data, 'z', 'renamed.txt'));
  assert.deepEqual((await stateAfter(repo)).changes, [
    { relpath: 'z/last.txt', change: 'deleted' },
    { relpath: 'z/renamed.txt', change: 'added' },
  ]);
  fs.renameSync(path.join(data, 'z', 'renamed.txt'), path.join(data, 'z', 'last.txt'));
  // An empty new folder adds nothing to the manifest: still the recorded version.
  fs.mkdirSync(path.join(data, 'a', 'b', 'c', 'empty'));
  await sleep(80);
  assert.equal((await stateAfter(repo)).state, 'unchanged');
});

test('folder summary: .dvcignore changes and objects leaving the cache invalidate it', async () => {
  const { root, repo, data } = await trackedTree();
  fs.appendFileSync(path.join(root, '.dvcignore'), 'deep.txt\n');
  assert.equal(await confirmed(repo, data), undefined);
  assert.deepEqual(await stateAfter(repo), { state: 'modified', changes: [{ relpath: 'a/b/c/deep.txt', change: 'deleted' }] });
  fs.writeFileSync(path.join(root, '.dvcignore'), '');
  await sleep(80);
  assert.equal((await stateAfter(repo)).state, 'unchanged');
  // One object gone from the cache: the cache stamp changed, so the manifest is checked again.
  const victim = repo.cache.list().find((o) => !o.endsWith('.dir'))!;
  fs.rmSync(repo.cache.path(victim), { force: true });
  await sleep(80);
  const s = (await repo.status()).outputs[0];
  assert.equal(s.state, 'not-in-cache');
  assert.equal(s.inCache, false);
});

test('scanning a folder on the workers gives the same digests as on this thread', async () => {
  const dir = tempDir();
  for (let d = 0; d < 12; d++) {
    fs.mkdirSync(path.join(dir, `d${d}`, 'sub'), { recursive: true });
    for (let f = 0; f < 30; f++) fs.writeFileSync(path.join(dir, `d${d}`, f % 3 ? 'sub' : '', `f${f}`), `${d}/${f}`);
  }
  fs.symlinkSync(path.join(dir, 'd0', 'f0'), path.join(dir, 'd1', 'link'));
  fs.mkdirSync(path.join(dir, 'nested', '.dvc'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'nested', 'x'), 'x');
  const pool = new HashPool(2);
  try {
    const a = scanFolder(dir);
    const b = await scanFolderParallel(pool, dir, false);
    assert.deepEqual(new Map([...b.dirs].sort()), new Map([...a.dirs].sort()));
    assert.equal(a.dirs.has('nested'), false, 'a nested DVC repository is skipped');
    fs.writeFileSync(path.join(dir, 'd7', 'sub', 'f1'), 'changed!');
    const c = await scanFolderParallel(pool, dir, false);
    assert.notEqual(c.dirs.get('d7/sub'), a.dirs.get('d7/sub'));
    assert.equal(c.dirs.get('d6/sub'), a.dirs.get('d6/sub'));
  } finally {
    await pool.close();
  }
});
