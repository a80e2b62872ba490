import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { DataRepo } from '../../../src/core/data';
import { openStore } from '../../../src/core/openStore';
import * as T from '../../../src/core/tracking';
import { tempDir } from '../../helpers/tmp';

const root = path.resolve(__dirname, '../../..');
const cli = path.join(root, 'dist', 'cli.js');

function repo(files: Record<string, string>): string {
  const dir = tempDir(undefined, 'mlops-pipecli-');
  execFileSync('git', ['init', '-q'], { cwd: dir });
  DataRepo.init(dir, { statCacheFile: false });
  for (const [f, t] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    fs.writeFileSync(path.join(dir, f), t);
  }
  fs.writeFileSync(path.join(dir, '.gitignore'), '.mlops/\n');
  return dir;
}

function mlops(dir: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, ...env } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const PIPE = {
  'params.yaml': 'train:\n  lr: 0.1\n',
  'data.csv': 'a,b\n1,2\n',
  'dvc.yaml': `stages:
  prepare:
    cmd: cp data.csv prepared.csv
    deps: [data.csv]
    outs: [prepared.csv]
  train:
    cmd: cat prepared.csv > model.bin
    deps: [prepared.csv]
    params: [train.lr]
    outs: [model.bin]
`,
};

test('mlops repro, status and dag from the command line', async () => {
  const dir = repo(PIPE);
  const st0 = mlops(dir, ['status']);
  assert.equal(st0.code, 1);
  const first = mlops(dir, ['repro']);
  assert.equal(first.code, 0, first.err);
  assert.match(first.out, /Running stage 'prepare'/);
  assert.match(first.err, /pipeline run [0-9a-f]{32}/);
  const st = mlops(dir, ['status']);
  assert.equal(st.code, 0, st.out + st.err);
  assert.equal(st.out, 'Data and pipelines are up to date.\n');
  fs.writeFileSync(path.join(dir, 'params.yaml'), 'train:\n  lr: 0.3\n');
  const st2 = mlops(dir, ['status']);
  assert.equal(st2.code, 1);
  assert.equal(st2.out, 'train:\n\tchanged deps:\n\t\tparams.yaml:\n\t\t\tmodified:           train.lr\n');
  const json = JSON.parse(mlops(dir, ['status', '--json']).out);
  assert.deepEqual(
    json.map((s: { stage: string; state: string }) => [s.stage, s.state]),
    [
      ['prepare', 'up-to-date'],
      ['train', 'changed'],
    ],
  );
  const dry = mlops(dir, ['repro', '--dry']);
  assert.match(dry.out, /Stage 'prepare' didn't change, skipping\nWould run stage 'train' \(param params.yaml:train.lr modified\)/);
  const dag = JSON.parse(mlops(dir, ['dag', '--json']).out);
  assert.deepEqual(dag.edges, [{ source: 'prepare', target: 'train' }]);
  assert.deepEqual(
    dag.nodes.map((n: { id: string; line: number }) => [n.id, n.line]),
    [
      ['prepare', 2],
      ['train', 6],
    ],
  );
  assert.equal(mlops(dir, ['dag']).out, 'prepare\n  train  <- prepare\n');
  const again = mlops(dir, ['repro', '--json', '--no-track']);
  assert.deepEqual(
    JSON.parse(again.out).outcomes.map((o: { action: string }) => o.action),
    ['skipped', 'ran'],
  );
  const bad = mlops(dir, ['repro', 'nope']);
  assert.equal(bad.code, 1);
  assert.match(bad.err, /no stage named 'nope'/);
  fs.writeFileSync(path.join(dir, 'dvc.yaml'), 'stages:\n  a:\n    cmd: x\n    outz: [y]\n');
  const broken = mlops(dir, ['status']);
  assert.match(broken.err, /dvc\.yaml:4:5: stage 'a': unknown key 'outz'/);
  // Stage runs are in the store: a pipeline run with one child per stage that ran.
  const store = await openStore(dir, { readOnly: true });
  try {
    const runs = T.searchRuns(store, { experiment_ids: ['0'] }).runs;
    const names = runs.map((r) => r.info.run_name).sort();
    assert.deepEqual(names, ['prepare', 'repro all', 'train']);
  } finally {
    store.close();
  }
});

test('Ctrl-C stops the running stage: exit 130, run KILLED, dvc.lock unchanged', async () => {
  const dir = repo({
    'in.txt': 'x',
    'dvc.yaml': 'stages:\n  slow:\n    cmd: touch started && sleep 30 && cp in.txt out.txt\n    deps: [in.txt]\n    outs: [out.txt]\n',
  });
  const child = spawn(process.execPath, [cli, 'repro'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  await new Promise<void>((res) => {
    const t = setInterval(() => fs.existsSync(path.join(dir, 'started')) && (clearInterval(t), res()), 20);
  });
  child.kill('SIGINT');
  const code = await new Promise<number | null>((res) => child.on('exit', (c) => res(c)));
  assert.equal(code, 130, err);
  assert.ok(!fs.existsSync(path.join(dir, 'dvc.lock')));
  const store = await openStore(dir, { readOnly: true });
  try {
    const runs = T.searchRuns(store, { experiment_ids: ['0'] }).runs;
    assert.deepEqual(runs.map((r) => [r.info.run_name, r.info.status]).sort(), [
      ['repro all', 'KILLED'],
      ['slow', 'KILLED'],
    ]);
  } finally {
    store.close();
  }
});

test('a stage that logs with the real mlflow client lands in its own stage run', async (t) => {
  const oracle = process.env.MLFLOW_ORACLE_DIR ?? path.join(root, '..', 'shared', 'oracles');
  const src = path.join(oracle, 'mlflow-2.12.2');
  const python = process.env.MLFLOW_ORACLE_PY ?? '/usr/bin/python3';
  const py = spawnSync(python, ['-c', 'import mlflow'], { env: { ...process.env, PYTHONPATH: src }, encoding: 'utf8' });
  if (!fs.existsSync(src) || py.status !== 0) return t.skip(`the MLflow oracle is not available (${src}); run shared/oracles/setup-mlflow.sh`);
  const dir = repo({
    'in.txt': 'x',
    'train.py':
      'import mlflow\nwith mlflow.start_run():\n    mlflow.log_metric("from_script", 1.5)\n    mlflow.log_param("p", "v")\nopen("out.txt", "w").write("done")\n',
    'dvc.yaml': `stages:\n  train:\n    cmd: ${python} train.py\n    deps: [in.txt, train.py]\n    outs: [out.txt]\n`,
  });
  const r = mlops(dir, ['repro', '--json'], {
    PYTHONPATH: src,
    GIT_PYTHON_REFRESH: 'quiet',
    MLFLOW_ENABLE_SYSTEM_METRICS_LOGGING: 'false',
    NO_PROXY: '127.0.0.1',
  });
  assert.equal(r.code, 0, r.out + r.err);
  const runId = JSON.parse(r.out).outcomes[0].runId;
  const store = await openStore(dir, { readOnly: true });
  try {
    const run = T.getRun(store, runId);
    assert.deepEqual(
      run.data.metrics.map((m) => [m.key, m.value]),
      [['from_script', 1.5]],
    );
    assert.deepEqual(run.data.params, [{ key: 'p', value: 'v' }]);
    assert.equal(run.inputs.dataset_inputs.length, 2);
  } finally {
    store.close();
  }
});
