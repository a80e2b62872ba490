import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { buildTree } from '../../../src/core/data/build';
import { HashPool } from '../../../src/core/data/hashPool';
import { compareCodePoints, manifestOid, parseManifest, pyJsonString, serializeManifest } from '../../../src/core/data/manifest';
import { StatCache } from '../../../src/core/data/statCache';
import { tempDir } from '../../helpers/tmp';

test('spec vector: {foo, bar} directory manifest and oid', () => {
  const m = serializeManifest([
    { relpath: 'foo', md5: 'acbd18db4cc2f85cedef654fccc4a4d8' },
    { relpath: 'bar', md5: '37b51d194a7513e45b56f6524f2d51f2' },
  ]);
  assert.equal(
    m.toString('utf8'),
    '[{"md5": "37b51d194a7513e45b56f6524f2d51f2", "relpath": "bar"}, {"md5": "acbd18db4cc2f85cedef654fccc4a4d8", "relpath": "foo"}]',
  );
  assert.equal(manifestOid(m), '5ea40360f5b4ec688df672a4db9c17d1.dir');
});

test('spec vector: empty directory', () => {
  const m = serializeManifest([]);
  assert.equal(m.toString(), '[]');
  assert.equal(manifestOid(m), 'd751713988987e9331980363e24189ce.dir');
});

test('Python json.dumps escaping: non-ASCII, astral, quotes, backslash, controls, DEL', () => {
  // Expected strings are what CPython's json.dumps(s) (ensure_ascii=True) prints.
  assert.equal(pyJsonString('café'), '"caf\\u00e9"');
  assert.equal(pyJsonString('日本'), '"\\u65e5\\u672c"');
  assert.equal(pyJsonString('😀'), '"\\ud83d\\ude00"');
  assert.equal(pyJsonString('a"b'), '"a\\"b"');
  assert.equal(pyJsonString('a\\b'), '"a\\\\b"');
  assert.equal(pyJsonString('\n\r\t\b\f'), '"\\n\\r\\t\\b\\f"');
  assert.equal(pyJsonString('\x01\x1f'), '"\\u0001\\u001f"');
  assert.equal(pyJsonString('\x7f'), '"\\u007f"');
  assert.equal(pyJsonString("it's / ok ~"), '"it\'s / ok ~"');
  assert.equal(pyJsonString('\u00ff\u0100\uffff'), '"\\u00ff\\u0100\\uffff"');
});

test('sort is Python code-point order, not UTF-16 order', () => {
  const names = ['a0', 'a/b', 'a.txt', 'a-b', 'x\ue000', 'x😀', 'B', 'b', 'é'];
  const sorted = [...names].sort(compareCodePoints);
  assert.deepEqual(sorted, ['B', 'a-b', 'a.txt', 'a/b', 'a0', 'b', 'x\ue000', 'x😀', 'é']);
  // JS's default sort disagrees on the astral vs private-use pair; that is the trap.
  assert.ok([...names].sort().indexOf('x😀') < [...names].sort().indexOf('x\ue000'));
  const m = serializeManifest(names.map((relpath) => ({ relpath, md5: 'd41d8cd98f00b204e9800998ecf8427e' })));
  const rel = (JSON.parse(m.toString()) as { relpath: string }[]).map((e) => e.relpath);
  assert.deepEqual(rel, sorted);
});

test('a manifest with tricky names matches a hand-written Python rendering', () => {
  const e = 'd41d8cd98f00b204e9800998ecf8427e';
  const m = serializeManifest([
    { relpath: 'dir/😀.bin', md5: e },
    { relpath: 'q"uote', md5: e },
    { relpath: 'back\\slash', md5: e },
    { relpath: 'tab\there', md5: e },
    { relpath: 'naïve', md5: e },
  ]);
  const expected =
    '[{"md5": "d41d8cd98f00b204e9800998ecf8427e", "relpath": "back\\\\slash"}, ' +
    '{"md5": "d41d8cd98f00b204e9800998ecf8427e", "relpath": "dir/\\ud83d\\ude00.bin"}, ' +
    '{"md5": "d41d8cd98f00b204e9800998ecf8427e", "relpath": "na\\u00efve"}, ' +
    '{"md5": "d41d8cd98f00b204e9800998ecf8427e", "relpath": "q\\"uote"}, ' +
    '{"md5": "d41d8cd98f00b204e9800998ecf8427e", "relpath": "tab\\there"}]';
  assert.equal(m.toString('utf8'), expected);
  assert.deepEqual(
    parseManifest(m, 'x').map((x) => x.relpath),
    ['back\\slash', 'dir/😀.bin', 'naïve', 'q"uote', 'tab\there'],
  );
});

test('parseManifest rejects bad input with the location', () => {
  assert.throws(() => parseManifest('{', 'cache/x.dir'), /cache\/x\.dir: not a JSON directory manifest/);
  assert.throws(() => parseManifest('[{"md5": "x"}]', 'm'), /entry 0 lacks/);
  assert.throws(() => parseManifest('[{"md5": "x", "relpath": "../etc"}]', 'm'), /unsafe relpath/);
});

test('buildTree on real files: spec vector, tricky names on disk, symlinks, nested .git skipped', async () => {
  const dir = tempDir();
  const data = path.join(dir, 'data');
  fs.mkdirSync(data);
  fs.writeFileSync(path.join(data, 'foo'), 'foo');
  fs.writeFileSync(path.join(data, 'bar'), 'bar');
  const pool = new HashPool(1);
  const ctx = { root: dir, statCache: StatCache.inMemory(), pool };
  let t = await buildTree(ctx, data, 'md5');
  assert.equal(t.oid, '5ea40360f5b4ec688df672a4db9c17d1.dir');
  assert.equal(t.size, 6);
  assert.equal(t.nfiles, 2);

  fs.mkdirSync(path.join(data, 'empty'));
  fs.mkdirSync(path.join(data, '.git'));
  fs.writeFileSync(path.join(data, '.git', 'HEAD'), 'x');
  t = await buildTree(ctx, data, 'md5');
  assert.equal(t.oid, '5ea40360f5b4ec688df672a4db9c17d1.dir', 'empty dirs and .git contribute nothing');

  const names = ['😀', 'q"uote', 'back\\slash', 'tab\tname', 'ctl\x01', 'naïve', 'x\ue000'];
  for (const n of names) fs.writeFileSync(path.join(data, n), n);
  fs.symlinkSync(path.join(data, 'foo'), path.join(data, 'link-to-foo'));
  fs.mkdirSync(path.join(dir, 'elsewhere'));
  fs.writeFileSync(path.join(dir, 'elsewhere', 'f'), 'f');
  fs.symlinkSync(path.join(dir, 'elsewhere'), path.join(data, 'linked-dir'));
  t = await buildTree(ctx, data, 'md5');
  const rel = t.entries.map((e) => e.relpath).sort(compareCodePoints);
  assert.deepEqual(rel, [...names, 'bar', 'foo', 'link-to-foo'].sort(compareCodePoints));
  assert.equal(t.entries.find((e) => e.relpath === 'link-to-foo')!.md5, 'acbd18db4cc2f85cedef654fccc4a4d8');
  assert.equal(t.manifest.toString('latin1'), t.manifest.toString('utf8'), 'manifest is pure ASCII');
  assert.ok(t.manifest.toString().includes('"relpath": "\\ud83d\\ude00"'));
  assert.ok(t.manifest.toString().includes('"relpath": "ctl\\u0001"'));
  await pool.close();
});
