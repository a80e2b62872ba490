import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { DataRepo, DataWatcher, type DataWatchEvent } from '../../../src/core/data';
import { tempDir } from '../../helpers/tmp';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const watchers: DataWatcher[] = [];
after(async () => {
  for (const w of watchers) await w.close();
});

async function setup(opts: Partial<Parameters<typeof DataWatcher.start>[0]> = {}) {
  const root = tempDir();
  const { repo } = DataRepo.init(root);
  fs.mkdirSync(path.join(root, 'data'));
  fs.writeFileSync(path.join(root, 'data', 'train.csv'), 'a,b\n');
  await repo.add([path.join(root, 'data')]);
  for (let i = 0; i < 5; i++) fs.mkdirSync(path.join(root, 'unrelated', `d${i}`, 'deeper'), { recursive: true });
  fs.mkdirSync(path.join(root, 'node_modules', 'pkg'), { recursive: true });
  const w = await DataWatcher.start({ root, globs: ['incoming/**'], debounceMs: 300, stabilityMs: 300, largeFileBytes: 1 << 20, ...opts });
  watchers.push(w);
  const events: DataWatchEvent[] = [];
  w.onEvent((e) => events.push(e));
  return { root, repo, w, events };
}

async function waitFor(cond: () => boolean, ms = 8000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await sleep(50);
  }
}

test('a burst of writes to tracked data gives one event listing every path', async () => {
  const { root, w, events } = await setup();
  assert.ok(!w.watchedFolders().some((d) => d.startsWith('unrelated') || d.startsWith('node_modules')), w.watchedFolders().join(','));
  for (let i = 0; i < 25; i++) fs.writeFileSync(path.join(root, 'data', `part-${i}.csv`), `row ${i}\n`);
  fs.writeFileSync(path.join(root, 'data', 'train.csv'), 'a,b\n1,2\n');
  await waitFor(() => events.length > 0);
  await sleep(800);
  assert.equal(events.length, 1, JSON.stringify(events));
  assert.equal(events[0].kind, 'tracked-changed');
  assert.equal(events[0].paths.length, 26);
  assert.ok(events[0].paths.includes('data/train.csv'));
  assert.deepEqual(events[0].outputs, ['data']);
  // Unrelated writes raise nothing.
  fs.writeFileSync(path.join(root, 'unrelated', 'd1', 'x.bin'), Buffer.alloc(2 << 20));
  fs.writeFileSync(path.join(root, 'node_modules', 'pkg', 'y'), 'y');
  await sleep(900);
  assert.equal(events.length, 1);
});

test('a slowly written large file raises nothing until it is finished, then one new-large-file', async () => {
  const { root, events } = await setup({ stabilityMs: 500 });
  const dir = path.join(root, 'incoming', 'raw');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'dump.bin');
  const fd = fs.openSync(file, 'w');
  const t0 = Date.now();
  for (let i = 0; i < 8; i++) {
    fs.writeSync(fd, Buffer.alloc(256 << 10, i));
    await sleep(200);
    assert.equal(events.length, 0, `event while still writing (after ${Date.now() - t0} ms)`);
  }
  fs.closeSync(fd);
  fs.writeFileSync(path.join(dir, 'small.txt'), 'tiny');
  await waitFor(() => events.length > 0);
  await sleep(700);
  assert.deepEqual(events, [{ kind: 'new-large-file', paths: ['incoming/raw/dump.bin'] }]);
});

test('survives renaming and deleting watched folders; picks up new outputs from .dvc changes', async () => {
  const { root, repo, w, events } = await setup();
  fs.renameSync(path.join(root, 'data'), path.join(root, 'data-old'));
  await waitFor(() => events.some((e) => e.kind === 'tracked-changed'));
  await sleep(500);
  events.length = 0;
  fs.mkdirSync(path.join(root, 'data'));
  fs.writeFileSync(path.join(root, 'data', 'train.csv'), 'again\n');
  await waitFor(() => events.some((e) => e.kind === 'tracked-changed' && e.paths.includes('data/train.csv')));
  fs.rmSync(path.join(root, 'data'), { recursive: true });
  await sleep(600);
  events.length = 0;
  fs.mkdirSync(path.join(root, 'data'));
  fs.writeFileSync(path.join(root, 'data', 'c.csv'), 'c\n');
  await waitFor(() => events.some((e) => e.kind === 'tracked-changed' && e.paths.includes('data/c.csv')));

  // A .dvc file appearing in a watched folder (the root) is reported, and its output is watched from then on.
  fs.writeFileSync(path.join(root, 'weights.pt'), 'w1');
  await repo.add([path.join(root, 'weights.pt')]);
  await waitFor(() => events.some((e) => e.kind === 'dvc-files-changed' && e.paths.includes('weights.pt.dvc')));
  await sleep(500);
  events.length = 0;
  fs.writeFileSync(path.join(root, 'weights.pt'), 'w2');
  await waitFor(() => events.some((e) => e.kind === 'tracked-changed' && e.paths.includes('weights.pt')));

  // A new output in a folder nobody watched before: refreshTracked() brings it in.
  fs.mkdirSync(path.join(root, 'models', 'v1'), { recursive: true });
  fs.writeFileSync(path.join(root, 'models', 'v1', 'm.bin'), 'v1');
  await repo.add([path.join(root, 'models', 'v1', 'm.bin')]);
  w.refreshTracked();
  await waitFor(() => w.watchedFolders().includes('models/v1'));
  await sleep(300);
  events.length = 0;
  fs.writeFileSync(path.join(root, 'models', 'v1', 'm.bin'), 'v2');
  await waitFor(() => events.some((e) => e.kind === 'tracked-changed' && e.paths.includes('models/v1/m.bin')));
});

test('our own writes can be muted; a user edit right after them is still reported', async () => {
  const { root, w, events } = await setup();
  await w.muteWhile(async () => {
    // What a checkout writes: the recorded content (here after a deletion), and a new large file under a data glob.
    fs.rmSync(path.join(root, 'data', 'train.csv'));
    await sleep(50);
    fs.writeFileSync(path.join(root, 'data', 'train.csv'), 'a,b\n');
    fs.mkdirSync(path.join(root, 'incoming'));
    fs.writeFileSync(path.join(root, 'incoming', 'big.bin'), Buffer.alloc(2 << 20));
  });
  await sleep(1200);
  assert.equal(events.length, 0, JSON.stringify(events));
  const edited = await w.muteWhile(async () => 'done');
  assert.equal(edited, 'done');
  // Within the settling time of that last mute: the user's edit differs from the record, so it is reported.
  fs.writeFileSync(path.join(root, 'data', 'train.csv'), 'edited by the user\n');
  await waitFor(() => events.length > 0);
  assert.deepEqual(events[0].paths, ['data/train.csv']);
});

test('polling mode reports changes too', async () => {
  const { root, w, events } = await setup({ usePolling: true, pollIntervalMs: 100 });
  assert.equal(w.isPolling, true);
  // fs.watchFile takes its baseline stat on its first poll, after "ready"; a write before that is invisible.
  await sleep(500);
  fs.writeFileSync(path.join(root, 'data', 'train.csv'), 'polled\n');
  await waitFor(() => events.length > 0);
  assert.deepEqual(events[0], { kind: 'tracked-changed', paths: ['data/train.csv'], outputs: ['data'] });
});

test('writes that leave tracked content as recorded raise nothing: a checkout, a save of the same bytes, an undone edit', async () => {
  const { root, repo, events } = await setup();
  const train = path.join(root, 'data', 'train.csv');
  fs.rmSync(train);
  await waitFor(() => events.some((e) => e.kind === 'tracked-changed' && e.paths.includes('data/train.csv')));
  await sleep(500);
  events.length = 0;
  // Restored by a checkout that nobody muted (another process, the CLI): the content is the recorded one.
  const r = await repo.checkout();
  assert.equal(r.restored.length, 1);
  fs.writeFileSync(path.join(root, 'data', 'train.csv'), 'a,b\n');
  fs.writeFileSync(path.join(root, 'unrelated', 'd0', 'x'), 'x');
  await sleep(1200);
  assert.deepEqual(events, [], 'no event for content that matches the .dvc file');
  // An edit undone within the burst.
  fs.writeFileSync(train, 'a,b\n9,9\n');
  fs.writeFileSync(train, 'a,b\n');
  // The sync point: a real change afterwards is reported, and alone.
  await sleep(700);
  fs.writeFileSync(path.join(root, 'data', 'new.csv'), 'n\n');
  await waitFor(() => events.length > 0);
  await sleep(500);
  assert.deepEqual(events, [{ kind: 'tracked-changed', paths: ['data/new.csv'], outputs: ['data'] }]);
});

test('a tracked file output edited and reverted raises nothing; edited for good, it is reported', async () => {
  const { root, repo, events } = await setup();
  const weights = path.join(root, 'weights.pt');
  fs.writeFileSync(weights, 'w1');
  await repo.add([weights]);
  await waitFor(() => events.some((e) => e.kind === 'dvc-files-changed'));
  await sleep(500);
  events.length = 0;
  fs.writeFileSync(weights, 'w1');
  await sleep(1200);
  assert.deepEqual(events, []);
  fs.writeFileSync(weights, 'w2');
  await waitFor(() => events.length > 0);
  assert.deepEqual(events, [{ kind: 'tracked-changed', paths: ['weights.pt'], outputs: ['weights.pt'] }]);
});
