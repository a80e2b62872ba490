import * as assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import * as R from '../../src/core/registry';
import * as T from '../../src/core/tracking';
import type { ExperimentsNode } from '../../src/vscode/experiments/experimentsTree';
import { api, eventually, workspaceDir } from './helpers';

describe('sidebar trees', () => {
  it('shows experiments and runs logged into the store, live, with status and key metric', async () => {
    const a = await api();
    const store = await a.store();
    const exp = T.createExperiment(store, { name: `tree-${Date.now()}` });
    const run = T.createRun(store, { experiment_id: exp, run_name: 'live-run' });
    T.logMetric(store, run.info.run_id, { key: 'rmse', value: 0.25, timestamp: Date.now(), step: 1 });
    const tree = a.experimentsTree!;
    const expNode = await eventually(
      () => tree.getChildren().find((n) => n.kind === 'experiment' && n.experiment.experiment_id === exp),
      'the experiment to appear',
    );
    const runNode = await eventually(() => tree.getChildren(expNode).find((n) => n.kind === 'run' && n.run.run_name === 'live-run'), 'the run to appear');
    const item = tree.getTreeItem(runNode);
    assert.equal(item.label, 'live-run');
    assert.match(String(item.description), /rmse 0\.25/);
    assert.equal((item.iconPath as vscode.ThemeIcon).id, 'sync~spin');
    T.updateRun(store, run.info.run_id, { status: 'FINISHED', end_time: Date.now() });
    await eventually(() => {
      const n = tree.getChildren(expNode).find((x) => x.kind === 'run' && x.run.run_id === run.info.run_id)!;
      return (tree.getTreeItem(n).iconPath as vscode.ThemeIcon).id === 'pass';
    }, 'the finished icon');
  });

  it('shows run details as a read-only page with params, metrics, artifacts and inline images', async () => {
    const a = await api();
    const store = await a.store();
    const run = T.createRun(store, { run_name: 'details-run', tags: [{ key: 'mlflow.note.content', value: 'tried a *smaller* lr' }] });
    T.logBatch(store, run.info.run_id, { params: [{ key: 'lr', value: '0.01' }], metrics: [{ key: 'acc', value: 0.875, timestamp: Date.now(), step: 4 }] });
    const dir = T.artifactDirOf(workspaceDir(), run.info.artifact_uri)!;
    fs.mkdirSync(path.join(dir, 'plots'), { recursive: true });
    // A 1x1 PNG: the page embeds it as an image, not just a link.
    fs.writeFileSync(path.join(dir, 'plots', 'loss.png'), Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64'));
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'hello');
    await vscode.commands.executeCommand('mlops.openRun', run.info.run_id);
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.from({ scheme: 'mlops-run', path: `/${run.info.run_id}.md` }));
    const text = doc.getText();
    // Markdown-escaped as the page renders it.
    for (const part of ['# details\\-run', '| lr | 0\\.01 |', '| acc | 0\\.875 \\(step 4\\) |', 'tried a *smaller* lr', '## Images']) {
      assert.ok(text.includes(part), `the page shows ${part}:\n${text}`);
    }
    assert.match(text, /\[notes\\\.txt\]\(file:\/\/.*notes\.txt\)/);
    assert.match(text, /!\[plots\/loss\\\.png\]\(file:\/\/.*loss\.png\)/);
  });

  it('filters with the MLflow grammar and reports errors with a position in the view', async () => {
    const a = await api();
    const store = await a.store();
    const exp = T.createExperiment(store, { name: `filter-${Date.now()}` });
    for (const alpha of ['0.1', '0.5']) {
      const r = T.createRun(store, { experiment_id: exp, run_name: `alpha-${alpha}` });
      T.logBatch(store, r.info.run_id, { params: [{ key: 'alpha', value: alpha }], metrics: [{ key: 'rmse', value: Number(alpha), timestamp: 1, step: 0 }] });
    }
    const tree = a.experimentsTree!;
    const expNode = await eventually(() => tree.getChildren().find((n) => n.kind === 'experiment' && n.experiment.experiment_id === exp), 'experiment');
    try {
      tree.setOptions({ filter: "metrics.rmse < 0.3 and params.alpha = '0.1'" });
      const names = tree.getChildren(expNode).filter((n): n is Extract<ExperimentsNode, { kind: 'run' }> => n.kind === 'run').map((n) => n.run.run_name);
      assert.deepEqual(names, ['alpha-0.1']);
      assert.match(String(tree.view.message), /Filter: metrics\.rmse < 0\.3/);
      tree.setOptions({ filter: 'metrics.rmse ~ 1' });
      const msg = tree.getChildren(expNode)[0];
      assert.equal(msg.kind, 'message');
      assert.match((msg as { text: string }).text, /position 13/);
    } finally {
      tree.setOptions({});
    }
  });

  it('shows registered versions with their alias and stage', async () => {
    const a = await api();
    const store = await a.store();
    const run = T.createRun(store, { run_name: 'model-source' });
    const name = `model-${Date.now()}`;
    R.createRegisteredModel(store, { name });
    R.createModelVersion(store, { name, source: `${run.info.artifact_uri}/model`, run_id: run.info.run_id });
    R.setRegisteredModelAlias(store, name, 'champion', '1');
    R.transitionModelVersionStage(store, name, '1', 'Staging');
    const tree = a.modelsTree!;
    const modelNode = await eventually(() => tree.getChildren().find((n) => n.kind === 'model' && n.model.name === name), 'the model');
    const [v] = tree.getChildren(modelNode);
    const item = tree.getTreeItem(v);
    assert.equal(item.label, 'v1');
    assert.equal(item.description, '@champion · Staging');
    assert.match(String(item.contextValue), /hasRun/);
    await vscode.commands.executeCommand('mlops.copyModelUri', v);
    assert.equal(await vscode.env.clipboard.readText(), `models:/${name}@champion`);
  });

  it('versions data from a command and shows its status in the Data view', async () => {
    const a = await api();
    const ws = workspaceDir();
    await vscode.commands.executeCommand('mlops.data.init');
    assert.ok(fs.existsSync(path.join(ws, '.dvc', 'config')));
    // data/train.csv is committed to git in the quickstart (DVC refuses those); version a new file.
    fs.writeFileSync(path.join(ws, 'data', 'extra.csv'), 'a,b\n1,2\n');
    await vscode.commands.executeCommand('mlops.data.add', vscode.Uri.file(path.join(ws, 'data', 'extra.csv')));
    assert.ok(fs.existsSync(path.join(ws, 'data', 'extra.csv.dvc')), 'the .dvc file is written');
    assert.match(fs.readFileSync(path.join(ws, 'data', '.gitignore'), 'utf8'), /^\/extra\.csv$/m);
    const tree = a.dataTree!;
    await a.dataStatus();
    const out = await eventually(() => tree.getChildren().find((n) => n.kind === 'output' && n.status.output.path === 'data/extra.csv'), 'the output in the Data view');
    assert.match(String(tree.getTreeItem(out).description), /up to date/);
    fs.appendFileSync(path.join(ws, 'data', 'extra.csv'), '3,4\n');
    await a.dataStatus();
    const changed = tree.getChildren().find((n) => n.kind === 'output' && n.status.output.path === 'data/extra.csv')!;
    assert.match(String(tree.getTreeItem(changed).description), /modified/);
    await vscode.commands.executeCommand('mlops.data.commit');
    await a.dataStatus();
    const after = tree.getChildren().find((n) => n.kind === 'output' && n.status.output.path === 'data/extra.csv')!;
    assert.match(String(tree.getTreeItem(after).description), /up to date/);
  });
});
