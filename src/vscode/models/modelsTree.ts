import * as vscode from 'vscode';
import { listModelVersions, listRegisteredModels, type ModelVersion, type RegisteredModel } from '../../core/registry';
import { versionDescription } from '../../core/views';
import type { DisposableStore } from '../shared/disposables';
import type { StoreHost } from '../server/storeHost';
import { CommandIds } from '../commandIds';
import { escapeMarkdown } from '../../core/markdown';

const tagList = (tags: { key: string; value: string }[]) => tags.map((t) => `${escapeMarkdown(t.key)} = ${escapeMarkdown(t.value)}`).join(' · ');

export type ModelsNode = { kind: 'model'; model: RegisteredModel } | { kind: 'version'; version: ModelVersion };

/** The Models view: registered models, then their versions with aliases, stage, status and source run. */
export class ModelsTree implements vscode.TreeDataProvider<ModelsNode> {
  private readonly changed = new vscode.EventEmitter<ModelsNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private timer: NodeJS.Timeout | undefined;
  readonly view: vscode.TreeView<ModelsNode>;

  constructor(
    private readonly host: StoreHost,
    owner: DisposableStore,
  ) {
    this.view = owner.add(vscode.window.createTreeView('mlops.models', { treeDataProvider: this, canSelectMany: true, showCollapseAll: true }));
    owner.add(this.changed);
    owner.add(
      host.onDidChange((batch) => {
        if (batch && !batch.all && !batch.models.size && !batch.runs.size) return;
        if (this.timer) return;
        this.timer = setTimeout(() => {
          this.timer = undefined;
          this.changed.fire(undefined);
        }, 250);
      }),
    );
    owner.add({ dispose: () => this.timer && clearTimeout(this.timer) });
  }

  refresh() {
    this.changed.fire(undefined);
  }

  getChildren(node?: ModelsNode): ModelsNode[] {
    const store = this.host.store;
    if (!store) return [];
    if (!node) return listRegisteredModels(store).map((model) => ({ kind: 'model', model }));
    if (node.kind === 'model') return listModelVersions(store, node.model.name).map((version) => ({ kind: 'version', version }));
    return [];
  }

  getTreeItem(node: ModelsNode): vscode.TreeItem {
    if (node.kind === 'model') {
      const m = node.model;
      const item = new vscode.TreeItem(m.name, vscode.TreeItemCollapsibleState.Collapsed);
      item.id = `model:${m.name}`;
      item.iconPath = new vscode.ThemeIcon('package');
      const aliases = m.aliases.map((a) => `@${a.alias}→v${a.version}`).join(' ');
      item.description = aliases;
      item.tooltip = new vscode.MarkdownString(
        [`**${escapeMarkdown(m.name)}**`, m.description ? escapeMarkdown(m.description) : '', m.tags.length ? `Tags: ${tagList(m.tags)}` : '']
          .filter(Boolean)
          .join('\n\n'),
      );
      item.contextValue = 'model';
      return item;
    }
    const v = node.version;
    const item = new vscode.TreeItem(`v${v.version}`, vscode.TreeItemCollapsibleState.None);
    item.id = `mv:${v.name}:${v.version}`;
    item.description = versionDescription(v);
    item.iconPath = new vscode.ThemeIcon(
      v.aliases.length ? 'star-full' : v.current_stage === 'Production' ? 'rocket' : v.current_stage === 'Archived' ? 'archive' : 'versions',
    );
    const md = new vscode.MarkdownString(
      [
        `**${escapeMarkdown(v.name)}** version ${v.version}`,
        v.aliases.length ? `Aliases: ${v.aliases.map((a) => escapeMarkdown(`@${a}`)).join(' ')}` : '',
        `Stage: ${v.current_stage} (legacy) · Status: ${v.status}`,
        v.description ? escapeMarkdown(v.description) : '',
        v.tags.length ? `Tags: ${tagList(v.tags)}` : '',
        `Source: ${escapeMarkdown(v.source)}`,
        v.run_id ? `Run: ${escapeMarkdown(v.run_id)}` : '',
        `URI: ${escapeMarkdown(`models:/${v.name}/${v.version}`)}`,
      ]
        .filter(Boolean)
        .join('\n\n'),
    );
    item.tooltip = md;
    item.contextValue = `version${v.run_id ? ';hasRun' : ''}${v.aliases.length ? ';hasAlias' : ''}`;
    item.command = { command: CommandIds.openModelVersion, title: 'Open Model Version', arguments: [node] };
    return item;
  }

  selectedVersions(node?: ModelsNode, nodes?: ModelsNode[]): ModelVersion[] {
    const picked = nodes?.length ? nodes : node ? [node] : [...this.view.selection];
    return picked.filter((n): n is Extract<ModelsNode, { kind: 'version' }> => n.kind === 'version').map((n) => n.version);
  }
}
