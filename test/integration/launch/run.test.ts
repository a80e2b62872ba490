import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { DataRepo } from '../../../src/core/data';
import { launchTrackedRun, rerunDefinition, RestTracker, StoreTracker } from '../../../src/core/launch';
import { processAlive } from '../../../src/core/exec';
import { openStore } from '../../../src/core/openStore';
import { startServer } from '../../../src/core/server';
import * as T from '../../../src/core/tracking';
import { tempDir } from '../../helpers/tmp';

const root = path.resolve(__dirname, '../../..');

async function project(extraFiles: Record<string, string> = {}, mlproject?: string, opts: { ignoreStore?: boolean } = {}) {
  const ws = tempDir();
  fs.cpSync(path.join(root, 'examples/quickstart'), ws, { recursive: true });
  for (const [f, c] of Object.entries(extraFiles)) fs.writeFileSync(path.join(ws, f), c);
  if (mlproject) fs.writeFileSync(path.join(ws, 'MLproject'), mlproject);
  const git = (...a: string[]) => execFileSync('git', ['-c', 'user.email=t@example.invalid', '-c', 'user.name=t', ...a], { cwd: ws, encoding: 'utf8' }).trim();
  git('init', '-q');
  fs.writeFileSync(path.join(ws, 'data', 'extra.csv'), 'x1,x2,y\n1,2,3\n');
  const { repo } = DataRepo.init(ws);
  await repo.add([path.join(ws, 'data', 'extra.csv')]);
  if (opts.ignoreStore !== false) fs.appendFileSync(path.join(ws, '.gitignore'), '.mlops/\n');
  git('add', '-A');
  git('commit', '-qm', 'init');
  const store = await openStore(ws);
  const server = await startServer({ store, workspace: ws });
  return { ws, store, server, git, tracker: new StoreTracker(store, server), close: async () => (await server.close(), store.close()) };
}

test('a run of the quickstart records params, live metrics, commit, data versions, artifacts and FINISHED', async () => {
  const p = await project();
  try {
    let output = '';
    const out = await launchTrackedRun({
      projectDir: p.ws,
      entryPoint: 'main',
      params: { alpha: '0.1', epochs: '6' },
      experimentName: 'lineage',
      tracker: p.tracker,
      workspace: p.ws,
      onOutput: (c) => (output += c),
    });
    assert.equal(out.status, 'FINISHED', output);
    const run = T.getRun(p.store, out.runId);
    const params = Object.fromEntries(run.data.params.map((x) => [x.key, x.value]));
    assert.equal(params.alpha, '0.1', 'MLproject params as MLflow logs them');
    assert.equal(params.epochs, '6');
    assert.equal(params.rows, '120', 'params logged by the script itself');
    assert.equal(T.getMetricHistory(p.store, out.runId, 'rmse').steps.length, 6);
    const tags = Object.fromEntries(run.data.tags.map((x) => [x.key, x.value]));
    assert.equal(tags['mlflow.source.type'], 'PROJECT');
    assert.equal(tags['mlflow.project.entryPoint'], 'main');
    assert.equal(tags['mlflow.source.git.commit'], p.git('rev-parse', 'HEAD'));
    assert.equal(tags['mlops.git.dirty'], 'false');
    const dvc = fs.readFileSync(path.join(p.ws, 'data', 'extra.csv.dvc'), 'utf8');
    const md5 = /md5: ([0-9a-f]{32})/.exec(dvc)![1];
    assert.deepEqual(
      run.inputs.dataset_inputs.map((d) => [d.dataset.name, d.dataset.digest]),
      [['data/extra.csv', md5]],
    );
    const dir = T.artifactDirOf(p.ws, run.info.artifact_uri)!;
    assert.match(fs.readFileSync(path.join(dir, 'stdout.log'), 'utf8'), /rmse=/);
    assert.ok(fs.existsSync(path.join(dir, 'model', 'MLmodel')), 'the model was uploaded through mlflow-artifacts');
    assert.equal(T.getExperiment(p.store, run.info.experiment_id).name, 'lineage');
  } finally {
    await p.close();
  }
});

test("rerun passes back the entry point's declared parameters with the values used, not params the script logged itself", async () => {
  // The quickstart as shipped: its .gitignore does not list .mlops/, and our own files must not make runs dirty.
  const p = await project({}, undefined, { ignoreStore: false });
  try {
    const first = await launchTrackedRun({ projectDir: p.ws, entryPoint: 'main', params: { alpha: '0.3', epochs: '3' }, tracker: p.tracker, workspace: p.ws });
    assert.equal(first.status, 'FINISHED');
    const r = T.getRun(p.store, first.runId);
    const summary = {
      run_name: r.info.run_name,
      tags: Object.fromEntries(r.data.tags.map((t) => [t.key, t.value])),
      params: Object.fromEntries(r.data.params.map((t) => [t.key, t.value])),
    };
    assert.equal(summary.params.rows, '120', 'the script logs rows itself');
    assert.equal(summary.tags['mlops.git.dirty'], 'false', 'the store and artifacts under .mlops/ do not make the tree dirty');
    const def = rerunDefinition(summary, p.ws);
    assert.deepEqual(def, { project: '.', entryPoint: 'main', parameters: { alpha: '0.3', epochs: '3', data: summary.params.data } });
    const again = await launchTrackedRun({
      projectDir: path.resolve(p.ws, def.project),
      entryPoint: def.entryPoint,
      params: def.parameters,
      tracker: p.tracker,
      workspace: p.ws,
    });
    assert.equal(again.status, 'FINISHED', 'the rerun is accepted by the entry point');
    const r2 = T.getRun(p.store, again.runId);
    assert.deepEqual(Object.fromEntries(r2.data.params.map((t) => [t.key, t.value])), summary.params);
    fs.writeFileSync(path.join(p.ws, 'train.py'), fs.readFileSync(path.join(p.ws, 'train.py'), 'utf8') + '\n# edited\n');
    const dirty = await launchTrackedRun({ projectDir: p.ws, entryPoint: 'evaluate', tracker: p.tracker, workspace: p.ws });
    assert.equal(T.getRun(p.store, dirty.runId).data.tags.find((t) => t.key === 'mlops.git.dirty')?.value, 'true', 'an edited script still makes it dirty');
    assert.throws(() => rerunDefinition({ run_name: 'logged', tags: {}, params: {} }, p.ws), /not launched from an MLproject entry point/);
  } finally {
    await p.close();
  }
});

test('bad parameter types are refused before anything runs; a failing script ends FAILED; a dirty tree saves its diff', async () => {
  const p = await project(
    { 'fail.py': 'import sys\nprint("boom")\nsys.exit(3)\n' },
    'name: t\nentry_points:\n  main:\n    parameters:\n      n: {type: int, default: 1}\n    command: "python3 fail.py {n}"\n',
  );
  try {
    await assert.rejects(
      launchTrackedRun({ projectDir: p.ws, params: { n: 'abc' }, tracker: p.tracker, workspace: p.ws }),
      (e: Error) => /n/.test(e.message) && /abc/.test(e.message),
    );
    assert.equal(p.store.one<{ n: number }>('SELECT count(*) AS n FROM runs')!.n, 0, 'no run was created');
    fs.appendFileSync(path.join(p.ws, 'fail.py'), '# edited\n');
    const out = await launchTrackedRun({ projectDir: p.ws, tracker: p.tracker, workspace: p.ws });
    assert.equal(out.status, 'FAILED');
    assert.equal(out.exitCode, 3);
    const run = T.getRun(p.store, out.runId);
    assert.equal(run.data.tags.find((t) => t.key === 'mlops.git.dirty')?.value, 'true');
    assert.match(fs.readFileSync(path.join(T.artifactDirOf(p.ws, run.info.artifact_uri)!, 'git-diff.patch'), 'utf8'), /\+# edited/);
  } finally {
    await p.close();
  }
});

test('cancel kills the whole process tree and leaves KILLED', async () => {
  const p = await project({ 'slow.sh': 'sleep 300 &\necho $! > child.pid\nwait\n' }, 'name: t\nentry_points:\n  main:\n    command: "bash slow.sh"\n');
  try {
    const ac = new AbortController();
    const pending = launchTrackedRun({ projectDir: p.ws, tracker: p.tracker, workspace: p.ws, signal: ac.signal });
    for (let i = 0; i < 100 && !fs.existsSync(path.join(p.ws, 'child.pid')); i++) await new Promise((r) => setTimeout(r, 100));
    const child = Number(fs.readFileSync(path.join(p.ws, 'child.pid'), 'utf8'));
    ac.abort();
    const out = await pending;
    assert.equal(out.status, 'KILLED');
    for (let i = 0; i < 50 && processAlive(child); i++) await new Promise((r) => setTimeout(r, 100));
    assert.equal(processAlive(child), false, 'the grandchild is gone');
  } finally {
    await p.close();
  }
});

test('DVCLive output is imported into the run while the script trains', async () => {
  const script = [
    'import os, time',
    "os.makedirs('dvclive/plots/metrics/train', exist_ok=True)",
    "open('dvclive/params.yaml', 'w').write('lr: 0.01\\n')",
    "f = open('dvclive/plots/metrics/train/loss.tsv', 'w')",
    "f.write('timestamp\\tstep\\tloss\\n'); f.flush()",
    'for i in range(5):',
    "    f.write(f'{int(time.time()*1000)}\\t{i}\\t{1/(i+1)}\\n'); f.flush(); time.sleep(0.3)",
  ].join('\n');
  let poll: NodeJS.Timeout | undefined;
  const p = await project({ 'live.py': script }, 'name: t\nentry_points:\n  main:\n    command: "python3 live.py"\n');
  try {
    let partial = 0;
    const out = await launchTrackedRun({
      projectDir: p.ws,
      tracker: p.tracker,
      workspace: p.ws,
      dvcLiveIntervalMs: 200,
      onRunCreated: (id) => {
        poll = setInterval(() => {
          const n = T.getMetricHistory(p.store, id, 'train/loss').steps.length;
          if (n > 0 && n < 5) partial = n;
        }, 100);
      },
    });
    clearInterval(poll);
    assert.equal(out.status, 'FINISHED');
    assert.equal(T.getMetricHistory(p.store, out.runId, 'train/loss').steps.length, 5);
    assert.ok(partial > 0, 'some points were in the run while the script was still writing the rest');
    assert.equal(T.getRun(p.store, out.runId).data.params.find((x) => x.key === 'lr')?.value, '0.01');
  } finally {
    clearInterval(poll);
    await p.close();
  }
});

test('a process that does not own the store logs through the owner REST server', async () => {
  const p = await project();
  try {
    const out = await launchTrackedRun({ projectDir: p.ws, params: { epochs: '2' }, tracker: new RestTracker(p.server), workspace: p.ws });
    assert.equal(out.status, 'FINISHED');
    assert.equal(T.getMetricHistory(p.store, out.runId, 'rmse').steps.length, 2);
  } finally {
    await p.close();
  }
});
