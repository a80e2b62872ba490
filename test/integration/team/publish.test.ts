// Team mode against an MLflow REST server on 127.0.0.1 (our own `mlops server` over a second workspace plays the
// team's server; teamStack.test.ts repeats the story on the real MLflow server with PostgreSQL and S3): the CLI
// reads it, publishes local runs to it idempotently, launches runs onto it, and logs offline then publishes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { PENDING_TAG, PUBLISHED_TAG, SOURCE_RUN_TAG } from '../../../src/core/backend';
import { openStore, type Store } from '../../../src/core/openStore';
import { startServer, type RunningServer } from '../../../src/core/server';
import * as T from '../../../src/core/tracking';
import { getMetricHistory } from '../../../src/core/tracking/history';
import { tempDir } from '../../helpers/tmp';
import { localRuns, MLPROJECT, mlops, ok, runWhileServerIsDown, tagsOf } from './helpers';

interface Team {
  ws: string;
  store: Store;
  server: RunningServer;
  close(): Promise<void>;
}

async function teamServer(): Promise<Team> {
  const ws = tempDir();
  const store = await openStore(ws);
  const server = await startServer({ store, workspace: ws, advertise: false });
  return { ws, store, server, close: async () => (await server.close(), store.close()) };
}

function remoteCopy(team: Team, sourceId: string): T.Run {
  const exp = T.getExperimentByName(team.store, 'churn');
  const page = T.searchRuns(team.store, { experiment_ids: [exp.experiment_id], filter: `tags.\`${SOURCE_RUN_TAG}\` = '${sourceId}'`, max_results: 10 });
  assert.equal(page.runs.length, 1, `one copy of ${sourceId} on the team server`);
  return page.runs[0];
}

test('publish copies runs with histories, inputs, artifacts and the parent link; publishing again adds only what is new', async (t) => {
  const team = await teamServer();
  t.after(() => team.close());
  const local = await localRuns();
  const env = { MLFLOW_TRACKING_TOKEN: team.server.token };

  const first = JSON.parse(await ok(['publish', '--all', '--to', team.server.url, '--workspace', local.ws, '--json'], env));
  assert.equal(first.length, 2);
  assert.deepEqual(
    first.map((p: any) => [p.sourceRunId, p.created]),
    [
      [local.parent, true],
      [local.child, true],
    ],
    'the parent goes first',
  );
  const parent = remoteCopy(team, local.parent);
  const child = remoteCopy(team, local.child);
  assert.equal(tagsOf(child)['mlflow.parentRunId'], parent.info.run_id, "the child names its parent's team id");
  assert.equal(tagsOf(parent).team, 'a');
  assert.equal(parent.info.status, 'FINISHED');
  assert.equal(parent.info.start_time, 1000);
  assert.deepEqual(parent.data.params, [{ key: 'lr', value: '0.1' }]);
  assert.deepEqual(pairs(getMetricHistory(team.store, parent.info.run_id, 'loss')), [
    [0, 1],
    [1, 0.5],
    [2, 1 / 3],
  ]);
  assert.equal(parent.inputs.dataset_inputs[0]?.dataset.digest, 'abc123');
  const artifact = path.join(T.artifactDirOf(team.ws, parent.info.artifact_uri)!, 'reports', 'report.txt');
  assert.equal(fs.readFileSync(artifact, 'utf8'), 'hello team\n');

  // The local runs remember where they went.
  {
    const store = await openStore(local.ws, { readOnly: true });
    assert.equal(tagsOf(T.getRun(store, local.parent))[PUBLISHED_TAG], parent.info.run_id);
    store.close();
  }

  // More points locally, then publish again: only those travel.
  {
    const store = await openStore(local.ws);
    T.logBatch(store, local.parent, { metrics: [{ key: 'loss', value: 0.2, timestamp: 2003, step: 3 }] });
    store.close();
  }
  const again = JSON.parse(await ok(['publish', local.parent.slice(0, 8), '--to', team.server.url, '--workspace', local.ws, '--json'], env));
  assert.equal(again.length, 1);
  assert.equal(again[0].created, false);
  assert.equal(again[0].remoteRunId, parent.info.run_id);
  assert.deepEqual(
    { points: again[0].added.points, params: again[0].added.params, artifacts: again[0].added.artifacts },
    { points: 1, params: 0, artifacts: 0 },
  );
  assert.equal(getMetricHistory(team.store, parent.info.run_id, 'loss').values.length, 4, 'no point twice');

  // The read commands show the team server's runs.
  const listed = JSON.parse(await ok(['runs', 'list', '--tracking-uri', team.server.url, '--experiment', 'churn', '--json', '--workspace', local.ws], env));
  assert.deepEqual(listed.map((r: T.Run) => r.info.run_id).sort(), [parent.info.run_id, child.info.run_id].sort());
  const shown = await ok(['runs', 'show', parent.info.run_id, '--tracking-uri', team.server.url, '--workspace', local.ws], env);
  assert.match(shown, /experiment {2}churn/);
  assert.match(shown, /loss +0\.2 {2}\(step 3\)/);
  const exps = await ok(['experiments', 'list', '--workspace', local.ws], { ...env, MLFLOW_TRACKING_URI: team.server.url });
  assert.match(exps, /churn/, 'MLFLOW_TRACKING_URI selects the team server too');
  const filtered = JSON.parse(
    await ok(['runs', 'list', '--filter', 'metrics.acc > 0.5', '--json', '--workspace', local.ws], { ...env, MLFLOW_TRACKING_URI: team.server.url }),
  );
  assert.deepEqual(
    filtered.map((r: T.Run) => r.info.run_id),
    [child.info.run_id],
  );
});

test('a wrong token is refused with a hint, and the local store is read when no team server is named', async (t) => {
  const team = await teamServer();
  t.after(() => team.close());
  const local = await localRuns();
  const bad = await mlops(['runs', 'list', '--tracking-uri', team.server.url, '--workspace', local.ws], { MLFLOW_TRACKING_TOKEN: 'wrong' });
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /401|credentials|token/i);
  const mine = JSON.parse(await ok(['runs', 'list', '--json', '--workspace', local.ws]));
  assert.equal(mine.length, 2);
  // The same filter syntax on the local store.
  const filtered = JSON.parse(await ok(['runs', 'list', '--filter', "params.lr = '0.1'", '--json', '--workspace', local.ws]));
  assert.deepEqual(
    filtered.map((r: T.Run) => r.info.run_id),
    [local.parent],
  );
  const typo = await mlops(['runs', 'list', '--filter', 'metrics.acc >>> 1', '--workspace', local.ws]);
  assert.notEqual(typo.code, 0);
  assert.match(typo.stderr, /metrics\.acc >>> 1|filter/i);
});

// The stdlib client a script might use: it logs to whatever server the launcher hands it.
const TRAIN = `import json, os, sys, urllib.request
body = json.dumps({"run_id": os.environ["MLFLOW_RUN_ID"], "key": "score", "value": float(sys.argv[1]) * 2, "timestamp": 1, "step": 0}).encode()
headers = {"Content-Type": "application/json"}
if os.environ.get("MLFLOW_TRACKING_TOKEN"):
    headers["Authorization"] = "Bearer " + os.environ["MLFLOW_TRACKING_TOKEN"]
req = urllib.request.Request(os.environ["MLFLOW_TRACKING_URI"] + "/api/2.0/mlflow/runs/log-metric", body, headers)
urllib.request.urlopen(req).read()
print("trained")
`;

test('mlops run logs straight to the team server; while it is unreachable the run logs locally and publish --pending sends it later', async (t) => {
  const team = await teamServer();
  t.after(() => team.close());
  const ws = tempDir();
  fs.writeFileSync(path.join(ws, 'MLproject'), MLPROJECT);
  fs.writeFileSync(path.join(ws, 'train.py'), TRAIN);
  const env = { MLFLOW_TRACKING_TOKEN: team.server.token };

  // A git checkout with an uncommitted change: the run's lineage includes the diff, uploaded as an artifact.
  const git = (...args: string[]) => assert.equal(spawnSync('git', args, { cwd: ws }).status, 0, `git ${args.join(' ')}`);
  git('init', '-q');
  git('-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-q', '--allow-empty', '-m', 'start');
  fs.writeFileSync(path.join(ws, '.gitignore'), '.mlops/\n');
  git('add', '.gitignore', 'MLproject', 'train.py');
  git('-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-q', '-m', 'project');
  fs.appendFileSync(path.join(ws, 'train.py'), '# tuned by hand\n');
  const online = await mlops(['run', ws, '-P', 'alpha=2', '--experiment-name', 'churn', '--workspace', ws, '--tracking-uri', team.server.url], env);
  assert.equal(online.code, 0, online.stderr);
  const onlineId = /run (\w+) started/.exec(online.stderr)?.[1];
  assert.ok(onlineId, online.stderr);
  const onTeam = T.getRun(team.store, onlineId);
  assert.equal(onTeam.info.status, 'FINISHED');
  assert.deepEqual(
    onTeam.data.metrics.map((m) => [m.key, m.value]),
    [['score', 4]],
  );
  assert.equal(onTeam.data.params.find((p) => p.key === 'alpha')?.value, '2');
  assert.match(fs.readFileSync(path.join(T.artifactDirOf(team.ws, onTeam.info.artifact_uri)!, 'stdout.log'), 'utf8'), /trained/, 'the log was uploaded');
  assert.ok(!fs.existsSync(path.join(ws, '.mlops', 'staging', onlineId)), 'the staged copy is gone');
  assert.match(
    fs.readFileSync(path.join(T.artifactDirOf(team.ws, onTeam.info.artifact_uri)!, 'git-diff.patch'), 'utf8'),
    /\+# tuned by hand/,
    'the dirty diff went too',
  );
  assert.equal(tagsOf(onTeam)['mlops.git.dirty'], 'true');
  assert.match(tagsOf(onTeam)['mlflow.source.git.commit'] ?? '', /^[0-9a-f]{40}$/);

  // The team server is down: the run still happens, locally, marked to be published.
  const { runId: offlineId } = await runWhileServerIsDown(ws, 'churn', env);
  {
    const store = await openStore(ws, { readOnly: true });
    assert.equal(T.getRun(store, offlineId).data.metrics[0]?.value, 6);
    store.close();
  }
  // Back online (at a new address here): publish what waited.
  const sent = JSON.parse(await ok(['publish', '--pending', '--to', team.server.url, '--workspace', ws, '--json'], env));
  assert.deepEqual(
    sent.map((p: any) => p.sourceRunId),
    [offlineId],
  );
  const copy = remoteCopy(team, offlineId);
  assert.equal(copy.data.metrics[0]?.value, 6);
  assert.ok(!(PENDING_TAG in tagsOf(copy)), 'bookkeeping tags stay local');
  const none = await ok(['publish', '--pending', '--to', team.server.url, '--workspace', ws]);
  assert.match(none, /No runs wait to be published/);
});

function pairs(h: { steps: Float64Array; values: Float64Array }): number[][] {
  return Array.from(h.steps, (step, i) => [step, h.values[i]!]);
}
