import * as vscode from 'vscode';
import { describeChange, type StageStatus } from '../../core/pipelines';
import type { DisposableStore } from '../shared/disposables';
import type { PipelineHost } from './host';
import { CommandIds } from '../commandIds';

export type PipelineNode = { kind: 'stage'; status: StageStatus } | { kind: 'change'; stage: string; text: string } | { kind: 'error'; message: string };

const STATE: Record<string, { icon: string; color?: string; label: string }> = {
  'up-to-date': { icon: 'pass', color: 'testing.iconPassed', label: 'up to date' },
  changed: { icon: 'diff-modified', color: 'gitDecoration.modifiedResourceForeground', label: 'changed' },
  'never-run': { icon: 'circle-outline', label: 'never run' },
  frozen: { icon: 'lock', label: 'frozen' },
  stale: { icon: 'clock', color: 'gitDecoration.modifiedResourceForeground', label: 'changed' },
  running: { icon: 'sync~spin', label: 'running' },
};

/** The Pipelines view: dvc.yaml stages in dependency order with their status and what changed. */
export class PipelinesTree implements vscode.TreeDataProvider<PipelineNode> {
  private readonly changed = new vscode.EventEmitter<PipelineNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  readonly view: vscode.TreeView<PipelineNode>;

  constructor(
    private readonly host: PipelineHost,
    owner: DisposableStore,
  ) {
    this.view = owner.add(vscode.window.createTreeView('mlops.pipelines', { treeDataProvider: this }));
    owner.add(this.changed);
    owner.add(host.onDidChange(() => this.changed.fire(undefined)));
  }

  private stateOf(s: StageStatus): string {
    if (this.host.running.has(s.stage.name)) return 'running';
    if (this.host.snapshot.stale.has(s.stage.name)) return 'stale';
    return s.state;
  }

  private changes(s: StageStatus): string[] {
    const stale = this.host.snapshot.stale.get(s.stage.name);
    return stale ? [stale] : s.changes.map(describeChange);
  }

  getChildren(node?: PipelineNode): PipelineNode[] {
    const snap = this.host.snapshot;
    if (!node) {
      if (snap.error) return [{ kind: 'error', message: snap.error }];
      return snap.statuses.map((status) => ({ kind: 'stage', status }));
    }
    if (node.kind === 'stage') return this.changes(node.status).map((text) => ({ kind: 'change', stage: node.status.stage.name, text }));
    return [];
  }

  getTreeItem(node: PipelineNode): vscode.TreeItem {
    if (node.kind === 'error') {
      const item = new vscode.TreeItem(node.message);
      item.iconPath = new vscode.ThemeIcon('error', new vscode.ThemeColor('problemsErrorIcon.foreground'));
      item.tooltip = node.message;
      return item;
    }
    if (node.kind === 'change') {
      const item = new vscode.TreeItem(node.text);
      item.iconPath = new vscode.ThemeIcon('debug-stackframe-dot');
      item.contextValue = 'pipelineChange';
      return item;
    }
    const s = node.status;
    const state = this.stateOf(s);
    const st = STATE[state] ?? STATE['up-to-date'];
    const changes = this.changes(s);
    const item = new vscode.TreeItem(s.stage.name, changes.length ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
    item.id = `pipeline:${s.stage.name}`;
    item.iconPath = new vscode.ThemeIcon(st.icon, st.color ? new vscode.ThemeColor(st.color) : undefined);
    item.description =
      changes.length && state !== 'never-run' ? `${st.label}: ${changes[0]}${changes.length > 1 ? ` (+${changes.length - 1})` : ''}` : st.label;
    const md = new vscode.MarkdownString();
    md.appendMarkdown(`**${s.stage.name}**: ${st.label}\n\n`);
    md.appendCodeblock(Array.isArray(s.stage.cmd) ? s.stage.cmd.join('\n') : s.stage.cmd, 'sh');
    for (const c of changes) md.appendText(`• ${c}\n`);
    item.tooltip = md;
    item.contextValue = `pipelineStage;${state}`;
    item.command = { command: CommandIds.pipelinesOpenStage, title: 'Open Stage', arguments: [s.stage.name] };
    return item;
  }

  /** The stage a command was invoked on (tree item, or the selection). */
  stageOf(arg: unknown): string | undefined {
    if (typeof arg === 'string') return arg;
    const n = (arg as PipelineNode | undefined) ?? this.view.selection[0];
    if (!n) return undefined;
    return n.kind === 'stage' ? n.status.stage.name : n.kind === 'change' ? n.stage : undefined;
  }
}
