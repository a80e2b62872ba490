import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { DataRepo } from '../../../src/core/data';
import { tempDir } from '../../helpers/tmp';

const fixture = path.join(__dirname, 'fixtures', 'cli.ts');
const tsx = pathToFileURL(path.resolve(__dirname, '../../../node_modules/tsx/dist/loader.mjs')).href;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Our temp files in the cache, by owner pid. */
function tempsOf(repo: DataRepo, pid: number): string[] {
  return repo.cache.listTemps().filter((t) => path.basename(t).startsWith(`.mlops-${pid}-`));
}

async function until(what: string, ok: () => boolean, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(2);
  }
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r() : child.once('exit', () => r())));
}

test("temp files of a killed `mlops data add` are removed by the next add; a live writer's and DVC's are kept", async (t) => {
  const root = tempDir();
  const repo = DataRepo.init(root).repo;
  // A large file: its object is written through a temp file for as long as the copy takes.
  const big = path.join(root, 'big.bin');
  const fd = fs.openSync(big, 'w');
  const chunk = Buffer.alloc(1 << 20, 7);
  for (let i = 0; i < 128; i++) fs.writeSync(fd, chunk);
  fs.closeSync(fd);

  const adder = spawn(process.execPath, ['--import', tsx, fixture, 'data', 'add', 'big.bin'], {
    cwd: root,
    stdio: 'ignore',
    env: { ...process.env, NODE_NO_WARNINGS: '1' },
  });
  t.after(() => void (adder.exitCode === null && adder.kill('SIGKILL')));
  const pid = adder.pid!;
  await until('the add to write a temp file', () => tempsOf(repo, pid).length > 0 || adder.exitCode !== null);
  assert.equal(adder.exitCode, null, 'the add must still be running to be killed mid-write');
  adder.kill('SIGKILL');
  await exited(adder);
  const left = tempsOf(repo, pid);
  assert.ok(left.length > 0, 'the killed add left its temp file');
  assert.ok(fs.existsSync(path.join(root, '.dvc', 'tmp', 'mlops-writers', String(pid))), 'and its writer marker');
  assert.equal(fs.existsSync(path.join(root, 'big.bin.dvc')), false);

  // A live writer (another process, still running) and DVC's own temp name: both must survive.
  const live = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
  t.after(() => void (live.exitCode === null && live.kill('SIGKILL')));
  const dir = path.dirname(left[0]);
  const liveTemp = path.join(dir, `.mlops-${live.pid}-0123456789abcdef.tmp`);
  const dvcTemp = path.join(dir, '.Xq3b7_sZk2lY0wq9ZpQJtA.tmp');
  fs.writeFileSync(liveTemp, '');
  fs.writeFileSync(dvcTemp, '');
  // A 0-byte temp of the killed process, as one killed between creating and writing an object leaves.
  const zero = path.join(dir, `.mlops-${pid}-00000000000000ff.tmp`);
  fs.writeFileSync(zero, '');

  fs.writeFileSync(path.join(root, 'small.txt'), 'small');
  const r = spawnSync(process.execPath, ['--import', tsx, fixture, 'data', 'add', 'small.txt'], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, NODE_NO_WARNINGS: '1' },
  });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(tempsOf(repo, pid), [], 'every temp file of the killed add is gone');
  assert.equal(fs.existsSync(zero), false);
  assert.ok(fs.existsSync(liveTemp), "a live process's temp file is kept");
  assert.ok(fs.existsSync(dvcTemp), "DVC's own temp file is kept");
  assert.equal(fs.existsSync(path.join(root, '.dvc', 'tmp', 'mlops-writers', String(pid))), false, 'the dead marker is cleared');
  assert.deepEqual(fs.readdirSync(path.join(root, '.dvc', 'tmp', 'mlops-writers')), [], 'the finished add removed its own marker');
  live.kill('SIGKILL');
  await exited(live);

  // The interrupted file can now be added completely.
  const again = spawnSync(process.execPath, ['--import', tsx, fixture, 'data', 'add', 'big.bin'], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, NODE_NO_WARNINGS: '1' },
  });
  assert.equal(again.status, 0, again.stderr);
  assert.equal(
    (await DataRepo.open(root).status()).outputs.every((o) => o.state === 'unchanged'),
    true,
  );
});
