import path from 'node:path';
import * as vscode from 'vscode';
import type { FileChange, OutputStatus } from '../../core/data';
import type { DataHost } from './dataHost';
import type { DisposableStore } from '../shared/disposables';

export type DataNode = { kind: 'output'; status: OutputStatus } | { kind: 'change'; output: OutputStatus; change: FileChange };

const STATE: Record<string, { icon: string; color?: string; label: string }> = {
  unchanged: { icon: 'pass', color: 'testing.iconPassed', label: 'up to date' },
  modified: { icon: 'diff-modified', color: 'gitDecoration.modifiedResourceForeground', label: 'modified' },
  new: { icon: 'diff-added', color: 'gitDecoration.untrackedResourceForeground', label: 'not versioned yet' },
  deleted: { icon: 'diff-removed', color: 'gitDecoration.deletedResourceForeground', label: 'deleted from the workspace' },
  'not-in-cache': { icon: 'warning', color: 'problemsWarningIcon.foreground', label: 'not in cache (pull it)' },
};

/** The Data view: tracked files and folders with their status; a folder lists which files changed. */
export class DataTree implements vscode.TreeDataProvider<DataNode> {
  private readonly changed = new vscode.EventEmitter<DataNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  readonly view: vscode.TreeView<DataNode>;

  constructor(private readonly data: DataHost, owner: DisposableStore) {
    this.view = owner.add(vscode.window.createTreeView('mlops.data', { treeDataProvider: this, canSelectMany: true }));
    owner.add(this.changed);
    owner.add(data.onDidChangeStatus(() => this.changed.fire(undefined)));
  }

  getChildren(node?: DataNode): DataNode[] {
    const status = this.data.status;
    if (!status) return [];
    if (!node) return status.outputs.map((s) => ({ kind: 'output', status: s }));
    if (node.kind === 'output') return node.status.changes.slice(0, 500).map((change) => ({ kind: 'change', output: node.status, change }));
    return [];
  }

  getTreeItem(node: DataNode): vscode.TreeItem {
    if (node.kind === 'output') {
      const s = node.status;
      const st = STATE[s.state] ?? STATE.unchanged;
      const item = new vscode.TreeItem(s.output.path, s.changes.length ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
      item.id = `data:${s.output.dvcFile}:${s.output.path}`;
      item.resourceUri = vscode.Uri.file(s.output.abs);
      item.iconPath = new vscode.ThemeIcon(s.output.isDir ? 'folder' : st.icon, st.color ? new vscode.ThemeColor(st.color) : undefined);
      const md5 = s.output.out.md5 ? s.output.out.md5.slice(0, 8) : '';
      item.description = `${st.label}${s.changes.length ? ` · ${s.changes.length} file${s.changes.length === 1 ? '' : 's'} changed` : ''}${md5 ? ` · ${md5}` : ''}`;
      item.tooltip = new vscode.MarkdownString(`**${s.output.path}** — ${st.label}\n\nRecorded in \`${s.output.dvcFile}\`${s.output.out.md5 ? `\n\nmd5 \`${s.output.out.md5}\`` : ''}${s.output.out.size !== undefined ? ` · ${s.output.out.size.toLocaleString('en')} bytes` : ''}`);
      item.contextValue = `dataOutput;${s.state}`;
      if (!s.output.isDir) item.command = { command: 'vscode.open', title: 'Open', arguments: [vscode.Uri.file(s.output.abs)] };
      return item;
    }
    const c = node.change;
    const item = new vscode.TreeItem(c.relpath);
    item.description = c.change;
    item.iconPath = new vscode.ThemeIcon(c.change === 'added' ? 'diff-added' : c.change === 'deleted' ? 'diff-removed' : 'diff-modified');
    const abs = path.join(node.output.output.abs, c.relpath);
    item.resourceUri = vscode.Uri.file(abs);
    if (c.change !== 'deleted') item.command = { command: 'vscode.open', title: 'Open', arguments: [vscode.Uri.file(abs)] };
    item.contextValue = 'dataChange';
    return item;
  }

  /** Absolute paths of the selected outputs (or the given node). */
  targets(node?: DataNode, nodes?: DataNode[]): string[] {
    const picked = nodes?.length ? nodes : node ? [node] : [...this.view.selection];
    return [...new Set(picked.map((n) => (n.kind === 'output' ? n.status.output.abs : n.output.output.abs)))];
  }
}

/** Explorer decorations: tracked data shows whether it is up to date, modified or missing from the cache. */
export class DataDecorations implements vscode.FileDecorationProvider {
  private readonly emitter = new vscode.EventEmitter<vscode.Uri[] | undefined>();
  readonly onDidChangeFileDecorations = this.emitter.event;

  constructor(private readonly data: DataHost, owner: DisposableStore) {
    owner.add(vscode.window.registerFileDecorationProvider(this));
    owner.add(this.emitter);
    owner.add(data.onDidChangeStatus(() => this.emitter.fire(undefined)));
  }

  provideFileDecoration(uri: vscode.Uri): vscode.FileDecoration | undefined {
    if (uri.scheme !== 'file') return undefined;
    const s = this.data.status?.outputs.find((o) => o.output.abs === uri.fsPath);
    if (!s) return undefined;
    switch (s.state) {
      case 'unchanged':
        return new vscode.FileDecoration('D', 'Versioned data: up to date');
      case 'modified':
        return new vscode.FileDecoration('M', 'Versioned data: modified since it was versioned', new vscode.ThemeColor('gitDecoration.modifiedResourceForeground'));
      case 'not-in-cache':
        return new vscode.FileDecoration('!', 'Versioned data: not in the cache (pull it)', new vscode.ThemeColor('problemsWarningIcon.foreground'));
      case 'deleted':
        return new vscode.FileDecoration('D', 'Versioned data: deleted from the workspace', new vscode.ThemeColor('gitDecoration.deletedResourceForeground'));
      default:
        return undefined;
    }
  }
}
