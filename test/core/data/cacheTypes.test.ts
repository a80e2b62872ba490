import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { DataRepo, InvalidConfig } from '../../../src/core/data';
import { md5Bytes } from '../../../src/core/data/hash';
import { tempDir } from '../../helpers/tmp';

function repoWithType(type: string | undefined) {
  const root = tempDir();
  DataRepo.init(root);
  if (type) fs.writeFileSync(path.join(root, '.dvc', 'config'), `[cache]\n    type = ${type}\n`);
  const data = path.join(root, 'data');
  fs.mkdirSync(path.join(data, 'sub'), { recursive: true });
  fs.writeFileSync(path.join(data, 'a.txt'), 'alpha');
  fs.writeFileSync(path.join(data, 'sub', 'b.txt'), 'beta');
  fs.writeFileSync(path.join(data, 'run.sh'), '#!/bin/sh\n', { mode: 0o755 });
  return { root, data, repo: DataRepo.open(root) };
}

const dvcText = (root: string) => fs.readFileSync(path.join(root, 'data.dvc'), 'utf8');

test('cache.type symlink: add leaves symlinks to the cache objects; status and checkout keep them; .dvc unchanged', async () => {
  const plain = repoWithType(undefined);
  await plain.repo.add([plain.data]);
  const { root, data, repo } = repoWithType('symlink');
  await repo.add([data]);
  assert.equal(dvcText(root), dvcText(plain.root), 'the .dvc file does not depend on the link type');
  const a = path.join(data, 'a.txt');
  assert.ok(fs.lstatSync(a).isSymbolicLink());
  assert.equal(fs.readlinkSync(a), repo.cache.path(md5Bytes('alpha')));
  assert.ok(fs.lstatSync(path.join(data, 'sub', 'b.txt')).isSymbolicLink());
  assert.ok(fs.lstatSync(path.join(data, 'run.sh')).isFile(), 'an executable stays a copy');
  assert.equal(fs.readFileSync(a, 'utf8'), 'alpha');
  assert.equal((await repo.status()).outputs[0].state, 'unchanged');
  fs.rmSync(a);
  assert.equal((await repo.status()).outputs[0].state, 'modified');
  const r = await repo.checkout();
  assert.deepEqual(r.restored, ['data/a.txt']);
  assert.equal(fs.readlinkSync(a), repo.cache.path(md5Bytes('alpha')));
  assert.equal((await repo.status()).outputs[0].state, 'unchanged');
});

test('cache.type hardlink: the workspace file is the read-only cache inode; no copy is made', async () => {
  const { data, repo } = repoWithType('hardlink,copy');
  const big = path.join(data, 'big.bin');
  const bytes = randomBytes(3 * 1024 * 1024 + 17);
  fs.writeFileSync(big, bytes);
  await repo.add([data]);
  for (const [rel, body] of [
    ['a.txt', 'alpha'],
    ['big.bin', bytes],
  ] as const) {
    const ws = fs.statSync(path.join(data, rel));
    const obj = fs.statSync(repo.cache.path(md5Bytes(body)));
    assert.equal(ws.ino, obj.ino, `${rel} is hard-linked`);
    assert.equal(obj.mode & 0o777, 0o444);
  }
  assert.notEqual(fs.statSync(path.join(data, 'run.sh')).ino, fs.statSync(repo.cache.path(md5Bytes('#!/bin/sh\n'))).ino);
  assert.equal((await repo.status()).outputs[0].state, 'unchanged');
  fs.rmSync(path.join(data, 'sub', 'b.txt'));
  await repo.checkout();
  assert.equal(fs.statSync(path.join(data, 'sub', 'b.txt')).ino, fs.statSync(repo.cache.path(md5Bytes('beta'))).ino);
});

test('cache.type default (reflink, copy) and copy: writable copies; a large file is hashed while copied, one read', async () => {
  for (const type of [undefined, '"reflink,copy"', 'copy']) {
    const { data, repo } = repoWithType(type);
    const big = path.join(data, 'big.bin');
    const bytes = randomBytes(5 * 1024 * 1024 + 3);
    fs.writeFileSync(big, bytes);
    if (type === 'copy') {
      // Old enough to verify by stat: the kernel copies while a worker hashes (the other runs hash while copying).
      const old = new Date(Date.now() - 3600_000);
      fs.utimesSync(big, old, old);
      await new Promise((r) => setTimeout(r, 80));
    }
    await repo.add([data]);
    const obj = repo.cache.path(md5Bytes(bytes));
    assert.ok(fs.readFileSync(obj).equals(bytes), 'the object holds exactly the bytes');
    assert.equal(fs.statSync(obj).mode & 0o777, 0o444);
    assert.notEqual(fs.statSync(big).ino, fs.statSync(obj).ino);
    assert.ok(fs.lstatSync(path.join(data, 'a.txt')).isFile());
    assert.deepEqual(repo.cache.listTemps(), []);
    fs.rmSync(big);
    await repo.checkout();
    assert.ok(fs.readFileSync(big).equals(bytes));
    assert.equal(fs.statSync(big).mode & 0o200, 0o200, 'checked-out copies are writable');
  }
});

test('an unknown cache.type is refused with the file and line', () => {
  const { repo } = repoWithType('reflink,teleport');
  assert.throws(
    () => repo.config.cacheTypes(),
    (e: unknown) => e instanceof InvalidConfig && /config:2: cache\.type "reflink,teleport"/.test((e as Error).message),
  );
});

test('cache.type reflink,copy: many files placed at once on a filesystem without reflinks all fall back to copies', async () => {
  const { Linker } = await import('../../../src/core/data/links');
  const root = tempDir();
  const srcs = Array.from({ length: 40 }, (_, i) => {
    const p = path.join(root, `obj${i}`);
    fs.writeFileSync(p, `object ${i}`);
    return p;
  });
  const linker = new Linker(['reflink', 'copy']);
  // Each placement learns separately that reflinks are refused; one that learns it after another settled on copies
  // must still fall through to a copy rather than fail with the refusal. Starts are staggered by event-loop turns, as a
  // checkout's workers are, so that some refusals arrive after the first copy finished.
  const turn = () => new Promise<void>((r) => setImmediate(r));
  const types = await Promise.all(
    srcs.map(async (s, i) => {
      for (let k = 0; k < i; k++) await turn();
      return linker.place(s, path.join(root, `out${i}`), false);
    }),
  );
  for (let i = 0; i < srcs.length; i++) assert.equal(fs.readFileSync(path.join(root, `out${i}`), 'utf8'), `object ${i}`);
  assert.equal(new Set(types).size, 1, `one type for all: ${[...new Set(types)]}`);
  assert.equal(linker.type, types[0]);
});
