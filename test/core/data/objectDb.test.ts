import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { compileGlob, globMayContain } from '../../../src/core/data/glob';
import { ObjectDb } from '../../../src/core/data/objectDb';
import { StatCache } from '../../../src/core/data/statCache';
import { tempDir } from '../../helpers/tmp';

test('object layout: DVC 3 under files/md5, legacy at the top; 0444 trusted, others re-hashed, corrupt deleted', async () => {
  const db = new ObjectDb(tempDir());
  assert.equal(path.relative(db.root, db.path('37b51d194a7513e45b56f6524f2d51f2')), 'files/md5/37/b51d194a7513e45b56f6524f2d51f2');
  assert.equal(path.relative(db.root, db.path('5ea40360f5b4ec688df672a4db9c17d1.dir')), 'files/md5/5e/a40360f5b4ec688df672a4db9c17d1.dir');
  assert.equal(path.relative(db.root, db.path('37b51d194a7513e45b56f6524f2d51f2', 'md5-dos2unix')), '37/b51d194a7513e45b56f6524f2d51f2');
  assert.throws(() => db.path('../../etc/passwd'), /not an md5 object id/);
  db.putBytes('37b51d194a7513e45b56f6524f2d51f2', Buffer.from('bar'));
  const p = db.path('37b51d194a7513e45b56f6524f2d51f2');
  assert.equal(fs.statSync(p).mode & 0o777, 0o444);
  assert.equal(await db.check('37b51d194a7513e45b56f6524f2d51f2'), true);
  // Trusted without re-hashing when 0444, even if wrong (DVC's rule; we never write wrong bytes).
  fs.chmodSync(p, 0o644);
  fs.writeFileSync(p, 'not bar');
  fs.chmodSync(p, 0o444);
  assert.equal(await db.check('37b51d194a7513e45b56f6524f2d51f2'), true);
  fs.chmodSync(p, 0o644);
  assert.equal(await db.check('37b51d194a7513e45b56f6524f2d51f2'), false);
  assert.equal(fs.existsSync(p), false, 'corrupt object deleted');
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, 'bar', { mode: 0o644 });
  assert.equal(await db.check('37b51d194a7513e45b56f6524f2d51f2'), true, 'correct bytes pass a re-hash');
  const many = Array.from({ length: 2500 }, (_, i) => i.toString(16).padStart(32, '0'));
  db.putBytes(many[7], Buffer.from('x'));
  const ex = db.existsMany([...many, '37b51d194a7513e45b56f6524f2d51f2']);
  assert.deepEqual(
    ex.map((b, i) => (b ? i : -1)).filter((i) => i >= 0),
    [7, 2500],
  );
  assert.deepEqual(db.listTemps(), []);
});

test('stat cache: matches on inode+mtime+size only; racily fresh files are not remembered; persisted', () => {
  const dir = tempDir();
  const file = path.join(dir, 'sc.json');
  const c = StatCache.load(file);
  const st = { ino: 5n, mtimeNs: 1_000_000_000n, size: 3n };
  c.set('data/a', 'md5', st, 'acbd18db4cc2f85cedef654fccc4a4d8', 10_000_000_000n);
  assert.equal(c.get('data/a', 'md5', st), 'acbd18db4cc2f85cedef654fccc4a4d8');
  assert.equal(c.get('data/a', 'md5', { ...st, size: 4n }), undefined);
  assert.equal(c.get('data/a', 'md5', { ...st, mtimeNs: 1_000_000_001n }), undefined);
  assert.equal(c.get('data/a', 'md5', { ...st, ino: 6n }), undefined);
  assert.equal(c.get('data/a', 'md5-dos2unix', st), undefined, 'hash names are kept apart');
  c.set('data/b', 'md5', st, '37b51d194a7513e45b56f6524f2d51f2', st.mtimeNs + 10_000_000n);
  assert.equal(c.get('data/b', 'md5', st), undefined, 'written 10 ms ago: could still change within the same tick');
  c.save();
  const again = StatCache.load(file);
  assert.equal(again.get('data/a', 'md5', st), 'acbd18db4cc2f85cedef654fccc4a4d8');
  again.forget('data');
  assert.equal(again.size, 0);
  fs.writeFileSync(file, '{broken');
  assert.equal(StatCache.load(file).size, 0, 'a damaged cache is just empty');
});

test('data globs: base folder and matcher', () => {
  const g = compileGlob('data/**');
  assert.equal(g.base, 'data');
  assert.ok(g.re.test('data/a.csv') && g.re.test('data/x/y/z.bin'));
  assert.ok(!g.re.test('database/a') && !g.re.test('other/data/a'));
  const c = compileGlob('raw/*/images/**/*.png');
  assert.equal(c.base, 'raw');
  assert.ok(c.re.test('raw/cam1/images/a.png') && c.re.test('raw/cam1/images/d/e/a.png'));
  assert.ok(!c.re.test('raw/cam1/images/a.jpg') && !c.re.test('raw/a/b/images/a.png'));
  assert.ok(globMayContain(c, 'raw') && globMayContain(c, 'raw/cam1') && !globMayContain(c, 'src'));
  const plain = compileGlob('datasets');
  assert.ok(plain.re.test('datasets/a') && globMayContain(plain, 'datasets/x'));
  assert.ok(compileGlob('**/*.parquet').re.test('a/b.parquet') && compileGlob('**/*.parquet').re.test('b.parquet'));
});
