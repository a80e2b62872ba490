import * as assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as vscode from 'vscode';
import { PUBLISHED_TAG, SOURCE_RUN_TAG } from '../../src/core/backend';
import { freePort } from '../../src/core/serving/scoring';
import * as T from '../../src/core/tracking';
import { getMetricHistory } from '../../src/core/tracking/history';
import type { ComparePanelInfo } from '../../src/vscode/compare/comparePanel';
import type { PublishOutcome } from '../../src/vscode/team/teamCommands';
import type { TeamNode } from '../../src/vscode/team/teamTree';
import { api, eventually, EXTENSION_ID } from './helpers';

/** A team's MLflow REST server: `mlops server` over a folder of its own, in a child process, with a token. */
async function teamServer(): Promise<{ url: string; token: string; child: ChildProcess; dir: string }> {
  const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlops-team-'));
  const port = await freePort();
  const token = crypto.randomBytes(18).toString('base64url');
  const child = spawn(
    process.execPath,
    [path.join(ext.extensionPath, 'dist', 'cli.js'), 'server', '--workspace', dir, '--port', String(port), '--token', token],
    {
      stdio: 'ignore',
      env: { ...process.env, MLFLOW_TRACKING_URI: '' },
    },
  );
  const url = `http://127.0.0.1:${port}`;
  await eventually(async () => (await fetch(`${url}/health`)).ok, 'the team server to answer', 30_000);
  return { url, token, child, dir };
}

async function rest(server: { url: string; token: string }, p: string, body: unknown): Promise<any> {
  const r = await fetch(`${server.url}/api/2.0/mlflow/${p}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${server.token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  assert.equal(r.status, 200, `${p}: ${await r.clone().text()}`);
  return r.json();
}

describe('team server', function () {
  this.timeout(120_000);
  let server: Awaited<ReturnType<typeof teamServer>> | undefined;
  const config = () => vscode.workspace.getConfiguration('mlops');

  after(async () => {
    await vscode.commands.executeCommand('mlops.team.clearToken').then(undefined, () => undefined);
    await config().update('tracking.uri', undefined, vscode.ConfigurationTarget.Workspace);
    if (server?.child.pid && server.child.exitCode === null) process.kill(server.child.pid, 'SIGTERM');
  });

  it('shows the team server’s runs, says in the status whether it answers, and publishes local runs to it', async () => {
    const a = await api();
    await a.whenReady();
    server = await teamServer();
    const { experiment_id } = await rest(server, 'experiments/create', { name: 'team-exp' });
    const { run } = await rest(server, 'runs/create', { experiment_id, run_name: 'colleague-run', start_time: Date.now() });
    await rest(server, 'runs/log-metric', { run_id: run.info.run_id, key: 'rmse', value: 0.125, timestamp: Date.now(), step: 0 });

    const team = a.team!;
    await config().update('tracking.uri', server.url, vscode.ConfigurationTarget.Workspace);
    // Without the token the server refuses: the status says to sign in.
    await eventually(() => team.host.state.kind === 'unauthorized', `the status to ask for a token (state ${JSON.stringify(team.host.state)})`);
    await vscode.commands.executeCommand('mlops.team.setToken', server.token);
    await eventually(() => team.host.state.kind === 'online', `the team server to be online (state ${JSON.stringify(team.host.state)})`);

    const expNode = await eventually(
      async () =>
        (await team.tree.getChildren()).find(
          (n): n is Extract<TeamNode, { kind: 'experiment' }> => n.kind === 'experiment' && n.experiment.name === 'team-exp',
        ),
      'the team experiment in the Team Server view',
    );
    const runs = await team.tree.getChildren(expNode);
    const runNode = runs.find((n) => n.kind === 'run' && n.run.run_id === run.info.run_id);
    assert.ok(runNode, JSON.stringify(runs));
    const item = team.tree.getTreeItem(runNode);
    assert.equal(item.label, 'colleague-run');
    assert.match(String(item.description), /rmse 0\.125/);

    // Clicking a team run shows its page, read from the server.
    const page = (await vscode.commands.executeCommand('mlops.team.showRun', runNode)) as vscode.Uri;
    const text = (await vscode.workspace.openTextDocument(page)).getText();
    assert.match(text, /^# colleague\\-run$/m);
    assert.match(text, /\*\*Experiment\*\* team\\-exp/);
    assert.match(text, /\| rmse \| 0\\\.125/);

    // Live: a colleague starts another run and the first one logs again; one poll shows both, no reload.
    const { run: second } = await rest(server, 'runs/create', { experiment_id, run_name: 'second-run', start_time: Date.now() + 1 });
    await rest(server, 'runs/log-metric', { run_id: run.info.run_id, key: 'rmse', value: 0.0625, timestamp: Date.now(), step: 1 });
    assert.equal(await team.tree.poll(), true, 'the poll saw the changes');
    const after = await team.tree.getChildren(expNode);
    assert.deepEqual(
      after.filter((n) => n.kind === 'run').map((n) => n.run.run_name),
      ['second-run', 'colleague-run'],
    );
    assert.match(String(team.tree.getTreeItem(after.find((n) => n.kind === 'run' && n.run.run_id === run.info.run_id)!).description), /rmse 0\.0625/);
    assert.ok(second.info.run_id);

    // Compare team runs: the same charts, over the runs mirrored with whole histories; a running one grows live.
    const info = (await vscode.commands.executeCommand('mlops.team.compareRuns', [run.info.run_id, second.info.run_id])) as ComparePanelInfo;
    assert.ok(info, JSON.stringify(a.commandFailures.slice(-1)));
    assert.match(info.title, /colleague-run/);
    await eventually(() => info.posted.includes('init'), 'the team compare panel to start');
    const mirrored = a.team!.compare!.host.store!;
    assert.equal(T.getRun(mirrored, run.info.run_id).data.metrics.find((m) => m.key === 'rmse')?.value, 0.0625);
    const appends = info.seriesPosted.filter((m) => m.type === 'append').length;
    await rest(server, 'runs/log-metric', { run_id: run.info.run_id, key: 'rmse', value: 0.03125, timestamp: Date.now(), step: 2 });
    await a.team!.compare!.follow();
    assert.equal(getMetricHistory(mirrored, run.info.run_id, 'rmse').values.length, 3, 'the running run was mirrored again');
    await eventually(
      () => info.posted.includes('runsUpdated') || info.seriesPosted.filter((m) => m.type === 'append').length > appends,
      'the new point to reach the panel',
    );
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');

    // Filters are MLflow's, evaluated by the server; a typo says so and keeps the view as it was.
    await vscode.commands.executeCommand('mlops.team.filterRuns', 'metrics.rmse < 0.1');
    assert.deepEqual(
      (await team.tree.getChildren(expNode)).filter((n) => n.kind === 'run').map((n) => n.run.run_name),
      ['colleague-run'],
    );
    const failures = a.commandFailures.length;
    await vscode.commands.executeCommand('mlops.team.filterRuns', 'metrics.rmse <<< 1');
    assert.equal(a.commandFailures.length, failures + 1, 'the bad filter is an error');
    assert.equal(team.tree.filter, 'metrics.rmse < 0.1', 'and the filter in force stays');
    await vscode.commands.executeCommand('mlops.team.clearFilter');
    assert.equal((await team.tree.getChildren(expNode)).filter((n) => n.kind === 'run').length, 2);

    // The team's registry: models and versions, and an alias set from the view lands on the server.
    await rest(server, 'registered-models/create', { name: 'churn-model' });
    await rest(server, 'model-versions/create', { name: 'churn-model', source: `${run.info.artifact_uri}/model`, run_id: run.info.run_id });
    team.tree.refresh();
    const roots = await team.tree.getChildren();
    const models = roots.find((n) => n.kind === 'models');
    assert.ok(models, JSON.stringify(roots.map((n) => n.kind)));
    const model = (await team.tree.getChildren(models))[0]!;
    const version = (await team.tree.getChildren(model))[0]!;
    assert.equal(team.tree.getTreeItem(version).label, 'Version 1');
    await vscode.commands.executeCommand('mlops.team.setAlias', version, 'champion');
    const held = await fetch(`${server.url}/api/2.0/mlflow/registered-models/alias?name=churn-model&alias=champion`, {
      headers: { Authorization: `Bearer ${server.token}` },
    });
    assert.equal(((await held.json()) as { model_version: { version: string } }).model_version.version, '1', JSON.stringify(a.commandFailures.slice(-1)));
    const again = (await team.tree.getChildren((await team.tree.getChildren((await team.tree.getChildren()).find((n) => n.kind === 'models')))[0]))[0]!;
    assert.match(String(team.tree.getTreeItem(again).description), /@champion/);

    // A local run, published from the Experiments view's command.
    const store = await a.store();
    const exp = T.createExperiment(store, { name: `to-publish-${Date.now()}` });
    const local = T.createRun(store, { experiment_id: exp, run_name: 'mine' });
    T.logBatch(store, local.info.run_id, {
      params: [{ key: 'lr', value: '0.3' }],
      metrics: [0, 1, 2].map((s) => ({ key: 'loss', value: 1 / (s + 1), timestamp: Date.now(), step: s })),
    });
    T.updateRun(store, local.info.run_id, { status: 'FINISHED', end_time: Date.now() });
    const out = (await vscode.commands.executeCommand('mlops.publishRuns', [local.info.run_id])) as PublishOutcome;
    assert.equal(out.published.length, 1, JSON.stringify(a.commandFailures));
    assert.equal(out.published[0]!.created, true);
    const ids = (await rest(server, 'experiments/search', { max_results: 100 })).experiments.map((e: { experiment_id: string }) => e.experiment_id);
    const found = (await rest(server, 'runs/search', { experiment_ids: ids, filter: `tags.\`${SOURCE_RUN_TAG}\` = '${local.info.run_id}'` })).runs;
    assert.equal(found.length, 1);
    assert.deepEqual(found[0].data.params, [{ key: 'lr', value: '0.3' }]);
    const tags = Object.fromEntries(T.getRun(store, local.info.run_id).data.tags.map((t) => [t.key, t.value]));
    assert.equal(tags[PUBLISHED_TAG], found[0].info.run_id, 'the local run remembers its team copy');

    // The Experiments view says so beside the local run.
    const tree = a.experimentsTree!;
    const localExp = await eventually(
      () => tree.getChildren().find((n) => n.kind === 'experiment' && n.experiment.experiment_id === exp),
      'the local experiment',
    );
    await eventually(() => {
      const n = tree.getChildren(localExp).find((x) => x.kind === 'run' && x.run.run_id === local.info.run_id);
      return n && /published/.test(String(tree.getTreeItem(n).description));
    }, 'the local run marked published');

    // The server goes away: the status says offline.
    const gone = new Promise((r) => server!.child.once('exit', r));
    process.kill(server.child.pid!, 'SIGTERM');
    await gone;
    await vscode.commands.executeCommand('mlops.team.refresh');
    await eventually(() => team.host.state.kind === 'offline', `the status to say offline (state ${JSON.stringify(team.host.state)})`);
  });

  it('reads the real MLflow server over PostgreSQL and S3: runs, a run page with its S3 artifact, compare, the registry', async function () {
    const stack = JSON.parse(process.env.MLOPS_TEAM_STACK || '{"skip":"MLOPS_TEAM_STACK is not set (run through scripts/run-ext-tests.mjs)"}');
    if (stack.skip) {
      console.log(`skipped: ${stack.skip}`);
      return this.skip();
    }
    const a = await api();
    const team = a.team!;
    await vscode.commands.executeCommand('mlops.team.clearToken');
    await config().update('tracking.uri', stack.url, vscode.ConfigurationTarget.Workspace);
    await eventually(
      () => team.host.state.kind === 'online' && team.host.state.url === stack.url,
      `the real server online (state ${JSON.stringify(team.host.state)})`,
      30_000,
    );
    team.tree.refresh();
    const expNode = await eventually(
      async () => (await team.tree.getChildren()).find((n) => n.kind === 'experiment' && n.experiment.name === stack.experiment),
      'the experiment the real client logged',
    );
    const runNode = (await team.tree.getChildren(expNode)).find((n) => n.kind === 'run' && n.run.run_id === stack.runId);
    assert.ok(runNode, 'the run the real client logged');
    assert.match(String(team.tree.getTreeItem(runNode).description), /auc 0\.8/);

    const page = (await vscode.commands.executeCommand('mlops.team.showRun', stack.runId)) as vscode.Uri;
    const text = (await vscode.workspace.openTextDocument(page)).getText();
    assert.match(text, /\| depth \| 6 \|/);
    assert.match(text, /report\\\.md/, `the artifact MLflow keeps in S3 is listed:\n${text}`);

    const info = (await vscode.commands.executeCommand('mlops.team.compareRuns', [stack.runId])) as ComparePanelInfo;
    assert.ok(info, JSON.stringify(a.commandFailures.slice(-1)));
    assert.equal(getMetricHistory(team.compare!.host.store!, stack.runId, 'auc').values.length, 4, 'the whole history came from PostgreSQL');
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');

    const models = (await team.tree.getChildren()).find((n) => n.kind === 'models');
    assert.ok(models, 'the registry node');
    const model = (await team.tree.getChildren(models)).find((n) => n.kind === 'model' && n.model.name === stack.model)!;
    const version = (await team.tree.getChildren(model))[0]!;
    await vscode.commands.executeCommand('mlops.team.setAlias', version, 'champion');
    const r = await fetch(`${stack.url}/api/2.0/mlflow/registered-models/alias?name=${stack.model}&alias=champion`);
    assert.equal(((await r.json()) as { model_version: { version: string } }).model_version.version, '1', JSON.stringify(a.commandFailures.slice(-1)));

    // Register the run again as a version of the existing model, then stage it: the real server records both.
    const registered = (await vscode.commands.executeCommand('mlops.team.registerModel', runNode, stack.model, 'model')) as { version: string } | undefined;
    assert.equal(registered?.version, '2', JSON.stringify(a.commandFailures.slice(-1)));
    const v2 = (await team.tree.getChildren(model)).find((n) => n.kind === 'version' && n.version.version === '2')!;
    await vscode.commands.executeCommand('mlops.team.transitionStage', v2, 'Staging', false);
    const got = await fetch(`${stack.url}/api/2.0/mlflow/model-versions/get?name=${stack.model}&version=2`);
    const mv = ((await got.json()) as { model_version: { current_stage: string; source: string; run_id: string } }).model_version;
    assert.equal(mv.current_stage, 'Staging', JSON.stringify(a.commandFailures.slice(-1)));
    assert.equal(mv.run_id, stack.runId);
    assert.match(mv.source, /\/model$/);
  });
});
