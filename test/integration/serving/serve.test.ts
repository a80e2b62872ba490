import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { openStore } from '../../../src/core/openStore';
import * as R from '../../../src/core/registry';
import { startServer } from '../../../src/core/server';
import { listDeployments, promoteChallenger, serve } from '../../../src/core/serving';
import { mlflowOracle } from '../../helpers/oracle';
import { tempDir } from '../../helpers/tmp';

const oracle = mlflowOracle();
const skip = 'skip' in oracle ? oracle.skip : false;
if (skip) console.log(`# serving tests skipped: ${skip}`);

/** Trains two sklearn regressions with the real client (champion on the data, challenger on shifted data) and registers both. */
const TRAIN = `
import os, sys, mlflow, mlflow.sklearn, numpy as np, pandas as pd
from sklearn.linear_model import LinearRegression
mlflow.set_experiment("serving")
df = pd.read_csv("data/train.csv")
for name, bias in (("champion", 0.0), ("challenger", 0.3)):
    with mlflow.start_run(run_name=name) as run:
        mlflow.log_input(mlflow.data.from_pandas(df, source="data/train.csv", name="train"), context="training")
        m = LinearRegression().fit(df[["x1", "x2"]], df["y"] + bias)
        mlflow.sklearn.log_model(m, "model", input_example=df[["x1", "x2"]].head(2))
    v = mlflow.register_model(f"runs:/{run.info.run_id}/model", "lin")
    mlflow.MlflowClient().set_registered_model_alias("lin", name, v.version)
print("trained")
`;

/** The client runs while this process serves it: spawnSync would block the server it talks to. */
function python(py: string, code: string, cwd: string, env: NodeJS.ProcessEnv): Promise<{ status: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(py, ['-c', code], { cwd, env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (status) => resolve({ status, stderr }));
  });
}

test('serve a version behind the recording proxy: every input format, auth, drift, shadow and split, promote', { skip, timeout: 900_000 }, async (t) => {
  if ('skip' in oracle) return;
  const ws = tempDir();
  fs.mkdirSync(path.join(ws, 'data'));
  const rows = ['x1,x2,y'];
  for (let i = 0; i < 200; i++) {
    const x1 = (i % 20) / 2;
    const x2 = ((i * 7) % 13) / 3;
    rows.push(`${x1},${x2},${(2 * x1 - x2 + 1).toFixed(6)}`);
  }
  fs.writeFileSync(path.join(ws, 'data', 'train.csv'), `${rows.join('\n')}\n`);
  const store = await openStore(ws);
  const server = await startServer({ store, workspace: ws, advertise: false });
  t.after(async () => {
    await server.close();
    store.close();
  });
  const train = await python(oracle.python, TRAIN, ws, { ...process.env, ...oracle.env, MLFLOW_TRACKING_URI: server.url, MLFLOW_TRACKING_TOKEN: server.token });
  assert.equal(train.status, 0, train.stderr);
  Object.assign(process.env, { PYTHONPATH: oracle.env.PYTHONPATH, GIT_PYTHON_REFRESH: 'quiet' });

  const d = await serve({ store, workspace: ws, python: oracle.python, champion: 'models:/lin@champion' });
  const call = (body: string, type = 'application/json', token = d.proxy.token, host?: string) =>
    fetch(`${d.info.url}/invocations`, {
      method: 'POST',
      body,
      headers: { 'Content-Type': type, Authorization: `Bearer ${token}`, ...(host ? { Host: host } : {}) },
    });
  try {
    const inputs: [string, string, string][] = [
      [
        'dataframe_split',
        JSON.stringify({
          dataframe_split: {
            columns: ['x1', 'x2'],
            data: [
              [1, 2],
              [3, 4],
            ],
          },
        }),
        'application/json',
      ],
      [
        'dataframe_records',
        JSON.stringify({
          dataframe_records: [
            { x1: 1, x2: 2 },
            { x1: 3, x2: 4 },
          ],
        }),
        'application/json',
      ],
      [
        'instances',
        JSON.stringify({
          instances: [
            { x1: 1, x2: 2 },
            { x1: 3, x2: 4 },
          ],
        }),
        'application/json',
      ],
      ['inputs', JSON.stringify({ inputs: { x1: [1, 3], x2: [2, 4] } }), 'application/json'],
      ['csv', 'x1,x2\n1,2\n3,4\n', 'text/csv'],
    ];
    for (const [format, body, type] of inputs) {
      const r = await call(body, type);
      assert.equal(r.status, 200, `${format}: ${await r.clone().text()}`);
      const preds = (await r.json()).predictions as number[];
      assert.ok(Math.abs(preds[0] - 1) < 1e-6 && Math.abs(preds[1] - 3) < 1e-6, `${format}: 2*x1 - x2 + 1 (got ${preds})`);
    }
    assert.equal((await call(inputs[0][1], 'application/json', 'wrong')).status, 401);
    const bad = await call('{"nope": 1}');
    assert.equal(bad.status, 400, "the scoring server's own error comes through");
    // Drift: x1 shifted far outside its training range, x2 as trained.
    const shifted = { dataframe_split: { columns: ['x1', 'x2'], data: Array.from({ length: 100 }, (_, i) => [50 + (i % 20) / 2, ((i * 7) % 13) / 3]) } };
    assert.equal((await call(JSON.stringify(shifted))).status, 200);
    await d.recorder.close();
    const s = d.stats();
    assert.equal(s.requests, 7);
    assert.equal(s.errors, 1);
    assert.ok(s.byRoute.champion!.p50 > 0);
    const drift = Object.fromEntries(s.drift.map((f) => [f.feature, f]));
    assert.equal(drift.x1.level, 'drift', JSON.stringify(s.drift));
    assert.equal(drift.x2.level, 'none', JSON.stringify(s.drift));
    const lines = fs
      .readFileSync(d.recorder.file, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.deepEqual(
      lines.slice(0, 5).map((l) => l.format),
      ['dataframe_split', 'dataframe_records', 'instances', 'inputs', 'csv'],
    );
    assert.deepEqual(lines[0].columns, ['x1', 'x2']);
    assert.equal(lines[0].predictions.length, 2);
  } finally {
    await d.stop();
  }

  const shadow = await serve({
    store,
    workspace: ws,
    python: oracle.python,
    champion: 'models:/lin@champion',
    challenger: 'models:/lin@challenger',
    mode: 'shadow',
  });
  try {
    for (let i = 0; i < 10; i++) {
      const r = await fetch(`${shadow.info.url}/invocations`, {
        method: 'POST',
        body: JSON.stringify({ inputs: { x1: [i], x2: [1] } }),
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${shadow.proxy.token}` },
      });
      assert.ok(Math.abs((await r.json()).predictions[0] - 2 * i) < 1e-6, 'the champion answers');
    }
    for (let i = 0; i < 100 && (shadow.stats().agreement?.pairs ?? 0) < 10; i++) await new Promise((r) => setTimeout(r, 50));
    const s = shadow.stats();
    assert.equal(s.byRoute.champion!.requests, 10);
    assert.equal(s.byRoute.shadow!.requests, 10);
    assert.equal(s.agreement!.pairs, 10);
    assert.equal(s.agreement!.rate, 0);
    assert.ok(Math.abs(s.agreement!.meanDifference! - 0.3) < 1e-6, 'the challenger predicts 0.3 higher');
  } finally {
    await shadow.stop();
  }

  const split = await serve({
    store,
    workspace: ws,
    python: oracle.python,
    champion: 'models:/lin@champion',
    challenger: 'models:/lin@challenger',
    mode: 'split',
    splitPercent: 100,
  });
  try {
    const r = await fetch(`${split.info.url}/invocations`, {
      method: 'POST',
      body: JSON.stringify({ inputs: { x1: [0], x2: [1] } }),
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${split.proxy.token}` },
    });
    assert.ok(Math.abs((await r.json()).predictions[0] - 0.3) < 1e-6, 'a 100% split sends everything to the challenger');
  } finally {
    await split.stop();
  }

  const challenger = R.getModelVersionByAlias(store, 'lin', 'challenger').version;
  assert.deepEqual(promoteChallenger(store, { name: 'lin', alias: 'champion', version: challenger, actor: 'tester', reason: 'agreement 0, +0.3' }), {
    from: '1',
    to: challenger,
  });
  assert.equal(R.getModelVersionByAlias(store, 'lin', 'champion').version, challenger);
  const tags = Object.fromEntries(R.getModelVersion(store, 'lin', challenger).tags.map((x) => [x.key, x.value]));
  assert.equal(tags['mlops.promotion.by'], 'tester');
  const all = await listDeployments(store, ws);
  assert.equal(all.length, 3);
  assert.ok(all.every((x) => !x.serving && x.stopped));
  const first = all.find((x) => x.mode === 'single')!;
  assert.equal(first.stats.requests, 7);
  assert.equal(first.stats.drift.find((f) => f.feature === 'x1')?.level, 'drift', 'drift is recomputed from what was recorded');
});
