import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { launch, processAlive } from '../../../src/core/exec';
import { tempDir } from '../../helpers/tmp';

const waitFor = async (cond: () => boolean, ms = 5000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
};

test('output is streamed to the callback and the log file; exit codes come back', async () => {
  const dir = tempDir();
  const chunks: string[] = [];
  const log = path.join(dir, 'logs', 'stdout.log');
  const r = await launch({
    command: 'echo "hello $GREETING"; echo oops >&2; printf "é"; exit 3',
    cwd: dir,
    env: { ...process.env, GREETING: 'world' },
    onOutput: (c) => chunks.push(c),
    logFile: log,
  });
  assert.equal(r.exitCode, 3);
  assert.equal(r.killed, false);
  assert.equal(r.signal, null);
  const all = chunks.join('');
  assert.match(all, /hello world\n/);
  assert.match(all, /oops\n/);
  assert.match(all, /é/);
  const logged = fs.readFileSync(log, 'utf8');
  // stdout and stderr are separate pipes, so only each stream's own order is guaranteed.
  assert.match(logged, /hello world\n(?:.|\n)*é/);
  assert.match(logged, /oops\n/);
  assert.equal(Buffer.byteLength(logged), 'hello world\noops\né'.length + 1);
  const ok = await launch({ command: 'pwd', cwd: dir, onOutput: (c) => chunks.push(c) });
  assert.equal(ok.exitCode, 0);
  assert.ok(chunks.at(-1)?.includes(fs.realpathSync(dir)));
});

test('a cancelled command whose shell spawned a grandchild leaves no orphan', async () => {
  const dir = tempDir();
  const pidFile = path.join(dir, 'grandchild.pid');
  // The grandchild ignores SIGTERM, so only the SIGKILL after the grace period removes it.
  const script = path.join(dir, 'spawn.sh');
  fs.writeFileSync(script, `sh -c 'trap "" TERM; echo $$ > ${pidFile}; while true; do sleep 0.1; done' &\nwait\n`);
  const ac = new AbortController();
  let shellPid = 0;
  const done = launch({ command: `sh ${script}`, cwd: dir, signal: ac.signal, graceMs: 300, onStart: (p) => (shellPid = p) });
  await waitFor(() => fs.existsSync(pidFile) && fs.readFileSync(pidFile, 'utf8').trim() !== '');
  const grandchild = Number(fs.readFileSync(pidFile, 'utf8').trim());
  assert.ok(processAlive(grandchild));
  ac.abort();
  const r = await done;
  assert.equal(r.killed, true);
  assert.equal(r.exitCode, null);
  assert.ok(r.signal === 'SIGTERM' || r.signal === 'SIGKILL');
  assert.ok(shellPid > 0);
  assert.equal(processAlive(grandchild), false, `grandchild ${grandchild} survived`);
  assert.equal(processAlive(shellPid), false);
  // Dead processes may linger as zombies until init reaps them; once reaped, kill(pid, 0) must say ESRCH.
  const gone = (pid: number) => {
    try {
      process.kill(pid, 0);
      return false;
    } catch (e) {
      return (e as NodeJS.ErrnoException).code === 'ESRCH';
    }
  };
  await waitFor(() => gone(grandchild) && gone(-shellPid), 10_000);
});

test('background jobs left behind by a finished command are stopped too', async () => {
  const dir = tempDir();
  const pidFile = path.join(dir, 'bg.pid');
  const r = await launch({ command: `(sleep 30 & echo $! > ${pidFile}); echo done`, cwd: dir, graceMs: 200 });
  assert.equal(r.exitCode, 0);
  const bg = Number(fs.readFileSync(pidFile, 'utf8').trim());
  assert.equal(processAlive(bg), false);
});

test('a Python script sees its environment, a failing one reports its exit code, an aborted signal never starts', async () => {
  const dir = tempDir();
  fs.writeFileSync(path.join(dir, 'train.py'), 'import os, sys\nprint("run", os.environ["MLFLOW_RUN_ID"], sys.argv[1:])\nsys.exit(int(sys.argv[1]))\n');
  let out = '';
  const r = await launch({ command: 'python3 train.py 0', cwd: dir, env: { ...process.env, MLFLOW_RUN_ID: 'abc' }, onOutput: (c) => (out += c) });
  assert.equal(r.exitCode, 0);
  assert.match(out, /run abc \['0'\]/);
  assert.equal((await launch({ command: 'python3 train.py 7', cwd: dir, env: { ...process.env, MLFLOW_RUN_ID: 'x' } })).exitCode, 7);
  const ac = new AbortController();
  ac.abort();
  const never = await launch({ command: `touch ${path.join(dir, 'ran')}`, cwd: dir, signal: ac.signal });
  assert.equal(never.killed, true);
  assert.equal(fs.existsSync(path.join(dir, 'ran')), false);
});

test('a missing working directory is an error, not a hang', async () => {
  await assert.rejects(launch({ command: 'true', cwd: '/nonexistent/dir/x' }), /ENOENT/);
});
