// Team mode against the real engines a team runs: MLflow 2.12.2's own server over PostgreSQL, its artifacts
// proxied to an S3-compatible server, and MLflow's own Python client. Scripts log with the real client and the
// CLI reads them back; local runs are published and the real client reads them; `mlops run` logs onto the
// server; a run made while the server was unreachable is published later. Skips, saying why, where a part is missing.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { mirrorRuns, PENDING_TAG, SOURCE_RUN_TAG } from '../../../src/core/backend';
import { getMetricHistory } from '../../../src/core/tracking/history';
import { Connection, connectionFromEnv } from '../../../src/core/backend/connection';
import { RemoteBackend } from '../../../src/core/backend/remote';
import { openStore } from '../../../src/core/openStore';
import * as T from '../../../src/core/tracking';
import { mlflowClient, pythonOnPath, startTeamStack, type TeamStack } from '../../helpers/teamStack';
import { tempDir } from '../../helpers/tmp';
import { commitEpochs, GIT_ENV, LocalRunner, log, mlopsBin, quickstart, sh } from '../ci/workflowRunner';
import { localRuns, MLPROJECT, mlops, ok, runWhileServerIsDown, tagsOf } from './helpers';

let stack: TeamStack | undefined;
let skip: string | false = false;
before(async () => {
  const s = await startTeamStack();
  if (typeof s === 'string') {
    skip = s;
    console.log(`# team stack tests skipped: ${s}`);
  } else stack = s;
});
after(async () => stack?.close());

/** The oracle's own variables (PYTHONPATH to MLflow's sources, ...), for scripts `mlops run` starts. */
function scriptEnv(s: TeamStack): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const k of ['PYTHONPATH', 'GIT_PYTHON_REFRESH', 'MLFLOW_ENABLE_SYSTEM_METRICS_LOGGING', 'NO_PROXY', 'no_proxy']) env[k] = s.clientEnv[k];
  // The MLproject says `python3`: make that the interpreter MLflow's client is installed for.
  env.PATH = `${pythonOnPath(s)}${path.delimiter}${process.env.PATH}`;
  return env;
}

/** What the real client sees of the copy of a local run. */
const COPY_OF = `
import json, sys, mlflow
from mlflow import MlflowClient
c = MlflowClient()
runs = mlflow.search_runs(search_all_experiments=True, filter_string="tags.\`${SOURCE_RUN_TAG}\` = '" + sys.argv[1] + "'", output_format="list")
out = []
for r in runs:
    out.append({"run_id": r.info.run_id, "status": r.info.status, "params": r.data.params, "tags": r.data.tags,
                "experiment": c.get_experiment(r.info.experiment_id).name,
                "history": {k: [[m.step, m.value] for m in c.get_metric_history(r.info.run_id, k)] for k in r.data.metrics},
                "artifacts": [f.path for f in c.list_artifacts(r.info.run_id)],
                "inputs": [d.dataset.digest for d in r.inputs.dataset_inputs]})
print(json.dumps(out))
`;

async function copyOf(s: TeamStack, sourceId: string): Promise<any> {
  const code = COPY_OF.replace('sys.argv[1]', JSON.stringify(sourceId));
  const found = await mlflowClient(s, code);
  assert.equal(found.length, 1, `one copy of ${sourceId} on the team server`);
  return found[0];
}

test('a script logs with the real MLflow client; the CLI lists, filters and shows it from the team server', async (t) => {
  if (skip || !stack) return t.skip(String(skip));
  const s = stack;
  const logged = await mlflowClient(
    s,
    `
import json, os, tempfile, mlflow
mlflow.set_experiment("forecast")
with mlflow.start_run(run_name="from-python") as r:
    mlflow.log_param("lr", "0.01")
    for step in range(5):
        mlflow.log_metric("loss", 1.0 / (step + 1), step=step)
    mlflow.set_tag("owner", "ana")
    d = tempfile.mkdtemp(); p = os.path.join(d, "notes.txt"); open(p, "w").write("from python\\n")
    mlflow.log_artifact(p, "docs")
with mlflow.start_run(run_name="other") as o:
    mlflow.log_param("lr", "0.5")
print(json.dumps({"run_id": r.info.run_id, "other": o.info.run_id}))
`,
  );
  const ws = tempDir();
  const at = ['--tracking-uri', s.url, '--workspace', ws];
  const exps = JSON.parse(await ok(['experiments', 'list', '--json', ...at]));
  assert.ok(
    exps.some((e: T.Experiment) => e.name === 'forecast'),
    JSON.stringify(exps),
  );
  // MLFLOW_TRACKING_URI selects the server as it does for MLflow's client.
  const runs = JSON.parse(await ok(['runs', 'list', '--experiment', 'forecast', '--json', '--workspace', ws], { MLFLOW_TRACKING_URI: s.url }));
  assert.deepEqual(runs.map((r: T.Run) => r.info.run_id).sort(), [logged.run_id, logged.other].sort());
  const mine = runs.find((r: T.Run) => r.info.run_id === logged.run_id);
  assert.equal(mine.data.metrics.find((m: T.Metric) => m.key === 'loss')?.value, 0.2);
  assert.equal(tagsOf(mine).owner, 'ana');
  const filtered = JSON.parse(await ok(['runs', 'list', '--experiment', 'forecast', '--filter', "params.lr = '0.01'", '--json', ...at]));
  assert.deepEqual(
    filtered.map((r: T.Run) => r.info.run_id),
    [logged.run_id],
  );
  const shown = await ok(['runs', 'show', logged.run_id, ...at]);
  assert.match(shown, /lr/);
  assert.match(shown, /0\.01/);
  assert.match(shown, /loss/);

  // The backend reads the artifact MLflow stored in S3, through the server, and the whole history.
  const b = new RemoteBackend(new Connection(connectionFromEnv(s.url, {})));
  t.after(() => b.close());
  assert.deepEqual(
    (await b.listArtifacts(logged.run_id)).map((f) => f.path),
    ['docs'],
  );
  assert.equal((await b.readArtifact(logged.run_id, 'docs/notes.txt')).toString('utf8'), 'from python\n');
  assert.deepEqual(
    (await b.metricHistory(logged.run_id, 'loss')).map((m) => m.step),
    [0, 1, 2, 3, 4],
  );

  // Mirrored for the compare charts, then followed: new points come through MLflow's sampled endpoint only.
  const cache = await openStore(tempDir());
  t.after(() => cache.close());
  assert.equal((await mirrorRuns(b, cache, [logged.run_id])).created.metricPoints, 5);
  await mlflowClient(s, `import json, mlflow\nmlflow.MlflowClient().log_metric(${JSON.stringify(logged.run_id)}, "loss", 0.1, step=5)\nprint("{}")`);
  let fullReads = 0;
  const history = b.metricHistory.bind(b);
  b.metricHistory = (runId, key) => (fullReads++, history(runId, key));
  const again = await mirrorRuns(b, cache, [logged.run_id]);
  assert.equal(again.created.metricPoints, 1);
  assert.equal(fullReads, 0, 'the new point came through get-history-bulk-interval');
  assert.equal(getMetricHistory(cache, logged.run_id, 'loss').values.length, 6);
});

test('published local runs reach PostgreSQL and S3 as the real client reads them; publishing again adds only what is new', async (t) => {
  if (skip || !stack) return t.skip(String(skip));
  const s = stack;
  const local = await localRuns();
  const first = JSON.parse(await ok(['publish', '--all', '--to', s.url, '--workspace', local.ws, '--json']));
  assert.deepEqual(first.map((p: any) => p.created).sort(), [true, true]);

  const parent = await copyOf(s, local.parent);
  const child = await copyOf(s, local.child);
  assert.equal(parent.experiment, 'churn');
  assert.equal(parent.status, 'FINISHED');
  assert.deepEqual(parent.params, { lr: '0.1' });
  assert.deepEqual(parent.history.loss, [
    [0, 1],
    [1, 0.5],
    [2, 1 / 3],
  ]);
  assert.deepEqual(parent.inputs, ['abc123']);
  assert.deepEqual(parent.artifacts, ['reports']);
  assert.equal(child.tags['mlflow.parentRunId'], parent.run_id, "the child names its parent's team id");
  const text = await mlflowClient(
    s,
    `import json, mlflow\nprint(json.dumps(open(mlflow.artifacts.download_artifacts(run_id=${JSON.stringify(parent.run_id)}, artifact_path="reports/report.txt")).read()))`,
  );
  assert.equal(text, 'hello team\n');

  {
    const store = await openStore(local.ws);
    T.logBatch(store, local.parent, { metrics: [{ key: 'loss', value: 0.2, timestamp: 2003, step: 3 }] });
    store.close();
  }
  const again = JSON.parse(await ok(['publish', local.parent, '--to', s.url, '--workspace', local.ws, '--json']));
  assert.equal(again[0].created, false);
  assert.equal(again[0].remoteRunId, parent.run_id);
  assert.equal(again[0].added.points, 1);
  assert.equal(again[0].added.artifacts, 0, 'the artifact is already there');
  assert.equal((await copyOf(s, local.parent)).history.loss.length, 4, 'no point twice');
});

const TRAIN = `import sys, mlflow
with mlflow.start_run():
    mlflow.log_metric("score", float(sys.argv[1]) * 2)
    mlflow.set_tag("trained_by", "mlflow-client")
print("trained with the real client")
`;

test('mlops run logs onto the real server through the real client; offline it logs locally and publish --pending sends it', async (t) => {
  if (skip || !stack) return t.skip(String(skip));
  const s = stack;
  const ws = tempDir();
  fs.writeFileSync(path.join(ws, 'MLproject'), MLPROJECT);
  fs.writeFileSync(path.join(ws, 'train.py'), TRAIN);
  const env = scriptEnv(s);

  const online = await mlops(['run', ws, '-P', 'alpha=2', '--experiment-name', 'launched', '--workspace', ws, '--tracking-uri', s.url], env);
  assert.equal(online.code, 0, online.stderr);
  const id = /run (\w+) started/.exec(online.stderr)?.[1] ?? assert.fail(online.stderr);
  const seen = await mlflowClient(
    s,
    `import json
from mlflow import MlflowClient
c = MlflowClient(); r = c.get_run(${JSON.stringify(id)})
print(json.dumps({"status": r.info.status, "metrics": r.data.metrics, "params": r.data.params, "tags": r.data.tags,
                  "experiment": c.get_experiment(r.info.experiment_id).name, "artifacts": [f.path for f in c.list_artifacts(r.info.run_id)]}))`,
  );
  assert.equal(seen.status, 'FINISHED');
  assert.equal(seen.experiment, 'launched');
  assert.deepEqual(seen.metrics, { score: 4 });
  assert.equal(seen.params.alpha, '2');
  assert.equal(seen.tags.trained_by, 'mlflow-client', 'the script attached to the launched run');
  assert.ok(seen.artifacts.includes('stdout.log'), `the log went to S3 through the server: ${seen.artifacts}`);
  const b = new RemoteBackend(new Connection(connectionFromEnv(s.url, {})));
  t.after(() => b.close());
  assert.match((await b.readArtifact(id, 'stdout.log')).toString('utf8'), /trained with the real client/);

  const { runId: offlineId } = await runWhileServerIsDown(ws, 'launched', env);
  const sent = JSON.parse(await ok(['publish', '--pending', '--to', s.url, '--workspace', ws, '--json']));
  assert.deepEqual(
    sent.map((p: any) => p.sourceRunId),
    [offlineId],
  );
  const copy = await copyOf(s, offlineId);
  assert.equal(copy.experiment, 'launched');
  assert.deepEqual(copy.history.score, [[0, 6]]);
  assert.ok(copy.artifacts.includes('stdout.log'));
  assert.ok(!(PENDING_TAG in copy.tags), 'bookkeeping tags stay local');
});

test(
  'the retraining workflow on the team stack: data pulled from S3, runs on MLflow over PostgreSQL, the champion moved only when better',
  { timeout: 600_000 },
  async (t) => {
    if (skip) return t.skip(skip);
    const s = stack!;
    const repo = tempDir(undefined, 'mlops-origin-');
    const bin = mlopsBin();
    fs.cpSync(quickstart, repo, { recursive: true, filter: (src) => !src.includes(`${path.sep}.mlops`) });
    Object.assign(process.env, GIT_ENV);
    const keys = { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' };
    const env = { PATH: `${bin}:${process.env.PATH}`, ...GIT_ENV, ...keys };
    const setup = await sh(
      repo,
      [
        'git init -q -b main',
        'mlops data init',
        'mlops data add data/train.csv',
        `mlops data remote add -d storage s3://${s.s3.bucket}/ci-data`,
        `mlops data remote modify storage endpointurl ${s.s3.endpoint}`,
        'mlops data push',
        "mlops ci init --model ci-lin --metric final_rmse --mode min --experiment ci-team --install 'mlops --version'",
        'git add -A',
        'git commit -qm init',
      ].join(' && '),
      env,
    );
    assert.equal(setup.code, 0, setup.out);
    assert.match(setup.out, /AWS_ACCESS_KEY_ID: access key of the S3 remote "storage"/);
    const se = scriptEnv(s);
    const runner = new LocalRunner(repo, bin, { ...se, ...GIT_ENV, AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' });
    const secrets = { MLFLOW_TRACKING_URI: s.url, AWS_ACCESS_KEY_ID: keys.AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY: keys.AWS_SECRET_ACCESS_KEY };

    await commitEpochs(repo, 10);
    const first = await runner.job('push', secrets);
    assert.equal(first.failed, false, `${log(first)}\nserver log:\n${fs.readFileSync(s.log, 'utf8').slice(-2000)}`);
    assert.ok(fs.existsSync(path.join(first.ws, 'data/train.csv')), 'the data came from S3 into the fresh clone');
    assert.equal(first.decision.promoted, true);

    await commitEpochs(repo, 3);
    const worse = await runner.job('push', secrets);
    assert.equal(worse.failed, false, log(worse));
    assert.equal(worse.decision.promoted, false);
    assert.match(worse.outputs, /^exit=3$/m);
    assert.deepEqual(worse.decision.candidate.data, worse.decision.champion.data, 'both runs recorded the same data version');

    await commitEpochs(repo, 40);
    const better = await runner.job('push', secrets);
    assert.equal(better.failed, false, log(better));
    assert.equal(better.decision.promoted, true);
    assert.ok(!fs.existsSync(path.join(runner.cache, 'store')), 'no store in the cache: the team server holds everything');

    // MLflow's own client sees the registry the workflow wrote.
    const seen = await mlflowClient(
      s,
      `
import json
from mlflow import MlflowClient
c = MlflowClient()
champ = c.get_model_version_by_alias("ci-lin", "champion")
versions = sorted(c.search_model_versions("name = 'ci-lin'"), key=lambda v: int(v.version))
print(json.dumps({"champion": champ.version, "run": champ.run_id, "source": champ.source,
                  "decisions": [v.tags.get("mlops.promotion.decision") for v in versions]}))
`,
    );
    assert.equal(seen.champion, '3');
    assert.equal(seen.run, better.decision.candidate.runId);
    assert.match(seen.source, /^mlflow-artifacts:\/.*\/artifacts\/model$/);
    assert.deepEqual(seen.decisions, ['promoted', 'rejected', 'promoted']);
  },
);
