import * as vscode from 'vscode';
import { countRuns, experimentOfRun, listExperiments, type Experiment } from '../../core/tracking';
import { listRuns, RunIndex, runDescription, runTooltip, type RunListOptions, type RunSummary } from '../../core/views';
import { escapeMarkdown } from '../../core/markdown';
import { artifactChildren, artifactItem, artifactsOf, type ArtifactNode } from './artifactNodes';
import type { DisposableStore } from '../shared/disposables';
import type { StoreHost } from '../server/storeHost';
import { CommandIds } from '../commandIds';
import { keyMetricSetting, RUN_STATUS_ICONS, runPageSize } from '../shared/runItems';

export type ExperimentsNode =
  | { kind: 'experiment'; experiment: Experiment; runCount: number; matching?: number }
  | { kind: 'run'; run: RunSummary; hasChildren: boolean; context?: boolean }
  | { kind: 'more'; experimentId: string; parentRunId?: string; shown: number; total: number }
  | { kind: 'message'; text: string; experimentId: string }
  | ArtifactNode;

/**
 * The Experiments view: experiments, their runs, nested runs under their parent. Children load lazily and
 * page with "Show more…"; the view refreshes from the store's change events, debounced.
 */
export class ExperimentsTree implements vscode.TreeDataProvider<ExperimentsNode> {
  private readonly changed = new vscode.EventEmitter<ExperimentsNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private index: RunIndex | undefined;
  private readonly limits = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  options: RunListOptions = {};
  readonly view: vscode.TreeView<ExperimentsNode>;

  constructor(
    private readonly host: StoreHost,
    owner: DisposableStore,
  ) {
    this.view = owner.add(vscode.window.createTreeView('mlops.experiments', { treeDataProvider: this, canSelectMany: true, showCollapseAll: true }));
    owner.add(this.changed);
    owner.add(
      host.onDidChange((batch) => {
        if (!this.index || !batch || host.store !== this.indexStore) this.index = undefined;
        else this.index.invalidate(batch);
        this.scheduleRefresh();
      }),
    );
    owner.add({ dispose: () => this.timer && clearTimeout(this.timer) });
    owner.add(vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration('mlops') && this.scheduleRefresh()));
    this.updateMessage();
  }

  private indexStore: unknown;
  /** A filter is set and no run of any experiment matches it. */
  private noMatches = false;

  private runIndex(): RunIndex | undefined {
    const store = this.host.store;
    if (!store) return undefined;
    if (!this.index || this.indexStore !== store) {
      this.index = RunIndex.of(store);
      this.indexStore = store;
    }
    return this.index;
  }

  private scheduleRefresh() {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.refresh();
    }, 250);
  }

  refresh() {
    this.updateMessage();
    this.changed.fire(undefined);
  }

  setOptions(opts: RunListOptions) {
    this.options = opts;
    this.limits.clear();
    void vscode.commands.executeCommand('setContext', 'mlops.runsFiltered', !!opts.filter?.trim());
    void vscode.commands.executeCommand('setContext', 'mlops.showingDeletedRuns', !!opts.showDeleted);
    this.refresh();
  }

  private updateMessage() {
    const parts: string[] = [];
    if (this.options.filter?.trim()) parts.push(`Filter: ${this.options.filter.trim()}${this.noMatches ? ' · no runs match' : ''}`);
    if (this.options.sortBy && this.options.sortBy !== 'start_time') {
      parts.push(`sorted by ${this.options.sortBy.replace('metric:', '')} ${this.options.descending === false ? '↑' : '↓'}`);
    }
    if (this.options.showDeleted) parts.push('showing deleted runs');
    if (this.host.readOnly) parts.push('read-only: another window owns the store');
    this.view.message = parts.length ? parts.join(' · ') : undefined;
  }

  getChildren(node?: ExperimentsNode): ExperimentsNode[] {
    const store = this.host.store;
    const index = this.runIndex();
    if (!store || !index) return [];
    if (!node) {
      const exps = listExperiments(store, this.options.showDeleted ? 'ALL' : 'ACTIVE_ONLY');
      // An untouched store (only the empty Default experiment) shows the welcome view instead.
      if (exps.length === 1 && exps[0].experiment_id === '0' && !countRuns(store)) return [];
      const filtered = !!this.options.filter?.trim();
      const nodes: ExperimentsNode[] = exps.map((e) => {
        const all = index.runs(e.experiment_id);
        const runCount = all.filter((r) => r.lifecycle_stage === 'active').length;
        return this.intern({
          kind: 'experiment',
          experiment: e,
          runCount,
          matching: filtered ? listRuns(all, this.options, undefined, 0).matching : undefined,
        });
      });
      this.noMatches = filtered && nodes.every((n) => n.kind === 'experiment' && !n.matching);
      this.updateMessage();
      return nodes;
    }
    if (node.kind === 'experiment') return this.runLevel(index, node.experiment.experiment_id, undefined);
    if (node.kind === 'run') {
      const artifacts = artifactsOf(this.host.workspace, node.run);
      return [...(artifacts ? [artifacts] : []), ...(node.hasChildren ? this.runLevel(index, node.run.experiment_id, node.run.run_id) : [])];
    }
    if (node.kind === 'artifacts' || (node.kind === 'artifact' && node.isDir)) return artifactChildren(node);
    return [];
  }

  private runLevel(index: RunIndex, experimentId: string, parentRunId: string | undefined): ExperimentsNode[] {
    const all = index.runs(experimentId);
    const levelKey = `${experimentId}/${parentRunId ?? ''}`;
    const limit = this.limits.get(levelKey) ?? runPageSize();
    const res = listRuns(all, this.options, parentRunId, limit);
    const out: ExperimentsNode[] = [];
    if (res.error && parentRunId === undefined) out.push({ kind: 'message', text: `Filter error: ${res.error.message}`, experimentId });
    else if (!res.total && parentRunId === undefined && this.options.filter?.trim())
      out.push({ kind: 'message', text: 'No runs match the filter', experimentId });
    out.push(...res.runs.map((run) => this.intern({ kind: 'run', run, hasChildren: res.expandable.has(run.run_id), context: res.context.has(run.run_id) })));
    if (res.total > res.runs.length) out.push({ kind: 'more', experimentId, parentRunId, shown: res.runs.length, total: res.total });
    return out;
  }

  showMore(node: ExperimentsNode) {
    if (node.kind !== 'more') return;
    const key = `${node.experimentId}/${node.parentRunId ?? ''}`;
    this.limits.set(key, node.shown + runPageSize());
    this.changed.fire(undefined);
  }

  getTreeItem(node: ExperimentsNode): vscode.TreeItem {
    switch (node.kind) {
      case 'experiment': {
        const e = node.experiment;
        const item = new vscode.TreeItem(e.name, vscode.TreeItemCollapsibleState.Collapsed);
        item.id = `exp:${e.experiment_id}`;
        const count = node.matching !== undefined ? `${node.matching} of ${node.runCount} match` : `${node.runCount} run${node.runCount === 1 ? '' : 's'}`;
        item.description = `${count}${e.lifecycle_stage === 'deleted' ? ' · deleted' : ''}`;
        item.iconPath = new vscode.ThemeIcon(e.lifecycle_stage === 'deleted' ? 'trash' : 'beaker');
        item.contextValue = `experiment;${e.lifecycle_stage}`;
        item.tooltip = new vscode.MarkdownString(
          `**${escapeMarkdown(e.name)}** (id ${e.experiment_id})\n\n${node.runCount} active runs · created ${new Date(e.creation_time).toISOString().slice(0, 10)}`,
        );
        return item;
      }
      case 'run': {
        const r = node.run;
        const expands = node.hasChildren || !!artifactsOf(this.host.workspace, r);
        const item = new vscode.TreeItem(
          r.run_name || r.run_id.slice(0, 8),
          expands ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None,
        );
        item.id = `run:${r.run_id}`;
        item.description = node.context ? '(does not match)' : runDescription(r, keyMetricSetting());
        const [icon, color] = RUN_STATUS_ICONS[r.status] ?? ['circle-outline', undefined];
        // A parent shown only for its matching children is greyed.
        item.iconPath = new vscode.ThemeIcon(icon, new vscode.ThemeColor(node.context ? 'disabledForeground' : (color ?? 'icon.foreground')));
        item.tooltip = new vscode.MarkdownString(runTooltip(r));
        item.contextValue = `run;${r.lifecycle_stage};${r.status.toLowerCase()}`;
        item.command = { command: CommandIds.openRun, title: 'Open Run', arguments: [node] };
        return item;
      }
      case 'more': {
        const item = new vscode.TreeItem(`Show more… (${node.shown} of ${node.total})`);
        item.id = `more:${node.experimentId}:${node.parentRunId ?? ''}:${node.shown}`;
        item.iconPath = new vscode.ThemeIcon('ellipsis');
        item.command = { command: CommandIds.showMoreRuns, title: 'Show More', arguments: [node] };
        item.contextValue = 'more';
        return item;
      }
      case 'artifacts':
      case 'artifact':
        return artifactItem(node);
      case 'message': {
        const item = new vscode.TreeItem(node.text);
        item.iconPath = new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsWarningIcon.foreground'));
        item.tooltip = node.text;
        item.contextValue = 'message';
        return item;
      }
    }
  }

  getParent(node: ExperimentsNode): ExperimentsNode | undefined {
    if (node.kind !== 'run') return undefined;
    const store = this.host.store;
    const index = this.runIndex();
    if (!store || !index) return undefined;
    if (node.run.parentRunId) {
      const parent = index.get(node.run.parentRunId) ?? index.runs(node.run.experiment_id).find((r) => r.run_id === node.run.parentRunId);
      if (parent) return this.known(`run:${parent.run_id}`) ?? this.intern({ kind: 'run', run: parent, hasChildren: true });
    }
    const exp = listExperiments(store, 'ALL').find((e) => e.experiment_id === node.run.experiment_id);
    return exp ? (this.known(`exp:${exp.experiment_id}`) ?? this.intern({ kind: 'experiment', experiment: exp, runCount: 0 })) : undefined;
  }

  /**
   * Shows a run that was just started: its experiment (and parent) expanded, the run selected, without
   * taking focus from the terminal. The store may lag a moment behind (a follower window): retried briefly.
   */
  async revealRun(runId: string, attempts = 30): Promise<boolean> {
    for (let i = 0; i < attempts; i++) {
      const run = this.findRun(runId);
      if (run) {
        const node = this.known(`run:${runId}`) ?? this.intern({ kind: 'run', run, hasChildren: false });
        try {
          await this.view.reveal(node, { select: true, focus: false, expand: false });
          // A refresh landing at the same moment can drop the selection: check, and reveal again if so.
          await new Promise((r) => setTimeout(r, 300));
          if (this.view.selection.some((n) => n.kind === 'run' && n.run.run_id === runId)) return true;
        } catch {
          // the tree has not rendered the run's level yet
        }
      }
      if (i < attempts - 1) await new Promise((r) => setTimeout(r, 250));
    }
    return false;
  }

  // One object per experiment and run: the view matches the nodes given to reveal() by identity.
  private readonly nodes = new Map<string, ExperimentsNode>();

  private keyOf(n: ExperimentsNode): string | undefined {
    return n.kind === 'experiment' ? `exp:${n.experiment.experiment_id}` : n.kind === 'run' ? `run:${n.run.run_id}` : undefined;
  }

  private known(key: string): ExperimentsNode | undefined {
    return this.nodes.get(key);
  }

  private intern<N extends ExperimentsNode>(fresh: N): N {
    const key = this.keyOf(fresh)!;
    const old = this.nodes.get(key);
    if (!old) {
      this.nodes.set(key, fresh);
      return fresh;
    }
    for (const k of Object.keys(old)) delete (old as Record<string, unknown>)[k];
    return Object.assign(old, fresh) as N;
  }

  /** Runs of the current selection (or the given node), for multi-select commands. */
  selectedRuns(node?: ExperimentsNode, nodes?: ExperimentsNode[]): RunSummary[] {
    const picked = nodes?.length ? nodes : node ? [node] : [...this.view.selection];
    return picked.filter((n): n is Extract<ExperimentsNode, { kind: 'run' }> => n.kind === 'run').map((n) => n.run);
  }

  runsOfExperiment(experimentId: string): RunSummary[] {
    return (
      this.runIndex()
        ?.runs(experimentId)
        .filter((r) => r.lifecycle_stage === 'active') ?? []
    );
  }

  findRun(runId: string): RunSummary | undefined {
    const index = this.runIndex();
    const store = this.host.store;
    if (!index || !store) return undefined;
    const hit = index.get(runId);
    if (hit) return hit;
    const exp = experimentOfRun(store, runId);
    return exp !== undefined ? index.runs(exp).find((r) => r.run_id === runId) : undefined;
  }
}
