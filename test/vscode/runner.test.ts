import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import * as T from '../../src/core/tracking';
import { api, eventually } from './helpers';

describe('running entry points', () => {
  it('lists MLproject entry points as mlproject tasks', async () => {
    const tasks = await vscode.tasks.fetchTasks({ type: 'mlproject' });
    assert.deepEqual(tasks.map((t) => t.name).sort(), ['evaluate', 'main']);
  });

  it('runs a task as a tracked run that finishes with its params and metrics, and starts the tracking server', async () => {
    const a = await api();
    const store = await a.store();
    const before = new Set(store.all<{ run_uuid: string }>('SELECT run_uuid FROM runs').map((r) => r.run_uuid));
    // A task as a user pins it in tasks.json: the provider resolves it with these parameters.
    const task = a.entryPointTask({ project: '.', entryPoint: 'main', parameters: { alpha: '0.2', epochs: 4 } });
    const done = new Promise<number | undefined>((resolve) => {
      const sub = vscode.tasks.onDidEndTaskProcess((e) => {
        if (e.execution.task.name === 'main') {
          sub.dispose();
          resolve(e.exitCode);
        }
      });
      const sub2 = vscode.tasks.onDidEndTask((e) => {
        if (e.execution.task.name === 'main') {
          sub2.dispose();
          resolve(0);
        }
      });
    });
    await vscode.tasks.executeTask(task);
    await done;
    const run = await eventually(
      () => {
        const rows = store.all<{ run_uuid: string; status: string }>('SELECT run_uuid, status FROM runs').filter((r) => !before.has(r.run_uuid));
        return rows.find((r) => r.status === 'FINISHED');
      },
      'the run to finish',
      60_000,
    );
    const r = T.getRun(store, run.run_uuid);
    assert.equal(r.data.params.find((p) => p.key === 'alpha')?.value, '0.2');
    assert.equal(T.getMetricHistory(store, run.run_uuid, 'rmse').steps.length, 4);
    assert.equal(r.data.tags.find((t) => t.key === 'mlflow.project.entryPoint')?.value, 'main');
    assert.match(a.serverInfo()!.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    // Started from the editor: the Experiments view reveals and selects it (its experiment expanded).
    const tree = a.experimentsTree!;
    await eventually(() => tree.view.selection.some((n) => n.kind === 'run' && n.run.run_id === run.run_uuid), 'the run to be revealed in the view');
    // Rerun with the same parameters: the entry point's declared ones (the script also logs `rows` itself).
    assert.equal(r.data.params.find((p) => p.key === 'rows')?.value, '120');
    const seen = new Set(store.all<{ run_uuid: string }>('SELECT run_uuid FROM runs').map((x) => x.run_uuid));
    await vscode.commands.executeCommand('mlops.rerunRun', { kind: 'run', run: tree.findRun(run.run_uuid)!, hasChildren: false });
    const again = await eventually(
      () => {
        const rows = store.all<{ run_uuid: string; status: string }>('SELECT run_uuid, status FROM runs').filter((x) => !seen.has(x.run_uuid));
        return rows.find((x) => x.status === 'FINISHED' || x.status === 'FAILED');
      },
      'the rerun to end',
      60_000,
    );
    assert.equal(again.status, 'FINISHED', 'the rerun is accepted by the entry point');
    const params = (id: string) => Object.fromEntries(T.getRun(store, id).data.params.map((p) => [p.key, p.value]));
    assert.deepEqual(params(again.run_uuid), params(run.run_uuid));
  });
});

describe('MLproject files in the editor', () => {
  it('shows problems as diagnostics on the right line, and code lenses per entry point', async () => {
    const { workspaceDir } = await import('./helpers');
    const fs = await import('node:fs');
    const path = await import('node:path');
    const dir = path.join(workspaceDir(), 'broken');
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, 'MLproject');
    fs.writeFileSync(file, 'name: broken\nentry_points:\n  main:\n    parameters:\n      a: {type: floaty}\n    command: "python x.py {b}"\n');
    const doc = await vscode.workspace.openTextDocument(file);
    await vscode.window.showTextDocument(doc);
    const diags = await eventually(() => {
      const d = vscode.languages.getDiagnostics(doc.uri);
      return d.length >= 2 ? d : undefined;
    }, 'diagnostics');
    assert.ok(
      diags.some((d) => d.range.start.line === 4 && /floaty/.test(d.message)),
      diags.map((d) => `${d.range.start.line}: ${d.message}`).join('\n'),
    );
    assert.ok(diags.some((d) => d.range.start.line === 5 && /\bb\b/.test(d.message)));
    const lenses = (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', doc.uri)) ?? [];
    assert.ok(lenses.some((l) => l.command?.title.includes('Run main')));
  });
});
