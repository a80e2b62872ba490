import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { Aborted, DataRepo, HashMismatch, TransferFailed, checkRemote, isUnusable, type Progress } from '../../../src/core/data';
import { ObjectDb } from '../../../src/core/data/objectDb';
import { GitRepo } from '../../../src/core/git';
import { tempDir } from '../../helpers/tmp';

const gitEnv = { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@e', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@e' };
const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, env: gitEnv, encoding: 'utf8' });

function writeData(dir: string, n: number, prefix = 'f', size = 100): void {
  fs.mkdirSync(dir, { recursive: true });
  for (let i = 0; i < n; i++) fs.writeFileSync(path.join(dir, `${prefix}${i}.txt`), `${prefix}${i}:`.padEnd(size, String.fromCharCode(97 + (i % 26))));
}

/** Origin repo with git + DVC, a folder and a file versioned, a local remote configured (relative path). */
async function origin() {
  const base = tempDir();
  const root = path.join(base, 'origin');
  fs.mkdirSync(root);
  git(root, 'init', '-q', '-b', 'main');
  const { repo } = DataRepo.init(root);
  writeData(path.join(root, 'data'), 12);
  fs.mkdirSync(path.join(root, 'data', 'nested'));
  fs.writeFileSync(path.join(root, 'data', 'nested', 'naïve 😀.csv'), 'x,y\n1,2\n');
  fs.writeFileSync(path.join(root, 'model.bin'), Buffer.alloc((2 << 20) + 5, 3));
  await repo.add([path.join(root, 'data'), path.join(root, 'model.bin')]);
  repo.addRemote('storage', '../store', { makeDefault: true, cwd: root });
  git(root, 'add', '-A');
  git(root, 'commit', '-q', '-m', 'v1');
  return { base, root, repo, store: path.join(base, 'store') };
}

test('push to a local remote, then pull into a real git clone', async () => {
  const { base, root, repo, store } = await origin();
  assert.match(fs.readFileSync(path.join(root, '.dvc', 'config'), 'utf8'), /url = \.\.\/\.\.\/store/);
  const tracked = git(root, 'ls-files').split('\n');
  assert.ok(tracked.includes('data.dvc') && tracked.includes('model.bin.dvc') && tracked.includes('.gitignore'));
  assert.ok(!tracked.some((f) => f.startsWith('data/')), 'the data itself is git-ignored');

  const cs = await repo.remoteStatus();
  assert.deepEqual(
    cs.map((s) => [s.output.path, s.total, s.missingOnRemote, s.missingInCache]),
    [
      ['data', 14, 14, 0],
      ['model.bin', 1, 1, 0],
    ],
  );
  const progress: Progress[] = [];
  const r = await repo.push(undefined, { onProgress: (p) => progress.push(p) });
  assert.equal(r.transferred, 15); // 13 files + model + manifest
  assert.equal(r.missing.length, 0);
  const last = progress[progress.length - 1];
  assert.equal(last.files, last.totalFiles);
  assert.equal(last.bytes, last.totalBytes);
  const remoteDb = new ObjectDb(store);
  assert.deepEqual(remoteDb.list(), repo.cache.list());
  for (const oid of remoteDb.list()) assert.equal(fs.statSync(remoteDb.path(oid)).mode & 0o777, 0o444);
  assert.equal((await repo.push()).transferred, 0, 'second push sends nothing');
  assert.ok((await repo.remoteStatus()).every((s) => s.missingOnRemote === 0));

  const clone = path.join(base, 'clone');
  git(base, 'clone', '-q', root, clone);
  const c = DataRepo.open(clone);
  const before = await c.status();
  assert.deepEqual(
    before.outputs.map((s) => [s.output.path, s.state, s.inCache]),
    [
      ['data', 'deleted', false],
      ['model.bin', 'deleted', false],
    ],
  );
  const pulled = await c.pull();
  assert.equal(pulled.transferred, 15);
  assert.equal(fs.readFileSync(path.join(clone, 'data', 'nested', 'naïve 😀.csv'), 'utf8'), 'x,y\n1,2\n');
  assert.deepEqual(fs.readFileSync(path.join(clone, 'model.bin')), fs.readFileSync(path.join(root, 'model.bin')));
  assert.ok((await c.status()).outputs.every((s) => s.state === 'unchanged'));

  // A new version made in the clone travels back through git + the remote.
  fs.writeFileSync(path.join(clone, 'data', 'f0.txt'), 'changed in clone');
  await c.commit();
  await c.push();
  const g = await GitRepo.open(clone);
  assert.equal(await g.dirty(), true);
  await g.stage([path.join(clone, 'data.dvc')]);
  git(clone, 'commit', '-q', '-m', 'v2');
  git(root, 'pull', '-q', clone, 'main');
  const back = await repo.pull();
  assert.equal(back.transferred, 2, 'only the new file and the new manifest');
  assert.equal(fs.readFileSync(path.join(root, 'data', 'f0.txt'), 'utf8'), 'changed in clone');
});

test('an interrupted push leaves no partial objects and no manifest; resuming sends only the rest', async () => {
  const { root, repo, store } = await origin();
  writeData(path.join(root, 'big'), 40, 'b', 50_000);
  await repo.add([path.join(root, 'big')]);
  const ac = new AbortController();
  await assert.rejects(
    repo.push(undefined, {
      signal: ac.signal,
      onProgress: (p) => {
        if (p.files >= 10) ac.abort();
      },
    }),
    Aborted,
  );
  const remoteDb = new ObjectDb(store);
  assert.deepEqual(remoteDb.listTemps(), []);
  const partial = remoteDb.list();
  assert.ok(partial.length >= 10 && partial.length < 57, `partial push stored ${partial.length} objects`);
  assert.equal(partial.filter((o) => o.endsWith('.dir')).length, 0, 'no manifest before its files');
  for (const oid of partial) assert.equal(fs.statSync(remoteDb.path(oid)).mode & 0o777, 0o444, 'every visible object is complete');
  const resumed = await repo.push();
  assert.equal(resumed.skipped, partial.length);
  assert.equal(resumed.transferred + partial.length, repo.cache.list().length);
  assert.deepEqual(remoteDb.list(), repo.cache.list());

  // Abort in the middle of one large file: its temp file is removed too.
  fs.writeFileSync(path.join(root, 'huge.bin'), Buffer.alloc(8 << 20, 9));
  await repo.add([path.join(root, 'huge.bin')]);
  const ac2 = new AbortController();
  // A cancel says what was cancelled, not a truncated object name.
  await assert.rejects(
    repo.push(undefined, { signal: ac2.signal, onProgress: (p) => p.bytes > 0 && ac2.abort() }),
    (e: unknown) => e instanceof Aborted && e.message === 'push was cancelled',
  );
  assert.deepEqual(remoteDb.listTemps(), []);
  assert.equal((await repo.push()).transferred, 1);
});

test('an interrupted pull resumes; corrupt remote objects are refused; missing ones reported', async () => {
  const { base, root, repo, store } = await origin();
  writeData(path.join(root, 'big'), 40, 'b', 20_000);
  await repo.add([path.join(root, 'big')]);
  git(root, 'add', '-A');
  git(root, 'commit', '-q', '-m', 'big');
  await repo.push();
  const clone = path.join(base, 'clone');
  git(base, 'clone', '-q', root, clone);
  const c = DataRepo.open(clone);
  const ac = new AbortController();
  await assert.rejects(c.pull(undefined, { signal: ac.signal, onProgress: (p) => p.phase === 'download' && p.files >= 8 && ac.abort() }), Aborted);
  assert.deepEqual(c.cache.listTemps(), []);
  const partial = c.cache.list().length;
  assert.ok(partial >= 8 && partial < repo.cache.list().length);
  assert.equal(fs.existsSync(path.join(clone, 'big')), false, 'no checkout after an aborted fetch');
  const r = await c.pull();
  assert.equal(r.transferred + partial, repo.cache.list().length);
  assert.ok((await c.status()).outputs.every((s) => s.state === 'unchanged'));

  // Corruption on the remote: a trusted (0444) object with wrong bytes is caught by verification on download.
  const clone2 = path.join(base, 'clone2');
  git(base, 'clone', '-q', root, clone2);
  const remoteDb = new ObjectDb(store);
  const victim = repo.outputs().find((o) => o.path === 'model.bin')!.out.md5!;
  const p = remoteDb.path(victim);
  fs.chmodSync(p, 0o644);
  fs.writeFileSync(p, 'garbage');
  fs.chmodSync(p, 0o444);
  const c2 = DataRepo.open(clone2);
  await assert.rejects(
    c2.fetch([path.join(clone2, 'model.bin')]),
    (e: unknown) => e instanceof HashMismatch && e.message.startsWith(`fetch of model.bin: storage: object ${victim}:`),
  );
  assert.equal(c2.cache.exists(victim), false);
  assert.deepEqual(c2.cache.listTemps(), []);
  // Not 0444: re-hashed by has(), deleted as corrupt, then reported missing; a push repairs it.
  fs.chmodSync(p, 0o644);
  await assert.rejects(c2.pull([path.join(clone2, 'model.bin')]), /missing from the remote/);
  assert.equal(fs.existsSync(p), false);
  await repo.push();
  await c2.pull([path.join(clone2, 'model.bin')]);
  assert.deepEqual(fs.readFileSync(path.join(clone2, 'model.bin')), fs.readFileSync(path.join(root, 'model.bin')));
});

test('add refuses data git already tracks and skips .gitignore lines git already covers', async () => {
  const root = tempDir();
  git(root, 'init', '-q');
  const { repo } = DataRepo.init(root);
  fs.writeFileSync(path.join(root, 'committed.csv'), 'x\n');
  git(root, 'add', 'committed.csv');
  await assert.rejects(
    repo.add([path.join(root, 'committed.csv')]),
    /is tracked by git \(committed\.csv\); stop tracking it first: git rm -r --cached "committed\.csv"/,
  );
  fs.writeFileSync(path.join(root, '.gitignore'), 'raw/\n*.dvc\n');
  fs.mkdirSync(path.join(root, 'raw'));
  fs.writeFileSync(path.join(root, 'raw', 'a'), 'a');
  await assert.rejects(repo.add([path.join(root, 'raw', 'a')]), /a\.dvc: would be ignored by git/);
  fs.writeFileSync(path.join(root, '.gitignore'), 'raw/\n');
  await repo.add([path.join(root, 'raw')]);
  assert.equal(fs.readFileSync(path.join(root, '.gitignore'), 'utf8'), 'raw/\n', 'already ignored: no extra line');
});

test('a failed transfer names the file and the full object id', async () => {
  const { root, repo, store } = await origin();
  // The remote's object folder for model.bin's hash is a file: the upload cannot create it.
  const oid = repo.outputs().find((o) => o.path === 'model.bin')!.out.md5!;
  fs.mkdirSync(path.join(store, 'files', 'md5'), { recursive: true });
  fs.writeFileSync(path.join(store, 'files', 'md5', oid.slice(0, 2)), 'in the way');
  await assert.rejects(repo.push([path.join(root, 'model.bin')]), (e: unknown) => {
    assert.ok(e instanceof TransferFailed, String(e));
    assert.equal(e.file, 'model.bin');
    assert.equal(e.oid, oid);
    assert.match(e.message, new RegExp(`^push of model\\.bin \\(object ${oid}\\) failed: `));
    return true;
  });
  fs.rmSync(path.join(store, 'files', 'md5', oid.slice(0, 2)));
  assert.equal((await repo.push([path.join(root, 'model.bin')])).transferred, 1);
});

test('checking a local remote folder before adding it', () => {
  const base = tempDir();
  assert.deepEqual(checkRemote('s3://bucket/x'), { local: false });
  const missing = checkRemote('store', base);
  assert.ok(missing.local && missing.state === 'missing' && missing.path === path.join(base, 'store'));
  assert.match(missing.local ? missing.message : '', /does not exist yet; the first push creates it/);
  assert.ok(!isUnusable(missing));
  fs.mkdirSync(path.join(base, 'empty'));
  assert.equal((checkRemote(path.join(base, 'empty')) as { state: string }).state, 'empty');
  fs.writeFileSync(path.join(base, 'file'), 'x');
  const file = checkRemote(`file://${path.join(base, 'file')}`);
  assert.ok(file.local && file.state === 'not-a-folder' && isUnusable(file));
  fs.mkdirSync(path.join(base, 'photos'));
  fs.writeFileSync(path.join(base, 'photos', 'cat.jpg'), 'x');
  assert.equal((checkRemote('photos', base) as { state: string }).state, 'other-files');
  fs.mkdirSync(path.join(base, 'v3', 'files', 'md5'), { recursive: true });
  fs.mkdirSync(path.join(base, 'v2', 'ab'), { recursive: true });
  assert.equal((checkRemote('v3', base) as { state: string }).state, 'dvc-remote');
  assert.equal((checkRemote('v2', base) as { state: string }).state, 'dvc-remote');
});
