import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { openStore } from '../../../src/core/openStore';
import * as T from '../../../src/core/tracking';
import { OwnershipLost, StoreLocked } from '../../../src/core/errors';
import { OwnerLock, readLock } from '../../../src/core/store/lock';
import { claimAddress } from '../../../src/core/store/ownerClaim';
import { tempDir } from '../../helpers/tmp';

test('a deleted lock file lets no second owner in; the owner writes it again and keeps writing', async (t) => {
  const ws = tempDir(t);
  const s = await openStore(ws);
  t.after(() => s.close());
  const id = T.createRun(s, { run_name: 'first' }).info.run_id;
  const lockFile = path.join(ws, '.mlops', 'store.lock');
  const mine = readLock(lockFile)!;
  fs.unlinkSync(lockFile);
  await assert.rejects(
    openStore(ws),
    (e: Error) => e instanceof StoreLocked && e.ownerPid === process.pid && /owned by process \d+ since \d{4}-/.test(e.message),
  );
  fs.rmSync(path.join(ws, '.mlops'), { recursive: true }); // even with the whole folder gone
  await assert.rejects(openStore(ws), StoreLocked);
  assert.equal(fs.existsSync(path.join(ws, '.mlops')), false, 'a refused owner creates nothing');
  // The owner's periodic check writes its lock and, from memory, the store again.
  while (!fs.existsSync(path.join(ws, '.mlops', 'store.journal'))) await new Promise((r) => setTimeout(r, 50));
  assert.equal(readLock(lockFile)?.nonce, mine.nonce, 'the lock is written again, by the same owner');
  assert.match(fs.readFileSync(path.join(ws, '.mlops', '.gitignore'), 'utf8'), /store\.lock/);
  T.logParam(s, id, 'after', 'deletion');
  await s.durable();
  const reader = await openStore(ws, { readOnly: true });
  try {
    assert.deepEqual(T.getRun(reader, id).data.params, [{ key: 'after', value: 'deletion' }]);
    assert.equal(T.getRun(reader, id).info.run_name, 'first');
  } finally {
    reader.close();
  }
});

test('an owner whose lock was replaced by another owner refuses writes and snapshots, and overwrites nothing', async (t) => {
  const ws = tempDir(t);
  const s = await openStore(ws);
  t.after(() => s.close());
  const id = T.createRun(s).info.run_id;
  const lockFile = path.join(ws, '.mlops', 'store.lock');
  const other = { pid: 1, started: Date.now(), nonce: 'someone-else' };
  fs.writeFileSync(lockFile, JSON.stringify(other));
  const snap = path.join(ws, '.mlops', 'store.snapshot');
  assert.throws(
    () => s.snapshot(),
    (e: Error) => e instanceof OwnershipLost && (e as OwnershipLost).code === 'TEMPORARILY_UNAVAILABLE' && /process 1 took it over/.test(e.message),
  );
  assert.equal(fs.existsSync(snap), false, 'no snapshot was written over the new owner');
  assert.throws(() => T.logParam(s, id, 'a', 'b'), OwnershipLost);
  s.close();
  assert.deepEqual(readLock(lockFile), other, "closing leaves the other owner's lock alone");
});

test('the owner re-checks its lock every few seconds without being asked', async (t) => {
  const ws = tempDir(t);
  const dir = path.join(ws, '.mlops');
  fs.mkdirSync(dir);
  const lock = await OwnerLock.acquire(path.join(dir, 'store.lock'), { checkMs: 20 });
  t.after(() => lock.release());
  fs.unlinkSync(lock.file);
  while (!fs.existsSync(lock.file)) await new Promise((r) => setTimeout(r, 10));
  assert.equal(readLock(lock.file)?.nonce, lock.nonce);
  fs.writeFileSync(lock.file, JSON.stringify({ pid: 1, started: 0, nonce: 'x' }));
  while (!lock.lost) await new Promise((r) => setTimeout(r, 10));
  assert.equal(lock.lostTo?.pid, 1);
});

test('a socket-file claim (platforms without abstract sockets) refuses a second owner and is taken over once its owner died', async (t) => {
  const ws = tempDir(t);
  const dir = path.join(ws, '.mlops');
  fs.mkdirSync(dir);
  const file = path.join(dir, 'store.lock');
  const first = await OwnerLock.acquire(file, { claimKind: 'file' });
  await assert.rejects(OwnerLock.acquire(file, { claimKind: 'file' }), (e: Error) => e instanceof StoreLocked && e.ownerPid === process.pid);
  first.release();
  // A killed owner leaves its socket file behind.
  const address = claimAddress(dir, 'file');
  const child = spawn(process.execPath, ['-e', `require('net').createServer((c) => c.end()).listen(${JSON.stringify(address)}, () => console.log('up'))`], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise((r) => child.stdout!.once('data', r));
  await assert.rejects(OwnerLock.acquire(file, { claimKind: 'file' }), StoreLocked);
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
  assert.ok(fs.existsSync(address), 'the dead owner left its socket file');
  const second = await OwnerLock.acquire(file, { claimKind: 'file' });
  second.release();
  assert.equal(fs.existsSync(address), false);
});

test('a lock held by a live process of an older build (no claim) is respected', async (t) => {
  const ws = tempDir(t);
  const dir = path.join(ws, '.mlops');
  fs.mkdirSync(dir);
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  t.after(() => child.kill('SIGKILL'));
  fs.writeFileSync(path.join(dir, 'store.lock'), JSON.stringify({ pid: child.pid, started: 1 }));
  await assert.rejects(openStore(ws), (e: Error) => e instanceof StoreLocked && e.ownerPid === child.pid);
});

test('an owner on another machine or in another container (its claim unseen here) is respected while it renews its lock', async (t) => {
  const ws = tempDir(t);
  const dir = path.join(ws, '.mlops');
  fs.mkdirSync(dir);
  const lockFile = path.join(dir, 'store.lock');
  const elsewhere = { pid: 4242, started: Date.now() - 1000, nonce: 'n', claim: '@mlops-store-x', host: 'devcontainer net:[1] pid:[2]' };
  fs.writeFileSync(lockFile, JSON.stringify(elsewhere));
  await assert.rejects(
    openStore(ws),
    (e: Error) => e instanceof StoreLocked && e.ownerPid === 4242 && /on another machine or container \(devcontainer/.test(e.message),
  );
  const old = new Date(Date.now() - 60_000);
  fs.utimesSync(lockFile, old, old); // it stopped renewing: gone
  const s = await openStore(ws);
  t.after(() => s.close());
  assert.equal(readLock(lockFile)?.pid, process.pid);
});

test('the owner renews its lock at every check', async (t) => {
  const ws = tempDir(t);
  const dir = path.join(ws, '.mlops');
  fs.mkdirSync(dir);
  const lock = await OwnerLock.acquire(path.join(dir, 'store.lock'), { checkMs: 20 });
  t.after(() => lock.release());
  const old = new Date(Date.now() - 60_000);
  fs.utimesSync(lock.file, old, old);
  while (fs.statSync(lock.file).mtimeMs < Date.now() - 30_000) await new Promise((r) => setTimeout(r, 10));
  assert.equal(readLock(lock.file)?.nonce, lock.nonce);
});
