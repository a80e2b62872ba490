import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { openStore } from '../../../src/core/openStore';
import * as T from '../../../src/core/tracking';
import { StoreLocked } from '../../../src/core/store/errors';
import { tempDir } from '../../helpers/tmp';

const writer = path.join(__dirname, 'fixtures', 'writer.ts');

function startWriter(ws: string, mode = 'write'): { child: ChildProcess; lines: string[]; waitFor(re: RegExp): Promise<string> } {
  const child = spawn(process.execPath, ['--import', 'tsx', writer, ws, mode], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines: string[] = [];
  let buf = '';
  const waiters: { re: RegExp; resolve: (l: string) => void }[] = [];
  child.stdout!.on('data', (d) => {
    buf += d.toString();
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      lines.push(line);
      for (const w of waiters.splice(0)) (w.re.test(line) ? w.resolve(line) : waiters.push(w));
    }
  });
  return {
    child,
    lines,
    waitFor: (re) =>
      new Promise((resolve, reject) => {
        const hit = lines.find((l) => re.test(l));
        if (hit) return resolve(hit);
        waiters.push({ re, resolve });
        child.once('exit', () => reject(new Error(`writer exited before printing ${re}`)));
      }),
  };
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r() : child.once('exit', () => r())));
}

test('SIGKILL mid-write loses no acknowledged write', async () => {
  for (const target of [300, 1500]) {
    const ws = tempDir();
    const w = startWriter(ws);
    const runLine = await w.waitFor(/^run /);
    const runId = runLine.split(' ')[1];
    await w.waitFor(new RegExp(`^ack ${target}$`));
    w.child.kill('SIGKILL');
    await exited(w.child);
    const acked = Math.max(...w.lines.filter((l) => l.startsWith('ack ')).map((l) => Number(l.slice(4))));
    const store = await openStore(ws);
    try {
      const h = T.getMetricHistory(store, runId, 'loss');
      assert.ok(h.steps.length >= acked + 1, `acknowledged ${acked + 1} points, found ${h.steps.length}`);
      // Every point is there once, in order: nothing replayed twice across snapshots.
      for (let i = 0; i < h.steps.length; i++) assert.equal(h.steps[i], i);
      const params = T.getRun(store, runId).data.params;
      assert.equal(params.length, Math.floor((h.steps.length - 1) / 50) + 1);
    } finally {
      store.close();
    }
  }
});

test('two processes contend for one store: the second is refused, reads read-only, and takes over a stale lock', async () => {
  const ws = tempDir();
  const w = startWriter(ws, 'hold');
  const runId = (await w.waitFor(/^run /)).split(' ')[1];
  await w.waitFor(/^holding$/);
  try {
    await assert.rejects(openStore(ws), (e: Error) => e instanceof StoreLocked && e.ownerPid === w.child.pid && /owned by process/.test(e.message));
    const reader = await openStore(ws, { readOnly: true });
    assert.equal(T.getRun(reader, runId).info.run_name, 'crash');
    assert.throws(() => T.createRun(reader), /read-only/);
    reader.close();
    // Waiting for the owner: it is still there when the wait runs out.
    const t0 = Date.now();
    await assert.rejects(openStore(ws, { lockWaitMs: 300 }), StoreLocked);
    assert.ok(Date.now() - t0 >= 250);
  } finally {
    w.child.kill('SIGKILL');
    await exited(w.child);
  }
  const store = await openStore(ws); // the dead owner's lock is stale
  try {
    assert.equal(T.getRun(store, runId).info.run_name, 'crash');
  } finally {
    store.close();
  }
});
