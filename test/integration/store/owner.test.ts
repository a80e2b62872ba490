import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { openStore } from '../../../src/core/openStore';
import * as T from '../../../src/core/tracking';
import { readLock } from '../../../src/core/store/lock';
import { tempDir } from '../../helpers/tmp';

const root = path.resolve(__dirname, '../../..');
// dist/cli.js is built by scripts/run-node-tests.mjs before the integration stage.
const cli = path.join(root, 'dist', 'cli.js');
const A = '/api/2.0/mlflow';

function startServer(ws: string): Promise<{ child: ChildProcess; url: string; token: string }> {
  const child = spawn(process.execPath, [cli, 'server', '--workspace', ws], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d) => {
      out += d.toString();
      const url = /MLFLOW_TRACKING_URI=(\S+)/.exec(out)?.[1];
      const token = /MLFLOW_TRACKING_TOKEN=(\S+)/.exec(out)?.[1];
      if (url && token) resolve({ child, url, token });
    });
    child.once('exit', (code) => reject(new Error(`mlops server exited (${code}) before listening: ${out}`)));
  });
}

async function post(srv: { url: string; token: string }, route: string, body: unknown) {
  const r = await fetch(`${srv.url}${A}${route}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${srv.token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  assert.equal(r.status, 200, await r.clone().text());
  return r.json();
}

/** Logs `batches` batches of 100 points; returns how many points were acknowledged. */
async function logPoints(srv: { url: string; token: string }, runId: string, from: number, batches: number) {
  for (let b = 0; b < batches; b++) {
    const metrics = Array.from({ length: 100 }, (_, i) => ({ key: 'loss', value: from + b * 100 + i, timestamp: 1, step: from + b * 100 + i }));
    await post(srv, '/runs/log-batch', { run_id: runId, metrics });
  }
  return batches * 100;
}

test('a real mlops server keeps the store when its lock is deleted and git clean -fdX runs: a second owner is refused naming the first; every acknowledged point is kept', async (t) => {
  const ws = tempDir(t);
  assert.equal(spawnSync('git', ['init', '-q', ws]).status, 0);
  const srv = await startServer(ws);
  t.after(() => srv.child.kill('SIGKILL'));
  const runId = (await post(srv, '/runs/create', { experiment_id: '0', start_time: 1 })).run.info.run_id;
  let acked = await logPoints(srv, runId, 0, 20);

  const dir = path.join(ws, '.mlops');
  fs.unlinkSync(path.join(dir, 'store.lock'));
  assert.equal(spawnSync('git', ['clean', '-fdX'], { cwd: ws }).status, 0);
  assert.equal(fs.existsSync(path.join(dir, 'server.json')), false, 'git clean -fdX removed the git-ignored runtime files');

  const second = spawnSync(process.execPath, [cli, 'server', '--workspace', ws], { encoding: 'utf8', timeout: 60_000 });
  const said = second.stdout + second.stderr;
  assert.equal(second.status, 1, `a second server must be refused: ${said}`);
  // Refused by the claim ("owned by process …"), or, once the owner advertised again, sent to its server.
  assert.match(said, new RegExp(`(owned by process ${srv.child.pid} since \\d{4}-\\d\\d-\\d\\dT|already served by process ${srv.child.pid})`));
  assert.ok(said.includes(srv.url), `the refusal names the first owner's server: ${said}`);
  const recover = spawnSync(process.execPath, [cli, 'store', 'recover', '--workspace', ws], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(recover.status, 1, 'recover is refused while the owner runs');
  // The owner itself names itself, its start and its server, whatever files are left.
  assert.match(recover.stderr, new RegExp(`owned by process ${srv.child.pid} since \\d{4}-\\d\\d-\\d\\dT.*Talk to it through its server at ${srv.url}`));
  const list = spawnSync(process.execPath, [cli, 'runs', 'list', '--workspace', ws, '--json'], { encoding: 'utf8' });
  assert.equal(list.status, 0, list.stderr);
  assert.equal(JSON.parse(list.stdout)[0].info.run_id, runId, 'readers still read');

  acked += await logPoints(srv, runId, acked, 20);
  // The owner's periodic checks write its lock and its server.json again.
  while (readLock(path.join(dir, 'store.lock'))?.pid !== srv.child.pid) await new Promise((r) => setTimeout(r, 100));
  while (!fs.existsSync(path.join(dir, 'server.json'))) await new Promise((r) => setTimeout(r, 100));
  assert.deepEqual(JSON.parse(fs.readFileSync(path.join(dir, 'server.json'), 'utf8')), { url: srv.url, token: srv.token, pid: srv.child.pid });
  srv.child.kill('SIGKILL');
  await new Promise((r) => (srv.child.exitCode !== null || srv.child.signalCode !== null ? r(null) : srv.child.once('exit', r)));

  const store = await openStore(ws);
  try {
    const h = T.getMetricHistory(store, runId, 'loss');
    assert.equal(h.steps.length, acked, 'every acknowledged point is kept');
    for (let i = 0; i < h.steps.length; i++) assert.equal(h.steps[i], i);
  } finally {
    store.close();
  }
});

test('an owner in another network namespace (a container) cannot see the claim, yet is refused by the renewed lock', async (t) => {
  const probe = spawnSync('unshare', ['-n', 'true']);
  if (probe.error || probe.status !== 0) {
    t.skip('unshare -n is not available here (needs util-linux and CAP_SYS_ADMIN): cannot start a process in another network namespace');
    return;
  }
  const ws = tempDir(t);
  const s = await openStore(ws);
  t.after(() => s.close());
  const id = T.createRun(s, { run_name: 'here' }).info.run_id;
  const other = spawnSync('unshare', ['-n', process.execPath, cli, 'store', 'snapshot', '--workspace', ws], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(other.status, 1, other.stdout + other.stderr);
  assert.match(other.stderr, new RegExp(`owned by process ${process.pid} on another machine or container`));
  T.logParam(s, id, 'still', 'owner');
  assert.equal(T.getRun(s, id).data.params.length, 1);
});
