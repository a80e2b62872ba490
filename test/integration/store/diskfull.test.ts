import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { openStore } from '../../../src/core/openStore';
import * as T from '../../../src/core/tracking';
import { tempDir } from '../../helpers/tmp';

const serverFixture = path.join(__dirname, 'fixtures', 'server.ts');

/** A small tmpfs, or why there is none (mounting needs root and a kernel that allows it). */
function smallDisk(bytes: number): { dir: string; unmount(): void } | string {
  const dir = tempDir();
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${bytes}`, 'tmpfs', dir], { encoding: 'utf8' });
  if (r.status !== 0) return `cannot mount a tmpfs here (${(r.stderr || r.error?.message || '').trim() || `exit ${r.status}`})`;
  return { dir, unmount: () => spawnSync('umount', ['-l', dir]) };
}

async function post(url: string, token: string, p: string, body: unknown) {
  const res = await fetch(`${url}/api/2.0/mlflow/${p}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json().catch(() => ({}))) as any };
}

test('a full disk: log-batch answers 503 TEMPORARILY_UNAVAILABLE, failing snapshots do not kill the server, and writes resume once there is room', async (t) => {
  const disk = smallDisk(3 * 1024 * 1024);
  if (typeof disk === 'string') return t.skip(disk);
  const child = spawn(process.execPath, ['--import', 'tsx', serverFixture, disk.dir], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  try {
    const line = await new Promise<string>((resolve, reject) => {
      let buf = '';
      child.stdout!.on('data', (d) => {
        buf += d;
        const m = /^url .*$/m.exec(buf);
        if (m) resolve(m[0]);
      });
      child.once('exit', (c) => reject(new Error(`server exited (${c}): ${stderr}`)));
    });
    const [, url, token] = line.split(' ');
    const runId = (await post(url, token, 'runs/create', { experiment_id: '0' })).json.run.info.run_id;
    // Ballast we can delete later to make room again.
    const ballast = path.join(disk.dir, 'ballast');
    fs.writeFileSync(ballast, Buffer.alloc(1024 * 1024));
    const acked: number[] = [];
    let step = 0;
    let refused: { status: number; json: any } | undefined;
    for (let i = 0; i < 2000 && !refused; i++) {
      const metrics = Array.from({ length: 500 }, (_, j) => ({ key: 'loss', value: step + j, timestamp: 1_700_000_000_000 + step + j, step: step + j }));
      const r = await post(url, token, 'runs/log-batch', { run_id: runId, metrics });
      if (r.status === 200) for (const m of metrics) acked.push(m.step);
      else refused = r;
      step += 500;
    }
    assert.ok(refused, 'the disk filled up');
    assert.equal(refused.status, 503, JSON.stringify(refused.json));
    assert.equal(refused.json.error_code, 'TEMPORARILY_UNAVAILABLE');
    assert.match(refused.json.message, /retry/);
    // Snapshots keep failing for a while (every 40 ms): the server stays up and keeps answering.
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(child.exitCode, null, `the server died: ${stderr}`);
    assert.equal((await fetch(`${url}/health`)).status, 200);
    assert.equal((await post(url, token, 'runs/log-batch', { run_id: runId, metrics: [{ key: 'loss', value: 1, timestamp: 1, step: 1e9 }] })).status, 503);
    assert.ok(fs.existsSync(path.join(disk.dir, '.mlops', 'store.lock')), 'the lock is kept');
    // Room again: the next attempts succeed (the store retries its queued bytes about once a second).
    fs.rmSync(ballast);
    let ok = false;
    for (let i = 0; i < 100 && !ok; i++) {
      const metrics = [{ key: 'loss', value: 7, timestamp: 1_700_000_000_000, step: step + i }];
      const r = await post(url, token, 'runs/log-batch', { run_id: runId, metrics });
      if (r.status === 200) {
        ok = true;
        acked.push(step + i);
      } else {
        assert.equal(r.status, 503);
        await new Promise((res) => setTimeout(res, 100));
      }
    }
    assert.ok(ok, 'writes resumed once there was room');
    child.kill('SIGKILL');
    await new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r(null) : child.once('exit', r)));
    const store = await openStore(disk.dir);
    try {
      const have = new Set(T.getMetricHistory(store, runId, 'loss').steps);
      assert.deepEqual(
        acked.filter((s) => !have.has(s)),
        [],
        'every acknowledged point survived',
      );
    } finally {
      store.close();
    }
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    disk.unmount();
  }
});
