import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { Aborted, CheckoutConflict, DataRepo } from '../../../src/core/data';
import { md5Bytes, md5Dos2unixBytes } from '../../../src/core/data/hash';
import { tempDir } from '../../helpers/tmp';

function setup() {
  const root = tempDir();
  const { repo, created, files } = DataRepo.init(root);
  return { root, repo, created, files };
}

const mode = (p: string) => fs.statSync(p).mode & 0o777;
const byPath = async (repo: DataRepo) => Object.fromEntries((await repo.status()).outputs.map((s) => [s.output.path, s]));

test('init writes what dvc init writes and reuses an existing repo', () => {
  const { root, created, files } = setup();
  assert.equal(created, true);
  assert.equal(files.length, 3);
  assert.equal(fs.readFileSync(path.join(root, '.dvc', 'config'), 'utf8'), '');
  assert.equal(fs.readFileSync(path.join(root, '.dvc', '.gitignore'), 'utf8'), '/config.local\n/tmp\n/cache\n');
  assert.match(fs.readFileSync(path.join(root, '.dvcignore'), 'utf8'), /^# Add patterns of files dvc should ignore/);
  fs.writeFileSync(path.join(root, '.dvc', 'config'), '[core]\n    remote = x\n');
  const again = DataRepo.init(root);
  assert.equal(again.created, false);
  assert.equal(fs.readFileSync(path.join(root, '.dvc', 'config'), 'utf8'), '[core]\n    remote = x\n');
  const sub = path.join(root, 'a', 'b');
  fs.mkdirSync(sub, { recursive: true });
  assert.equal(DataRepo.open(sub).root, root);
  assert.throws(() => DataRepo.open(tempDir()), /is not inside a DVC repository/);
});

test('add a file: cache object 0444, .dvc text, .gitignore, workspace untouched and writable', async () => {
  const { root, repo } = setup();
  const foo = path.join(root, 'foo');
  fs.writeFileSync(foo, 'foo');
  const [r] = await repo.add([foo]);
  assert.equal(r.dvcFile, foo + '.dvc');
  assert.equal(fs.readFileSync(foo + '.dvc', 'utf8'), 'outs:\n- md5: acbd18db4cc2f85cedef654fccc4a4d8\n  size: 3\n  hash: md5\n  path: foo\n');
  const obj = path.join(root, '.dvc/cache/files/md5/ac/bd18db4cc2f85cedef654fccc4a4d8');
  assert.equal(fs.readFileSync(obj, 'utf8'), 'foo');
  assert.equal(mode(obj), 0o444);
  assert.equal(fs.readFileSync(path.join(root, '.gitignore'), 'utf8'), '/foo\n');
  assert.equal(fs.readFileSync(foo, 'utf8'), 'foo');
  assert.notEqual(mode(foo) & 0o200, 0, 'workspace copy stays writable');
  await repo.add([foo]);
  assert.equal(fs.readFileSync(path.join(root, '.gitignore'), 'utf8'), '/foo\n', 'no duplicate line');
  assert.deepEqual(fs.readdirSync(path.join(root, '.dvc/cache/files/md5/ac')), ['bd18db4cc2f85cedef654fccc4a4d8'], 'no temp files left');
});

test('add a folder: spec vector, manifest object, sub-folder .dvc placement and gitignore escaping', async () => {
  const { root, repo } = setup();
  const data = path.join(root, 'some', 'data');
  fs.mkdirSync(data, { recursive: true });
  fs.writeFileSync(path.join(data, 'foo'), 'foo');
  fs.writeFileSync(path.join(data, 'bar'), 'bar');
  await repo.add([data]);
  assert.equal(
    fs.readFileSync(data + '.dvc', 'utf8'),
    'outs:\n- md5: 5ea40360f5b4ec688df672a4db9c17d1.dir\n  size: 6\n  nfiles: 2\n  hash: md5\n  path: data\n',
  );
  const manifest = path.join(root, '.dvc/cache/files/md5/5e/a40360f5b4ec688df672a4db9c17d1.dir');
  assert.equal(
    fs.readFileSync(manifest, 'utf8'),
    '[{"md5": "37b51d194a7513e45b56f6524f2d51f2", "relpath": "bar"}, {"md5": "acbd18db4cc2f85cedef654fccc4a4d8", "relpath": "foo"}]',
  );
  assert.equal(mode(manifest), 0o444);
  assert.equal(mode(path.join(root, '.dvc/cache/files/md5/37/b51d194a7513e45b56f6524f2d51f2')), 0o444);
  assert.equal(fs.readFileSync(path.join(root, 'some', '.gitignore'), 'utf8'), '/data\n');
  const weird = path.join(root, 'we!rd*[1].csv');
  fs.writeFileSync(weird, 'x');
  await repo.add([weird]);
  assert.equal(fs.readFileSync(path.join(root, '.gitignore'), 'utf8'), '/we\\!rd\\*\\[1\\].csv\n');
  assert.equal(
    (await repo.status()).outputs.every((s) => s.state === 'unchanged'),
    true,
  );
});

test('round trip: add, modify, status, commit, checkout back, conflicts and force', async () => {
  const { root, repo } = setup();
  const data = path.join(root, 'data');
  fs.mkdirSync(path.join(data, 'sub'), { recursive: true });
  fs.writeFileSync(path.join(data, 'a.csv'), 'a,1\n');
  fs.writeFileSync(path.join(data, 'sub', 'b.csv'), 'b,2\n');
  fs.writeFileSync(path.join(data, 'c.csv'), 'c,3\n');
  const model = path.join(root, 'model.bin');
  fs.writeFileSync(model, Buffer.alloc(3 << 20, 7)); // large: goes through the worker pool
  await repo.add([data, model]);
  const v1Data = fs.readFileSync(data + '.dvc', 'utf8');
  const v1Model = fs.readFileSync(model + '.dvc', 'utf8');
  let st = await byPath(repo);
  assert.equal(st['data'].state, 'unchanged');
  assert.equal(st['model.bin'].state, 'unchanged');

  fs.writeFileSync(path.join(data, 'a.csv'), 'a,100\n');
  fs.rmSync(path.join(data, 'c.csv'));
  fs.writeFileSync(path.join(data, 'sub', 'new.csv'), 'n\n');
  fs.appendFileSync(model, 'more');
  st = await byPath(repo);
  assert.equal(st['data'].state, 'modified');
  assert.deepEqual(st['data'].changes, [
    { relpath: 'a.csv', change: 'modified' },
    { relpath: 'c.csv', change: 'deleted' },
    { relpath: 'sub/new.csv', change: 'added' },
  ]);
  assert.equal(st['model.bin'].state, 'modified');

  const committed = await repo.commit();
  assert.deepEqual(
    committed.map((c) => c.changed),
    [true, true],
  );
  assert.notEqual(fs.readFileSync(data + '.dvc', 'utf8'), v1Data);
  st = await byPath(repo);
  assert.equal(st['data'].state, 'unchanged');
  assert.equal(st['data'].current!.nfiles, 3);
  const v2Data = fs.readFileSync(data + '.dvc', 'utf8');

  // "git checkout" of the old .dvc files, then restore the data: everything needed is in the cache.
  fs.writeFileSync(data + '.dvc', v1Data);
  fs.writeFileSync(model + '.dvc', v1Model);
  const co = await repo.checkout();
  assert.deepEqual(co.missing, []);
  assert.equal(fs.readFileSync(path.join(data, 'a.csv'), 'utf8'), 'a,1\n');
  assert.equal(fs.readFileSync(path.join(data, 'c.csv'), 'utf8'), 'c,3\n');
  assert.equal(fs.existsSync(path.join(data, 'sub', 'new.csv')), false);
  assert.equal(fs.statSync(model).size, 3 << 20);
  assert.notEqual(mode(path.join(data, 'a.csv')) & 0o200, 0, 'restored files are writable');
  assert.ok(co.removed.includes('data/sub/new.csv'));
  st = await byPath(repo);
  assert.equal(st['data'].state, 'unchanged');
  assert.equal(st['model.bin'].state, 'unchanged');

  // A modification that is not in the cache is never overwritten silently.
  fs.writeFileSync(path.join(data, 'a.csv'), 'precious\n');
  fs.writeFileSync(path.join(data, 'extra.csv'), 'also precious\n');
  fs.writeFileSync(data + '.dvc', v2Data);
  await assert.rejects(repo.checkout(), (e: unknown) => {
    assert.ok(e instanceof CheckoutConflict);
    assert.deepEqual([...e.paths].sort(), ['data/a.csv', 'data/extra.csv']);
    return true;
  });
  assert.equal(fs.readFileSync(path.join(data, 'a.csv'), 'utf8'), 'precious\n', 'refusal changes nothing');
  assert.equal(fs.readFileSync(path.join(data, 'sub', 'b.csv'), 'utf8'), 'b,2\n');
  await repo.checkout([data], { force: true });
  assert.equal(fs.readFileSync(path.join(data, 'a.csv'), 'utf8'), 'a,100\n');
  assert.equal(fs.existsSync(path.join(data, 'extra.csv')), false);
  assert.equal((await byPath(repo))['data'].state, 'unchanged');
});

test('deleted, not in cache, new; checkout restores deleted files; exec bit', async () => {
  const { root, repo } = setup();
  const f = path.join(root, 'run.sh');
  fs.writeFileSync(f, '#!/bin/sh\necho hi\n', { mode: 0o755 });
  await repo.add([f]);
  assert.match(fs.readFileSync(f + '.dvc', 'utf8'), /isexec: true/);
  fs.rmSync(f);
  assert.equal((await byPath(repo))['run.sh'].state, 'deleted');
  await repo.checkout();
  assert.equal(fs.readFileSync(f, 'utf8'), '#!/bin/sh\necho hi\n');
  assert.notEqual(mode(f) & 0o100, 0, 'exec bit re-applied');
  fs.rmSync(path.join(root, '.dvc', 'cache'), { recursive: true, force: true });
  const s = (await byPath(repo))['run.sh'];
  assert.equal(s.state, 'not-in-cache');
  assert.equal(s.inCache, false);
  fs.writeFileSync(path.join(root, 'todo.dvc'), 'outs:\n- path: todo\n');
  fs.writeFileSync(path.join(root, 'todo'), 'x');
  assert.equal((await byPath(repo))['todo'].state, 'new');
  fs.writeFileSync(path.join(root, 'broken.dvc'), 'outs: [');
  const all = await repo.status();
  assert.equal(all.invalid.length, 1);
  assert.match(all.invalid[0].message, /broken\.dvc: not valid YAML/);
});

test('legacy DVC 2 outputs are verified with md5-dos2unix and stay legacy until they change', async () => {
  const { root, repo } = setup();
  const f = path.join(root, 'notes.txt');
  const content = Buffer.from('one\r\ntwo\r\n');
  fs.writeFileSync(f, content);
  const legacy = md5Dos2unixBytes(content);
  assert.notEqual(legacy, md5Bytes(content));
  const cacheObj = path.join(root, '.dvc', 'cache', legacy.slice(0, 2), legacy.slice(2));
  fs.mkdirSync(path.dirname(cacheObj), { recursive: true });
  fs.writeFileSync(cacheObj, content, { mode: 0o444 });
  const text = `outs:\n- md5: ${legacy}\n  size: ${content.length}\n  path: notes.txt\n`;
  fs.writeFileSync(f + '.dvc', text);
  assert.equal((await byPath(repo))['notes.txt'].state, 'unchanged');
  await repo.commit();
  assert.equal(fs.readFileSync(f + '.dvc', 'utf8'), text, 'unchanged legacy output is not rewritten');
  fs.rmSync(f);
  await repo.checkout();
  assert.deepEqual(fs.readFileSync(f), content);
  fs.writeFileSync(f, 'three\r\n');
  await repo.commit();
  const after = fs.readFileSync(f + '.dvc', 'utf8');
  assert.match(after, new RegExp(`md5: ${md5Bytes('three\r\n')}`));
  assert.match(after, /hash: md5/);
});

test('the stat cache is persisted and used by a second open', async () => {
  const { root, repo } = setup();
  const data = path.join(root, 'data');
  fs.mkdirSync(data);
  for (let i = 0; i < 20; i++) fs.writeFileSync(path.join(data, `f${i}`), `v${i}`);
  await repo.add([data]);
  const file = path.join(root, '.dvc', 'tmp', 'mlops-hashes.json');
  // Files just written (or whose ctime just changed) are "racily clean" and not remembered; age them.
  const old = new Date(Date.now() - 60_000);
  for (let i = 0; i < 20; i++) fs.utimesSync(path.join(data, `f${i}`), old, old);
  await new Promise((r) => setTimeout(r, 80));
  await repo.status();
  assert.ok(fs.existsSync(file));
  const entries = JSON.parse(fs.readFileSync(file, 'utf8')).entries as string[];
  assert.equal(entries.length, 40, 'a key and a value per file');
  const at = entries.indexOf('data/f3');
  assert.ok(at >= 0);
  // A remembered hash is believed while the stat matches: plant a wrong one, and a fresh open (no folder
  // summaries: they would confirm the folder without consulting it) reports the file modified.
  entries[at + 1] = entries[at + 1].replace(/[0-9a-f]{32}$/, md5Bytes('something else'));
  fs.writeFileSync(file, JSON.stringify({ version: 3, entries }));
  fs.rmSync(path.join(root, '.dvc', 'tmp', 'mlops-hashes.folders.json'));
  const fresh = DataRepo.open(root);
  const st = (await fresh.status()).outputs[0];
  assert.equal(st.state, 'modified');
  assert.deepEqual(st.changes, [{ relpath: 'f3', change: 'modified' }]);
  const noCache = DataRepo.open(root, { statCacheFile: false });
  assert.equal((await noCache.status()).outputs[0].state, 'unchanged');
});

test('.dvcignore patterns apply inside tracked folders; one inside a tracked folder is refused', async () => {
  const { root, repo } = setup();
  const data = path.join(root, 'data');
  fs.mkdirSync(path.join(data, 'logs'), { recursive: true });
  fs.mkdirSync(path.join(data, 'sub'), { recursive: true });
  for (const f of ['b.csv', 'a.tmp', 'keep.tmp', 'logs/x.csv', 'sub/c.tmp', 'sub/d.csv']) fs.writeFileSync(path.join(data, f), f);
  fs.appendFileSync(path.join(root, '.dvcignore'), '*.tmp\n!keep.tmp\n/data/logs/\n');
  await repo.add([data]);
  const manifest = JSON.parse(fs.readFileSync(repo.cache.path(repo.outputs()[0].out.md5!), 'utf8')) as { relpath: string }[];
  assert.deepEqual(
    manifest.map((e) => e.relpath),
    ['b.csv', 'keep.tmp', 'sub/d.csv'],
  );
  fs.writeFileSync(path.join(data, 'z.tmp'), 'ignored, so no change');
  assert.equal((await repo.status()).outputs[0].state, 'unchanged');
  fs.writeFileSync(path.join(data, 'sub', '.dvcignore'), 'd.csv\n');
  await assert.rejects(repo.status(), /a \.dvcignore inside a tracked folder is not allowed/);
});

test('a cancelled add writes no .dvc file, no .gitignore line and leaves no temp files', async () => {
  const { root, repo } = setup();
  const data = path.join(root, 'data');
  fs.mkdirSync(data);
  for (let i = 0; i < 4; i++) fs.writeFileSync(path.join(data, `big${i}`), Buffer.alloc(4 << 20, i));
  for (const delay of [0, 5, 20]) {
    const ac = new AbortController();
    setTimeout(() => ac.abort(), delay);
    await assert.rejects(repo.add([data], { signal: ac.signal }), Aborted);
    assert.equal(fs.existsSync(data + '.dvc'), false);
    assert.equal(fs.existsSync(path.join(root, '.gitignore')), false);
    assert.deepEqual(repo.cache.listTemps(), []);
  }
  await repo.add([data]);
  assert.equal(repo.cache.list().length, 5);
});

test('targets: an output, its .dvc file, or a folder holding outputs; unknown targets are named', async () => {
  const { root, repo } = setup();
  fs.mkdirSync(path.join(root, 'sets', 'a'), { recursive: true });
  fs.writeFileSync(path.join(root, 'sets', 'a', 'x'), 'x');
  fs.writeFileSync(path.join(root, 'sets', 'y'), 'y');
  fs.writeFileSync(path.join(root, 'z'), 'z');
  await repo.add([path.join(root, 'sets', 'a'), path.join(root, 'sets', 'y'), path.join(root, 'z')]);
  const paths = async (t: string[]) => (await repo.status(t)).outputs.map((s) => s.output.path);
  assert.deepEqual(await paths([path.join(root, 'sets')]), ['sets/a', 'sets/y']);
  assert.deepEqual(await paths([path.join(root, 'z.dvc')]), ['z']);
  assert.deepEqual(await paths([path.join(root, 'sets', 'a')]), ['sets/a']);
  assert.deepEqual(await paths([root]), ['sets/a', 'sets/y', 'z']);
  await assert.rejects(repo.status([path.join(root, 'nope')]), /nope: is not a tracked output, a \.dvc file, or a folder holding any/);
  assert.equal(repo.outputFor(path.join(root, 'sets', 'a', 'x'))?.path, 'sets/a');
  assert.equal(repo.outputFor(path.join(root, 'elsewhere')), undefined);
});

test('add of a file inside a tracked folder updates only that entry (granular, like DVC)', async () => {
  const { root, repo } = setup();
  const data = path.join(root, 'data');
  fs.mkdirSync(path.join(data, 'sub'), { recursive: true });
  for (const [f, c] of [
    ['a', 'aa'],
    ['b', 'bbb'],
    ['c', 'c'],
    ['sub/d', 'dddd'],
  ])
    fs.writeFileSync(path.join(data, f), c);
  await repo.add([data]);
  fs.writeFileSync(path.join(data, 'a'), 'AAAAAA');
  fs.writeFileSync(path.join(data, 'b'), 'BBBBBBBBB');
  fs.rmSync(path.join(data, 'c'));
  const [r] = await repo.add([path.join(data, 'a')]);
  assert.equal(r.dvcFile, data + '.dvc');
  assert.equal(r.changed, true);
  let st = (await repo.status()).outputs[0];
  assert.equal(st.state, 'modified');
  assert.deepEqual(st.changes, [
    { relpath: 'b', change: 'modified' },
    { relpath: 'c', change: 'deleted' },
  ]);
  await repo.add([path.join(data, 'c')]);
  fs.writeFileSync(path.join(data, 'sub', 'e'), 'e');
  await repo.add([path.join(data, 'sub')]);
  st = (await repo.status()).outputs[0];
  assert.deepEqual(st.changes, [{ relpath: 'b', change: 'modified' }]);
  const granular = repo.outputs()[0].out;
  fs.writeFileSync(path.join(data, 'b'), 'bbb');
  st = (await repo.status()).outputs[0];
  assert.equal(st.state, 'unchanged');
  // Same result as hashing the whole folder from scratch.
  assert.equal(granular.md5, st.current!.md5);
  assert.equal(granular.size, st.current!.size);
  assert.equal(granular.nfiles, 4);
});

test('a folder whose manifest object alone is missing is not in cache', async () => {
  const { root, repo } = setup();
  const data = path.join(root, 'data');
  fs.mkdirSync(data);
  fs.writeFileSync(path.join(data, 'a'), 'a');
  await repo.add([data]);
  fs.rmSync(repo.cache.path(repo.outputs()[0].out.md5!));
  const s = (await repo.status()).outputs[0];
  assert.equal(s.state, 'not-in-cache');
  assert.equal(s.inCache, false);
});

test('cache.dir in .dvc/config (relative to .dvc/) moves the cache', async () => {
  const { root } = setup();
  const shared = tempDir();
  fs.writeFileSync(path.join(root, '.dvc', 'config'), `[cache]\n    dir = ${path.relative(path.join(root, '.dvc'), shared)}\n`);
  const repo = DataRepo.open(root);
  fs.writeFileSync(path.join(root, 'foo'), 'foo');
  await repo.add([path.join(root, 'foo')]);
  assert.equal(fs.readFileSync(path.join(shared, 'files', 'md5', 'ac', 'bd18db4cc2f85cedef654fccc4a4d8'), 'utf8'), 'foo');
  assert.equal(fs.existsSync(path.join(root, '.dvc', 'cache')), false);
});
