import * as assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import * as T from '../../src/core/tracking';
import type { PipelineNode } from '../../src/vscode/pipelines/tree';
import { api, eventually, workspaceDir } from './helpers';

describe('pipelines', () => {
  it('lists dvc.yaml stages with status, reproduces them as tracked runs, marks stale on change, draws the graph', async () => {
    const a = await api();
    const ws = workspaceDir();
    if (!fs.existsSync(path.join(ws, '.dvc'))) await vscode.commands.executeCommand('mlops.data.init');
    fs.mkdirSync(path.join(ws, 'pipe'), { recursive: true });
    fs.writeFileSync(path.join(ws, 'pipe', 'raw.txt'), 'raw\n');
    fs.writeFileSync(
      path.join(ws, 'dvc.yaml'),
      'stages:\n  prepare:\n    cmd: cp pipe/raw.txt pipe/prepared.txt\n    deps: [pipe/raw.txt]\n    outs: [pipe/prepared.txt]\n  train:\n    cmd: \'cat pipe/prepared.txt > pipe/model.txt && echo "{\\"acc\\": 0.75}" > pipe/metrics.json\'\n    deps: [pipe/prepared.txt]\n    outs: [pipe/model.txt]\n    metrics:\n    - pipe/metrics.json:\n        cache: false\n',
    );
    const p = a.pipelines!;
    await vscode.commands.executeCommand('mlops.pipelines.refresh');
    const stages = () => p.tree.getChildren().filter((n): n is Extract<PipelineNode, { kind: 'stage' }> => n.kind === 'stage');
    assert.deepEqual(
      stages().map((n) => [n.status.stage.name, p.tree.getTreeItem(n).description]),
      [
        ['prepare', 'never run'],
        ['train', 'never run'],
      ],
    );
    await vscode.commands.executeCommand('mlops.pipelines.reproduce');
    assert.ok(fs.existsSync(path.join(ws, 'dvc.lock')));
    assert.deepEqual(
      stages().map((n) => p.tree.getTreeItem(n).description),
      ['up to date', 'up to date'],
    );
    const store = await a.store();
    const trainRun = T.getRun(store, p.host.latestRun('train')!);
    assert.equal(trainRun.info.status, 'FINISHED');
    assert.deepEqual(
      trainRun.data.metrics.map((m) => [m.key, m.value]),
      [['acc', 0.75]],
    );
    assert.ok(trainRun.data.tags.some((t) => t.key === 'mlflow.parentRunId'));
    // The watcher: a changed dep marks its stage stale at once, then the status names the dep.
    fs.writeFileSync(path.join(ws, 'pipe', 'raw.txt'), 'raw v2\n');
    await eventually(() => /changed: dep pipe\/raw\.txt/.test(String(p.tree.getTreeItem(stages()[0]).description)), 'prepare to show its changed dep');
    // The graph panel: the webview says ready, gets the layout, and a click opens the stage's dvc.yaml entry.
    await vscode.commands.executeCommand('mlops.pipelines.showDag');
    await eventually(() => p.dag.received.some((m) => m.type === 'ready'), 'the graph webview to load');
    const layout = await eventually(() => p.dag.lastPosted?.layout, 'the graph to be posted');
    assert.deepEqual(
      layout.nodes.map((n) => [n.id, n.layer]),
      [
        ['prepare', 0],
        ['train', 1],
      ],
    );
    assert.deepEqual(
      layout.edges.map((e) => [e.source, e.target]),
      [['prepare', 'train']],
    );
    await p.dag.receive({ type: 'open', stage: 'train' });
    await eventually(() => {
      const ed = vscode.window.visibleTextEditors.find((e) => e.document.uri.fsPath === path.join(ws, 'dvc.yaml'));
      return ed && ed.selection.active.line === 5;
    }, 'dvc.yaml open at the train stage');
    fs.rmSync(path.join(ws, 'dvc.yaml'));
    fs.rmSync(path.join(ws, 'dvc.lock'));
    await vscode.commands.executeCommand('mlops.pipelines.refresh');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });
});
