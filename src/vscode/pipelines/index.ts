import path from 'node:path';
import * as vscode from 'vscode';
import type { CommandRegistry } from '../shared/commandRegistry';
import type { DisposableStore } from '../shared/disposables';
import type { ServerHost } from '../server/serverHost';
import type { StoreHost } from '../server/storeHost';
import { PipelineDagPanel } from './dagPanel';
import { PipelineHost } from './host';
import { PipelinesTree } from './tree';
import { CommandIds } from '../commandIds';

export interface PipelinesParts {
  host: PipelineHost;
  tree: PipelinesTree;
  dag: PipelineDagPanel;
}

async function openStage(host: PipelineHost, name: string): Promise<void> {
  const stage = host.repo()?.stage(name);
  if (!stage) throw new Error(`no stage named '${name}'`);
  const line = Math.max(0, (stage.pos.line ?? 1) - 1);
  const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(stage.dvcFile));
  const pos = new vscode.Position(line, Math.max(0, (stage.pos.col ?? 1) - 1));
  await vscode.window.showTextDocument(doc, { selection: new vscode.Range(pos, pos), viewColumn: vscode.ViewColumn.One });
  const runId = host.latestRun(name);
  if (runId) await vscode.commands.executeCommand(CommandIds.openRun, runId);
}

/** The Pipelines view, its commands, the graph panel and the watcher; called once from the Workbench. */
export function registerPipelines(
  reg: CommandRegistry,
  store: StoreHost,
  servers: ServerHost,
  extensionUri: vscode.Uri,
  output: vscode.LogOutputChannel,
  owner: DisposableStore,
): PipelinesParts {
  const host = new PipelineHost(store.workspace, store, servers, output, owner);
  const tree = new PipelinesTree(host, owner);
  const reproduce = (targets: string[], opts?: { force?: boolean; singleItem?: boolean }) => host.reproduce(targets, opts);
  const dag = new PipelineDagPanel(
    host,
    extensionUri,
    async (m) => {
      if (m.type === 'open') await openStage(host, m.stage);
      if (m.type === 'reproduce') {
        if (!vscode.workspace.isTrusted) return void vscode.window.showWarningMessage('Reproducing stages is not available in Restricted Mode.');
        await reproduce([m.stage]).catch((e) => reg.report('Reproduce Stage', e));
      }
    },
    owner,
  );
  reg.register(CommandIds.pipelinesRefresh, 'Refresh Pipelines', () => host.refresh());
  reg.register(CommandIds.pipelinesReproduce, 'Reproduce Pipeline', () => reproduce([]), { needsTrust: true });
  reg.register(CommandIds.pipelinesReproduceStage, 'Reproduce Stage', (arg?: unknown) => reproduce([tree.stageOf(arg) ?? '']), { needsTrust: true });
  reg.register(
    CommandIds.pipelinesForceReproduceStage,
    'Force Reproduce Stage',
    (arg?: unknown) => reproduce([tree.stageOf(arg) ?? ''], { force: true, singleItem: true }),
    { needsTrust: true },
  );
  reg.register(CommandIds.pipelinesShowDag, 'Show Pipeline Graph', () => dag.show());
  reg.register(CommandIds.pipelinesOpenStage, 'Open Stage', (arg?: unknown) => openStage(host, tree.stageOf(arg) ?? ''));
  // The watcher: any file change under the workspace (outside .git/.dvc/.mlops) marks the stages reading it stale.
  const startWatcher = () => {
    if (!vscode.workspace.isTrusted) return;
    const w = owner.add(vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(store.workspace, '**/*')));
    const on = (uri: vscode.Uri) => {
      const rel = path.relative(store.workspace, uri.fsPath);
      if (/^(\.git|\.dvc|\.mlops|node_modules)([\\/]|$)/.test(rel)) return;
      host.fileChanged(uri.fsPath);
    };
    owner.add(w.onDidChange(on));
    owner.add(w.onDidCreate(on));
    owner.add(w.onDidDelete(on));
  };
  startWatcher();
  owner.add(vscode.workspace.onDidGrantWorkspaceTrust(startWatcher));
  void host.refresh();
  return { host, tree, dag };
}
