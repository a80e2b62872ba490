import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parseSweepValues, runSweep, StoreTracker } from '../../../src/core/launch';
import { openStore } from '../../../src/core/openStore';
import { processAlive } from '../../../src/core/exec';
import { startServer } from '../../../src/core/server';
import * as T from '../../../src/core/tracking';
import { tempDir } from '../../helpers/tmp';

const root = path.resolve(__dirname, '../../..');
const cli = path.join(root, 'dist', 'cli.js');

// A script that logs its params back as a metric, so the test can see which values reached which child.
const TRAIN = `import json, os, sys, urllib.request
a, b = float(sys.argv[1]), int(sys.argv[2])
url = os.environ["MLFLOW_TRACKING_URI"] + "/api/2.0/mlflow/runs/log-metric"
body = json.dumps({"run_id": os.environ["MLFLOW_RUN_ID"], "key": "score", "value": a * b, "timestamp": 1, "step": 0}).encode()
req = urllib.request.Request(url, body, {"Content-Type": "application/json", "Authorization": "Bearer " + os.environ["MLFLOW_TRACKING_TOKEN"]})
urllib.request.urlopen(req).read()
`;
const MLPROJECT = `name: sweepy
entry_points:
  main:
    parameters:
      a: {type: float, default: 0.5}
      b: {type: int, default: 1}
    command: "python3 train.py {a} {b}"
  slow:
    command: "bash slow.sh"
  nap:
    parameters:
      n: {type: int, default: 1}
    command: "bash -c 'sleep 0.3; echo {n}'"
`;

async function project() {
  const ws = tempDir();
  fs.writeFileSync(path.join(ws, 'MLproject'), MLPROJECT);
  fs.writeFileSync(path.join(ws, 'train.py'), TRAIN);
  fs.writeFileSync(path.join(ws, 'slow.sh'), 'sleep 300 &\necho $! >> children.pid\nwait\n');
  const store = await openStore(ws);
  const server = await startServer({ store, workspace: ws });
  return { ws, store, server, tracker: new StoreTracker(store, server), close: async () => (await server.close(), store.close()) };
}

const tagsOf = (run: T.Run) => Object.fromEntries(run.data.tags.map((t) => [t.key, t.value]));
const paramsOf = (run: T.Run) => Object.fromEntries(run.data.params.map((t) => [t.key, t.value]));

test('a queued child starts when its process starts: its time in the queue is not run time', async () => {
  const p = await project();
  try {
    const out = await runSweep({
      projectDir: p.ws,
      entryPoint: 'nap',
      values: { n: parseSweepValues('n', '1:3') },
      tracker: p.tracker,
      workspace: p.ws,
      concurrency: 1,
    });
    assert.equal(out.status, 'FINISHED');
    const infos = out.children.map((c) => T.getRun(p.store, c.runId).info);
    // One at a time: each child started after the one before it ended, not when it was queued.
    for (let i = 1; i < infos.length; i++) {
      assert.ok(infos[i].start_time >= infos[i - 1].end_time!, `child ${i} started ${infos[i].start_time}, the one before ended ${infos[i - 1].end_time}`);
    }
    for (const i of infos) assert.ok(i.end_time! >= i.start_time);
  } finally {
    await p.close();
  }
});

test('a sweep runs the whole grid as child runs of one parent, two at a time', async () => {
  const p = await project();
  try {
    let scheduled: string[] = [];
    let sawScheduled = false;
    const out = await runSweep({
      projectDir: p.ws,
      entryPoint: 'main',
      values: { a: parseSweepValues('a', '0.5, 2'), b: parseSweepValues('b', '1:3') },
      tracker: p.tracker,
      workspace: p.ws,
      concurrency: 2,
      experimentName: 'sweeps',
      onScheduled: (_parent, children) => {
        scheduled = children;
        sawScheduled = children.every((id) => T.getRun(p.store, id).info.status === 'SCHEDULED');
      },
    });
    assert.ok(sawScheduled, 'every child exists, SCHEDULED, before the first process starts');
    assert.equal(out.status, 'FINISHED');
    assert.equal(out.children.length, 6);
    assert.deepEqual(
      out.children.map((c) => c.runId),
      scheduled,
    );
    const exp = T.getExperimentByName(p.store, 'sweeps')!;
    const parent = T.getRun(p.store, out.parentRunId);
    assert.equal(parent.info.experiment_id, exp.experiment_id);
    assert.equal(parent.info.status, 'FINISHED');
    assert.deepEqual(JSON.parse(tagsOf(parent)['mlops.sweep']), { a: ['0.5', '2'], b: ['1', '2', '3'] });
    const seen = new Set<string>();
    for (const c of out.children) {
      const run = T.getRun(p.store, c.runId);
      assert.equal(run.info.status, 'FINISHED');
      assert.equal(run.info.experiment_id, exp.experiment_id);
      assert.equal(tagsOf(run)['mlflow.parentRunId'], out.parentRunId);
      const params = paramsOf(run);
      assert.deepEqual(params, c.params);
      const score = run.data.metrics.find((m) => m.key === 'score')!.value;
      assert.equal(score, Number(params.a) * Number(params.b), 'the child process got its own values');
      seen.add(`${params.a}/${params.b}`);
    }
    assert.equal(seen.size, 6, 'every combination ran once');
  } finally {
    await p.close();
  }
});

test('a bad value in any combination fails before a run is created', async () => {
  const p = await project();
  try {
    await assert.rejects(
      runSweep({ projectDir: p.ws, entryPoint: 'main', values: { a: ['0.1'], b: ['1', 'x'] }, tracker: p.tracker, workspace: p.ws }),
      (e: Error) => /\bb\b/.test(e.message) && /x/.test(e.message),
    );
    assert.equal(p.store.one<{ n: number }>('SELECT count(*) AS n FROM runs')!.n, 0);
  } finally {
    await p.close();
  }
});

test('cancelling a sweep kills the running child, marks the queue KILLED and leaves no process', async () => {
  const p = await project();
  try {
    const ac = new AbortController();
    const pending = runSweep({ projectDir: p.ws, entryPoint: 'slow', values: { x: ['1', '2', '3'] }, tracker: p.tracker, workspace: p.ws, signal: ac.signal });
    const pidFile = path.join(p.ws, 'children.pid');
    for (let i = 0; i < 150 && !fs.existsSync(pidFile); i++) await new Promise((r) => setTimeout(r, 100));
    const child = Number(fs.readFileSync(pidFile, 'utf8').trim());
    ac.abort();
    const out = await pending;
    assert.equal(out.status, 'KILLED');
    assert.deepEqual(
      out.children.map((c) => c.status),
      ['KILLED', 'KILLED', 'KILLED'],
    );
    for (const c of out.children) assert.equal(T.getRun(p.store, c.runId).info.status, 'KILLED');
    assert.equal(T.getRun(p.store, out.parentRunId).info.status, 'KILLED');
    for (let i = 0; i < 50 && processAlive(child); i++) await new Promise((r) => setTimeout(r, 100));
    assert.equal(processAlive(child), false, 'the running child and its grandchild are gone');
    assert.equal(fs.readFileSync(pidFile, 'utf8').trim().split('\n').length, 1, 'queued children never started');
  } finally {
    await p.close();
  }
});

test('mlops sweep: --dry-run lists the grid; a real sweep records the children', async () => {
  const ws = tempDir();
  fs.writeFileSync(path.join(ws, 'MLproject'), MLPROJECT);
  fs.writeFileSync(path.join(ws, 'train.py'), TRAIN);
  const dry = spawnSync(process.execPath, [cli, 'sweep', ws, '-P', 'a=0:1:0.5', '-P', 'b=2', '--dry-run', '--workspace', ws], { encoding: 'utf8' });
  assert.equal(dry.status, 0, dry.stderr);
  assert.match(dry.stdout, /3 combinations of main/);
  assert.match(dry.stdout, /a=0\.5 b=2/);
  const bad = spawnSync(process.execPath, [cli, 'sweep', ws, '-P', 'b=1,two', '--workspace', ws], { encoding: 'utf8' });
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /two/);
  const real = spawnSync(process.execPath, [cli, 'sweep', ws, '-P', 'a=1,2', '-j', '2', '--json', '--workspace', ws], { encoding: 'utf8' });
  assert.equal(real.status, 0, real.stderr);
  const out = JSON.parse(real.stdout);
  assert.equal(out.status, 'FINISHED');
  assert.equal(out.children.length, 2);
  const s = await openStore(ws, { readOnly: true });
  try {
    for (const c of out.children) {
      const run = T.getRun(s, c.runId);
      assert.equal(tagsOf(run)['mlflow.parentRunId'], out.parentRunId);
      assert.equal(run.data.metrics.find((m) => m.key === 'score')!.value, Number(c.params.a));
    }
  } finally {
    s.close();
  }
});
