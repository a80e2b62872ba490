import * as vscode from 'vscode';
import type { ModelVersion, RegisteredModel } from '../../core/registry';
import type { Experiment } from '../../core/tracking';
import { runDescription, runTooltip, summaryOfRun, versionDescription, type RunSummary } from '../../core/views';
import type { DisposableStore } from '../shared/disposables';
import { CommandIds } from '../commandIds';
import { describe, type TeamHost } from './teamHost';
import { keyMetricSetting, RUN_STATUS_ICONS, runPageSize } from '../shared/runItems';

export type TeamNode =
  | { kind: 'models'; count: number }
  | { kind: 'model'; model: RegisteredModel }
  | { kind: 'version'; version: ModelVersion; serverUrl: string }
  | { kind: 'experiment'; experiment: Experiment }
  | { kind: 'run'; run: RunSummary; serverUrl: string }
  | { kind: 'more'; experimentId: string; pageToken: string }
  | { kind: 'message'; text: string };

/**
 * The Team Server view: the experiments and runs of the MLflow server `mlops.tracking.uri` names, newest runs
 * first, a page at a time ("Show more…" follows the server's page token). Refreshes when the server's state
 * changes and on the Refresh button; nothing is reloaded whole.
 */
export class TeamTree implements vscode.TreeDataProvider<TeamNode> {
  private readonly changed = new vscode.EventEmitter<TeamNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  /** Runs loaded so far per experiment, and the token of the next page. */
  private readonly pages = new Map<string, { runs: RunSummary[]; next?: string }>();
  readonly view: vscode.TreeView<TeamNode>;
  private models: RegisteredModel[] = [];
  /** An MLflow search filter the server applies (`metrics.rmse < 0.8 and params.lr = '0.1'`). */
  filter = '';

  constructor(
    private readonly team: TeamHost,
    owner: DisposableStore,
  ) {
    this.view = owner.add(vscode.window.createTreeView('mlops.team', { treeDataProvider: this, canSelectMany: true, showCollapseAll: true }));
    owner.add(this.changed);
    let last = '';
    const timer = setInterval(
      () => void this.poll().catch(() => undefined),
      1000 * Math.max(2, vscode.workspace.getConfiguration('mlops').get<number>('team.pollSeconds', 10)),
    );
    owner.add({ dispose: () => clearInterval(timer) });
    owner.add(
      team.onDidChange(() => {
        // Only a change of state reloads (the poll that finds the server as it was changes nothing).
        const now = `${team.state.kind}:${'url' in team.state ? team.state.url : ''}`;
        if (now !== last) this.refresh();
        last = now;
      }),
    );
  }

  refresh() {
    this.pages.clear();
    const parts = [
      this.team.state.kind === 'online' || this.team.state.kind === 'none' ? '' : describe(this.team.state),
      this.filter && `Filter: ${this.filter}`,
    ];
    this.view.message = parts.filter(Boolean).join(' · ') || undefined;
    void vscode.commands.executeCommand('setContext', 'mlops.teamFiltered', !!this.filter);
    this.changed.fire(undefined);
  }

  setFilter(filter: string) {
    this.filter = filter.trim();
    this.refresh();
  }

  private withFilter(clause?: string): string | undefined {
    // MLflow's filters are AND-only, without parentheses: joining with `and` keeps the meaning.
    return [this.filter, clause].filter(Boolean).join(' and ') || undefined;
  }

  async getChildren(node?: TeamNode): Promise<TeamNode[]> {
    try {
      const b = await this.team.backend();
      if (!b) return [];
      if (!node) {
        const [exps, models] = await Promise.all([b.listExperiments(), b.listRegisteredModels().catch(() => [])]);
        this.models = models;
        const nodes: TeamNode[] = exps.map((experiment) => ({ kind: 'experiment', experiment }));
        if (models.length) nodes.unshift({ kind: 'models', count: models.length });
        return nodes;
      }
      if (node.kind === 'models') return this.models.map((model) => ({ kind: 'model', model }));
      if (node.kind === 'model') return (await b.modelVersions(node.model.name)).map((version) => ({ kind: 'version', version, serverUrl: b.location }));
      if (node.kind !== 'experiment') return [];
      const id = node.experiment.experiment_id;
      let page = this.pages.get(id);
      if (!page) {
        page = { runs: [] };
        await this.loadPage(id, page);
        this.pages.set(id, page);
      }
      const nodes: TeamNode[] = page.runs.map((run) => ({ kind: 'run', run, serverUrl: b.location }));
      if (page.next) nodes.push({ kind: 'more', experimentId: id, pageToken: page.next });
      if (!page.runs.length) nodes.push({ kind: 'message', text: 'No runs yet' });
      return nodes;
    } catch (e) {
      void this.team.check();
      return [{ kind: 'message', text: (e as Error).message }];
    }
  }

  private async loadPage(experimentId: string, page: { runs: RunSummary[]; next?: string }) {
    const b = (await this.team.backend())!;
    const got = await b.searchRuns({
      experimentIds: [experimentId],
      filter: this.withFilter(),
      orderBy: ['attributes.start_time DESC'],
      maxResults: runPageSize(),
      pageToken: page.next,
    });
    page.runs.push(...got.runs.map(summaryOfRun));
    page.next = got.next_page_token || undefined;
  }

  private polling = false;

  /**
   * Live updates without a reload: per experiment shown, the runs started after the newest one listed
   * (`attributes.start_time >=`, those listed dropped), and the listed runs still running, by id (`attributes.run_id IN`). Two small
   * queries per open experiment, whatever the number of runs on the server.
   */
  async poll(): Promise<boolean> {
    if (this.polling || this.team.state.kind !== 'online' || !this.pages.size) return false;
    this.polling = true;
    let changed = false;
    try {
      const b = await this.team.backend();
      if (!b) return false;
      for (const [id, page] of this.pages) {
        const newest = page.runs.reduce((m, r) => Math.max(m, r.start_time), 0);
        const fresh = await b.searchRuns({
          experimentIds: [id],
          filter: this.withFilter(`attributes.start_time >= ${newest}`),
          orderBy: ['attributes.start_time DESC'],
          maxResults: runPageSize(),
        });
        const known = new Set(page.runs.map((r) => r.run_id));
        const added = fresh.runs.map(summaryOfRun).filter((r) => !known.has(r.run_id));
        if (added.length) {
          page.runs.unshift(...added);
          changed = true;
        }
        const live = page.runs.filter((r) => r.status === 'RUNNING' || r.status === 'SCHEDULED').slice(0, 100);
        if (!live.length) continue;
        const got = await b.searchRuns({
          experimentIds: [id],
          filter: `attributes.run_id IN (${live.map((r) => `'${r.run_id}'`).join(', ')})`,
          maxResults: live.length,
        });
        for (const r of got.runs.map(summaryOfRun)) {
          const i = page.runs.findIndex((x) => x.run_id === r.run_id);
          const was = page.runs[i];
          if (was && (was.status !== r.status || JSON.stringify(was.metrics) !== JSON.stringify(r.metrics))) {
            page.runs[i] = r;
            changed = true;
          }
        }
      }
    } finally {
      this.polling = false;
    }
    if (changed) this.changed.fire(undefined);
    return changed;
  }

  /** "Show more…": the next page of an experiment's runs. */
  async showMore(experimentId: string): Promise<void> {
    const page = this.pages.get(experimentId);
    if (!page?.next) return;
    await this.loadPage(experimentId, page);
    this.changed.fire(undefined);
  }

  getTreeItem(node: TeamNode): vscode.TreeItem {
    switch (node.kind) {
      case 'models': {
        const item = new vscode.TreeItem('Registered models', vscode.TreeItemCollapsibleState.Collapsed);
        item.id = 'team-models';
        item.iconPath = new vscode.ThemeIcon('package');
        item.description = String(node.count);
        item.contextValue = 'teamModels';
        return item;
      }
      case 'model': {
        const m = node.model;
        const item = new vscode.TreeItem(m.name, vscode.TreeItemCollapsibleState.Collapsed);
        item.id = `team-model:${m.name}`;
        item.iconPath = new vscode.ThemeIcon('symbol-class');
        item.description = m.aliases.map((a) => `@${a.alias}→v${a.version}`).join(' ');
        item.tooltip = m.description || undefined;
        item.contextValue = 'teamModel';
        return item;
      }
      case 'version': {
        const v = node.version;
        const item = new vscode.TreeItem(`Version ${v.version}`, vscode.TreeItemCollapsibleState.None);
        item.id = `team-version:${v.name}/${v.version}`;
        item.iconPath = new vscode.ThemeIcon(v.aliases.length ? 'star-full' : 'versions');
        item.description = versionDescription(v);
        item.tooltip = `models:/${v.name}/${v.version}${v.run_id ? ` from run ${v.run_id}` : ''}`;
        item.contextValue = `teamVersion${v.run_id ? ';run' : ''}`;
        if (v.run_id) item.command = { command: CommandIds.teamShowRun, title: 'Show Source Run', arguments: [v.run_id] };
        return item;
      }
      case 'experiment': {
        const item = new vscode.TreeItem(node.experiment.name, vscode.TreeItemCollapsibleState.Collapsed);
        item.id = `team-exp:${node.experiment.experiment_id}`;
        item.iconPath = new vscode.ThemeIcon('beaker');
        item.description = `#${node.experiment.experiment_id}`;
        item.contextValue = 'teamExperiment';
        return item;
      }
      case 'run': {
        const r = node.run;
        const item = new vscode.TreeItem(r.run_name, vscode.TreeItemCollapsibleState.None);
        item.id = `team-run:${r.run_id}`;
        item.description = runDescription(r, keyMetricSetting());
        item.tooltip = new vscode.MarkdownString(runTooltip(r));
        item.iconPath = new vscode.ThemeIcon(RUN_STATUS_ICONS[r.status]?.[0] ?? 'circle-outline');
        item.contextValue = `teamRun;${r.status.toLowerCase()}`;
        item.command = { command: CommandIds.teamShowRun, title: 'Show Run', arguments: [node] };
        return item;
      }
      case 'more': {
        const item = new vscode.TreeItem('Show more…', vscode.TreeItemCollapsibleState.None);
        item.command = { command: CommandIds.teamShowMore, title: 'Show more', arguments: [node.experimentId] };
        item.contextValue = 'more';
        return item;
      }
      case 'message': {
        const item = new vscode.TreeItem(node.text, vscode.TreeItemCollapsibleState.None);
        item.contextValue = 'message';
        return item;
      }
    }
  }

  /** The runs a context-menu command acts on: the selection when the clicked run is in it. */
  selectedRuns(node?: TeamNode, nodes?: readonly TeamNode[]): Extract<TeamNode, { kind: 'run' }>[] {
    const all = nodes?.length ? nodes : node ? [node] : this.view.selection;
    return all.filter((n): n is Extract<TeamNode, { kind: 'run' }> => n.kind === 'run');
  }
}
