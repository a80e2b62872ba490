import path from 'node:path';
import * as vscode from 'vscode';
import type { FileChange, OutputState, OutputStatus, RemoteConfig } from '../../core/data';
import type { DataHost } from './dataHost';
import type { DisposableStore } from '../shared/disposables';
import { escapeMarkdown } from '../../core/markdown';

export type DataNode =
  | { kind: 'output'; status: OutputStatus }
  | { kind: 'change'; output: OutputStatus; change: FileChange }
  | { kind: 'remotes'; remotes: RemoteConfig[] }
  | { kind: 'remote'; remote: RemoteConfig };

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

  constructor(
    private readonly data: DataHost,
    owner: DisposableStore,
  ) {
    this.view = owner.add(vscode.window.createTreeView('mlops.data', { treeDataProvider: this, canSelectMany: true }));
    owner.add(this.changed);
    owner.add(data.onDidChangeStatus(() => this.changed.fire(undefined)));
  }

  getChildren(node?: DataNode): DataNode[] {
    const status = this.data.status;
    if (!status) return [];
    if (!node) {
      const remotes = this.data.repo()?.remotes() ?? [];
      return [...status.outputs.map((s): DataNode => ({ kind: 'output', status: s })), ...(remotes.length ? [{ kind: 'remotes' as const, remotes }] : [])];
    }
    if (node.kind === 'output') return node.status.changes.slice(0, 500).map((change) => ({ kind: 'change', output: node.status, change }));
    if (node.kind === 'remotes') return node.remotes.map((remote) => ({ kind: 'remote', remote }));
    return [];
  }

  /** Needed for reveal(): a changed file's parent is its output, a remote's the Remotes node. */
  getParent(node: DataNode): DataNode | undefined {
    if (node.kind === 'change') return { kind: 'output', status: node.output };
    if (node.kind === 'remote') return { kind: 'remotes', remotes: this.data.repo()?.remotes() ?? [] };
    return undefined;
  }

  getTreeItem(node: DataNode): vscode.TreeItem {
    if (node.kind === 'remotes') {
      const item = new vscode.TreeItem('Remotes', vscode.TreeItemCollapsibleState.Collapsed);
      item.id = 'data:remotes';
      item.description = String(node.remotes.length);
      item.iconPath = new vscode.ThemeIcon('cloud');
      item.contextValue = 'dataRemotes';
      return item;
    }
    if (node.kind === 'remote') return remoteItem(node.remote);
    if (node.kind === 'output') {
      const s = node.status;
      const st = STATE[s.state] ?? STATE.unchanged;
      const item = new vscode.TreeItem(s.output.path, s.changes.length ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
      item.id = `data:${s.output.dvcFile}:${s.output.path}`;
      item.resourceUri = vscode.Uri.file(s.output.abs);
      item.iconPath = new vscode.ThemeIcon(s.output.isDir ? 'folder' : st.icon, st.color ? new vscode.ThemeColor(st.color) : undefined);
      const md5 = s.output.out.md5 ? s.output.out.md5.slice(0, 8) : '';
      item.description = `${st.label}${s.changes.length ? ` · ${s.changes.length} file${s.changes.length === 1 ? '' : 's'} changed` : ''}${md5 ? ` · ${md5}` : ''}`;
      item.tooltip = new vscode.MarkdownString(
        `**${escapeMarkdown(s.output.path)}** — ${st.label}\n\nRecorded in ${escapeMarkdown(s.output.dvcFile)}${s.output.out.md5 ? `\n\nmd5 ${escapeMarkdown(s.output.out.md5)}` : ''}${s.output.out.size !== undefined ? ` · ${s.output.out.size.toLocaleString('en')} bytes` : ''}`,
      );
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

  /**
   * Absolute paths of the outputs a context-menu command was invoked on (the clicked node, or all selected nodes
   * when the click was on one of them). Never the selection by itself: toolbar and palette commands act on all data.
   */
  targets(node?: DataNode, nodes?: DataNode[]): string[] {
    const picked = nodes?.length ? nodes : node ? [node] : [];
    const abs = picked.flatMap((n) => (n.kind === 'output' ? [n.status.output.abs] : n.kind === 'change' ? [n.output.output.abs] : []));
    return [...new Set(abs)];
  }
}

function remoteItem(r: RemoteConfig): vscode.TreeItem {
  const item = new vscode.TreeItem(r.name);
  item.id = `data:remote:${r.name}`;
  item.description = `${r.rawUrl}${r.isDefault ? ' · default' : ''}`;
  item.iconPath = new vscode.ThemeIcon(r.isDefault ? 'star-full' : 'cloud');
  item.tooltip = new vscode.MarkdownString(`**${escapeMarkdown(r.name)}**${r.isDefault ? ' (default remote)' : ''}\n\n${escapeMarkdown(r.url)}`);
  item.contextValue = `dataRemote;${r.isDefault ? 'default' : 'other'}`;
  return item;
}

/**
 * The Explorer badge of versioned data. Up to date shows no badge (only a tooltip); the others use letters that do
 * not collide with each other (git's own letters stand beside ours on the `.dvc` file, not on the git-ignored data).
 */
export function dataDecoration(state: OutputState): { badge?: string; tooltip: string; color?: string } | undefined {
  switch (state) {
    case 'unchanged':
      return { tooltip: 'Versioned data: up to date' };
    case 'modified':
      return { badge: 'M', tooltip: 'Versioned data: modified since it was versioned', color: 'gitDecoration.modifiedResourceForeground' };
    case 'not-in-cache':
      return { badge: '!', tooltip: 'Versioned data: not in the cache (pull it)', color: 'problemsWarningIcon.foreground' };
    case 'deleted':
      return { badge: '✕', tooltip: 'Versioned data: deleted from the workspace', color: 'gitDecoration.deletedResourceForeground' };
    default:
      return undefined;
  }
}

/** Explorer decorations: tracked data shows whether it is up to date, modified or missing from the cache. */
export class DataDecorations implements vscode.FileDecorationProvider {
  private readonly emitter = new vscode.EventEmitter<vscode.Uri[] | undefined>();
  readonly onDidChangeFileDecorations = this.emitter.event;

  constructor(
    private readonly data: DataHost,
    owner: DisposableStore,
  ) {
    owner.add(vscode.window.registerFileDecorationProvider(this));
    owner.add(this.emitter);
    owner.add(data.onDidChangeStatus(() => this.emitter.fire(undefined)));
  }

  provideFileDecoration(uri: vscode.Uri): vscode.FileDecoration | undefined {
    if (uri.scheme !== 'file') return undefined;
    const s = this.data.status?.outputs.find((o) => o.output.abs === uri.fsPath);
    const d = s && dataDecoration(s.state);
    if (!d) return undefined;
    return new vscode.FileDecoration(d.badge, d.tooltip, d.color ? new vscode.ThemeColor(d.color) : undefined);
  }
}
