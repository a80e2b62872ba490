import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { planWorkflow, writeWorkflow, type WorkflowOptions } from '../../../src/core/ci/workflow';
import { tempDir } from '../../helpers/tmp';

const quickstart = path.resolve(__dirname, '../../../examples/quickstart');

function workspace(extra: Record<string, string> = {}): string {
  const ws = tempDir();
  fs.cpSync(quickstart, ws, { recursive: true });
  fs.mkdirSync(path.join(ws, '.git'));
  fs.writeFileSync(path.join(ws, '.git', 'HEAD'), 'ref: refs/heads/trunk\n');
  for (const [f, text] of Object.entries(extra)) {
    fs.mkdirSync(path.dirname(path.join(ws, f)), { recursive: true });
    fs.writeFileSync(path.join(ws, f), text);
  }
  return ws;
}

/** GitHub's own parser (the one behind the Actions editor tooling): ESM-only, so loaded dynamically. */
async function githubErrors(yaml: string): Promise<string[]> {
  const { parseWorkflow, NoOperationTraceWriter } = await import('@actions/workflow-parser');
  const result = parseWorkflow({ name: 'mlops-retrain.yml', content: yaml }, new NoOperationTraceWriter());
  return result.context.errors.getErrors().map((e: { message: string }) => e.message);
}

const base: WorkflowOptions = { model: 'lin', metric: 'final_rmse', mode: 'min' };

test('every option combination gives a workflow GitHub parses without errors', async () => {
  const cases: [string, Record<string, string>, Partial<WorkflowOptions>][] = [
    ['defaults', {}, {}],
    ['schedule, max, min-delta, alias with @', {}, { schedule: '0 3 * * 1', mode: 'max', minDelta: 0.01, alias: '@prod' }],
    ['no pull requests, own branch and install', {}, { pullRequests: false, branch: 'release', install: 'npm install --global ./mlops-workbench.tgz' }],
    ['requirements.txt', { 'requirements.txt': 'numpy\n' }, {}],
    ['python_env.yaml', { 'python_env.yaml': 'python: "3.11"\ndependencies: [numpy]\n' }, {}],
    ['conda', { 'conda.yaml': 'name: x\ndependencies: [python=3.11]\n' }, {}],
    ['pyproject', { 'pyproject.toml': '[project]\nname = "x"\n' }, {}],
    ['dvc.yaml + s3 remote', { 'dvc.yaml': 'stages: {}\n', '.dvc/config': '[core]\n    remote = s3\n[\'remote "s3"\']\n    url = s3://bucket/prefix\n' }, {}],
    ['a team server in the settings', { '.vscode/settings.json': '{\n  // team\n  "mlops.tracking.uri": "https://mlflow.team.example"\n}\n' }, {}],
    ['local remote', { '.dvc/config': '[core]\n    remote = local\n[\'remote "local"\']\n    url = /srv/dvc\n' }, { experiment: 'it\'s "quoted"' }],
  ];
  for (const [name, files, o] of cases) {
    const ws = workspace(files);
    const plan = planWorkflow(ws, { ...base, ...o });
    assert.deepEqual(await githubErrors(plan.yaml), [], `${name}:\n${plan.yaml}`);
    const doc = YAML.parse(plan.yaml);
    const steps = doc.jobs.retrain.steps as { name: string; run?: string; uses?: string }[];
    assert.ok(
      steps.some((s) => s.name === 'Promote if better'),
      name,
    );
    if (o.schedule) assert.deepEqual(doc.on.schedule, [{ cron: o.schedule }]);
    if (o.pullRequests === false) assert.equal(doc.on.pull_request, undefined);
    else assert.deepEqual(doc.on.pull_request.branches, [o.branch ?? 'trunk']);
    if (files['dvc.yaml'])
      assert.ok(
        steps.some((s) => s.run?.includes('mlops repro')),
        name,
      );
    if (files['.dvc/config'])
      assert.ok(
        steps.some((s) => s.run === 'mlops data pull'),
        name,
      );
    if (files['.dvc/config']?.includes('s3://')) {
      assert.deepEqual(
        plan.secrets.filter((s) => !s.optional).map((s) => s.name),
        ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'],
      );
      assert.equal(doc.jobs.retrain.env.AWS_ACCESS_KEY_ID, '${{ secrets.AWS_ACCESS_KEY_ID }}');
    }
    if (files['.dvc/config']?.includes('/srv/dvc')) assert.match(plan.notes.join('\n'), /local folder \(\/srv\/dvc\): a hosted runner cannot reach it/);
    if (files['requirements.txt']) assert.ok(steps.some((s) => s.run === "python -m pip install -r 'requirements.txt'"));
    if (files['conda.yaml']) assert.equal(doc.jobs.retrain.defaults.run.shell, 'bash -el {0}');
    // Team server or store in the cache, decided when the job runs: both secrets are optional and read by every step.
    assert.deepEqual(
      plan.secrets.filter((s) => s.optional).map((s) => s.name),
      ['MLFLOW_TRACKING_URI', 'MLFLOW_TRACKING_TOKEN'],
    );
    assert.equal(doc.jobs.retrain.env.MLFLOW_TRACKING_URI, '${{ secrets.MLFLOW_TRACKING_URI }}');
    const byName = (n: string) => steps.find((s) => s.name === n) as { if?: string } | undefined;
    assert.equal(byName('Restore the tracking store')?.if, "env.MLFLOW_TRACKING_URI == ''");
    assert.match(byName('Keep the tracking store')?.if ?? '', /env\.MLFLOW_TRACKING_URI == ''$/);
    assert.match(byName('Upload the tracking store')?.if ?? '', /env\.MLFLOW_TRACKING_URI == ''$/);
    if (!files['dvc.yaml'])
      assert.ok(
        steps.some((s) => s.run?.includes('--no-offline')),
        `${name}: a CI run never falls back to the runner's disk`,
      );
    if (files['.vscode/settings.json'])
      assert.match(plan.notes.join('\n'), /logs to the team server https:\/\/mlflow\.team\.example: set the repository secret MLFLOW_TRACKING_URI/);
  }
});

test('the parser itself catches a broken workflow (so the check above can fail)', async () => {
  const plan = planWorkflow(workspace(), base);
  assert.notDeepEqual(await githubErrors(plan.yaml.replace('runs-on: ubuntu-latest', 'runs-on: ubuntu-latest\n    bogus-key: 1')), []);
});

test('bad options are refused with what was wrong; an existing workflow is kept unless forced', () => {
  const ws = workspace();
  assert.throws(() => planWorkflow(ws, { ...base, schedule: 'every monday' }), /5-field cron/);
  assert.throws(() => planWorkflow(ws, { ...base, mode: 'lowest' as never }), /--mode must be min or max/);
  assert.throws(() => planWorkflow(ws, { ...base, entryPoint: 'nope' }), /no entry point "nope" \(has: main, evaluate\)/);
  assert.throws(() => planWorkflow(ws, { ...base, alias: 'a b' }), /--alias/);
  const plan = planWorkflow(ws, base);
  writeWorkflow(ws, plan);
  assert.throws(() => writeWorkflow(ws, plan), /exists; pass --force/);
  writeWorkflow(ws, plan, true);
  assert.equal(fs.readFileSync(path.join(ws, '.github/workflows/mlops-retrain.yml'), 'utf8'), plan.yaml);
});
