// What the team tests share: the built CLI run as a user would (no MLFLOW_* from the test's own environment),
// and a local workspace with runs worth publishing.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { LocalBackend, PENDING_TAG } from '../../../src/core/backend';
import { openStore } from '../../../src/core/openStore';
import { freePort } from '../../../src/core/serving/scoring';
import * as T from '../../../src/core/tracking';
import { tempDir } from '../../helpers/tmp';

const root = path.resolve(__dirname, '../../..');
const cli = path.join(root, 'dist', 'cli.js');

export function mlops(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const base = { ...process.env };
  for (const k of Object.keys(base)) if (k.startsWith('MLFLOW_')) delete base[k];
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [cli, ...args], { env: { ...base, ...env } });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

export async function ok(args: string[], env: NodeJS.ProcessEnv = {}): Promise<string> {
  const r = await mlops(args, env);
  assert.equal(r.code, 0, `mlops ${args.join(' ')} failed:\n${r.stderr}\n${r.stdout}`);
  return r.stdout;
}

/** A local workspace with a parent run (params, a history, tags, a dataset input, an artifact) and a child. */
export async function localRuns() {
  const ws = tempDir();
  const store = await openStore(ws);
  const b = new LocalBackend(store, ws);
  const exp = await b.createExperiment('churn');
  const parent = await b.createRun({ experiment_id: exp, run_name: 'sweep', start_time: 1000, tags: [{ key: 'team', value: 'a' }] });
  const pid = parent.info.run_id;
  await b.logBatch(pid, {
    params: [{ key: 'lr', value: '0.1' }],
    metrics: [0, 1, 2].map((s) => ({ key: 'loss', value: 1 / (s + 1), timestamp: 2000 + s, step: s })),
  });
  await b.logInputs(pid, [{ tags: [], dataset: { name: 'train', digest: 'abc123', source_type: 'local', source: 'data/train.csv' } }]);
  const file = path.join(ws, 'report.txt');
  fs.writeFileSync(file, 'hello team\n');
  await b.uploadArtifact(pid, 'reports/report.txt', file);
  const child = await b.createRun({ experiment_id: exp, run_name: 'child', start_time: 1001, tags: [{ key: 'mlflow.parentRunId', value: pid }] });
  await b.logBatch(child.info.run_id, { metrics: [{ key: 'acc', value: 0.9, timestamp: 3000, step: 0 }] });
  await b.updateRun(child.info.run_id, { status: 'FINISHED', end_time: 4000 });
  await b.updateRun(pid, { status: 'FINISHED', end_time: 5000 });
  store.close();
  return { ws, parent: pid, child: child.info.run_id };
}

export const tagsOf = (r: T.Run) => Object.fromEntries(r.data.tags.map((t) => [t.key, t.value]));

/** An MLproject whose `main` runs `python3 train.py {alpha}` (the tests write their own train.py). */
export const MLPROJECT = `name: team-train
entry_points:
  main:
    parameters:
      alpha: {type: float, default: 0.5}
    command: "python3 train.py {alpha}"
`;

/**
 * `mlops run` with alpha=3 while the team server is down (a port nothing listens on): the run still happens,
 * locally, tagged with the server it waits for. Returns that server and the local run's id.
 */
export async function runWhileServerIsDown(ws: string, experiment: string, env: NodeJS.ProcessEnv): Promise<{ down: string; runId: string }> {
  const down = `http://127.0.0.1:${await freePort()}`;
  const offline = await mlops(['run', ws, '-P', 'alpha=3', '--experiment-name', experiment, '--workspace', ws, '--tracking-uri', down], env);
  assert.equal(offline.code, 0, offline.stderr);
  assert.match(offline.stderr, /logging to the local store instead/);
  const runId = /run (\w+) started/.exec(offline.stderr)?.[1] ?? assert.fail(offline.stderr);
  const store = await openStore(ws, { readOnly: true });
  try {
    assert.equal(tagsOf(T.getRun(store, runId))[PENDING_TAG], down);
  } finally {
    store.close();
  }
  return { down, runId };
}
