import fs from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import { withCancellableProgress } from '../shared/progress';
import { RestTracker, StoreTracker, type RunTracker } from '../../core/launch';
import { PipelineRepo, reproduce, type ReproResult, type StageStatus } from '../../core/pipelines';
import * as T from '../../core/tracking';
import type { DisposableStore } from '../shared/disposables';
import type { ServerHost } from '../server/serverHost';
import type { StoreHost } from '../server/storeHost';

/** A status plus what the watcher saw change since it was computed (shown until the next status pass). */
export interface PipelineState {
  statuses: StageStatus[];
  stale: Map<string, string>;
  error?: string;
}

/**
 * The window's pipelines: dvc.yaml/dvc.lock read through the core, the last status, stages marked stale when a
 * file they depend on changes (a status pass follows, debounced), and reproduction as tracked runs.
 */
export class PipelineHost {
  private state: PipelineState = { statuses: [], stale: new Map() };
  private repoCache: PipelineRepo | undefined;
  private computing: Promise<void> | undefined;
  private again = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly emitter = new vscode.EventEmitter<void>();
  readonly onDidChange = this.emitter.event;
  readonly running = new Set<string>();
  /** stage name → the run id of its latest stage run in this window. */
  readonly latestRuns = new Map<string, string>();
  private current: AbortController | undefined;

  constructor(
    readonly workspace: string,
    private readonly store: StoreHost,
    private readonly servers: ServerHost,
    readonly output: vscode.LogOutputChannel,
    private readonly owner: DisposableStore,
  ) {
    owner.add(this.emitter);
    owner.add({ dispose: () => (clearTimeout(this.timer), this.current?.abort()) });
  }

  get snapshot(): PipelineState {
    return this.state;
  }

  get hasPipelines(): boolean {
    return fs.existsSync(path.join(this.workspace, 'dvc.yaml')) && fs.existsSync(path.join(this.workspace, '.dvc'));
  }

  repo(): PipelineRepo | undefined {
    if (!this.hasPipelines) return undefined;
    return (this.repoCache ??= PipelineRepo.open(this.workspace));
  }

  /** dvc.yaml, dvc.lock or a params file changed: read the pipelines again. */
  reload(): void {
    this.repoCache = undefined;
  }

  refresh(): Promise<void> {
    if (this.computing) {
      this.again = true;
      return this.computing;
    }
    this.computing = (async () => {
      await Promise.resolve();
      try {
        do {
          this.again = false;
          this.reload();
          try {
            const repo = this.repo();
            this.state = { statuses: repo ? await repo.status() : [], stale: new Map() };
          } catch (e) {
            this.state = { statuses: [], stale: new Map(), error: (e as Error).message };
          }
        } while (this.again);
        void vscode.commands.executeCommand('setContext', 'mlops.hasPipelines', this.state.statuses.length > 0);
        this.emitter.fire();
      } finally {
        this.computing = undefined;
      }
    })();
    return this.computing;
  }

  /** Marks the stages reading `abs` stale at once and schedules a status pass. */
  fileChanged(abs: string): void {
    const base = path.basename(abs);
    if (base === 'dvc.yaml' || base === 'dvc.lock') return this.schedule();
    const repo = this.repoCache;
    if (!repo) return this.schedule();
    let hit = false;
    for (const s of repo.stages) {
      const dep = s.deps.find((d) => abs === d.abs || abs.startsWith(d.abs + path.sep)) ?? s.params.find((p) => p.abs === abs);
      const out = s.outs.find((o) => abs === o.abs || abs.startsWith(o.abs + path.sep));
      if (!dep && !out) continue;
      if (this.running.size) continue; // a repro in progress writes these; its end refreshes anyway
      hit = true;
      const rel = path.relative(this.workspace, abs).split(path.sep).join('/');
      this.state.stale.set(s.name, `${dep ? 'dep' : 'output'} ${rel} changed`);
    }
    if (hit) {
      this.emitter.fire();
      this.schedule();
    }
  }

  private schedule(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.refresh(), 400);
  }

  private async tracker(): Promise<RunTracker | undefined> {
    const server = await this.servers.ensure();
    if (!server) return undefined;
    const store = this.store.store;
    return store && !store.isReadOnly ? new StoreTracker(store, server) : new RestTracker(server);
  }

  /** Reproduces the pipeline (or the given stages with what they depend on), reporting progress; cancellable. */
  async reproduce(targets: string[], opts: { force?: boolean; singleItem?: boolean } = {}): Promise<ReproResult | undefined> {
    const repo = (this.reload(), this.repo());
    if (!repo) throw new Error('no dvc.yaml with stages in this workspace (and data versioning must be initialized)');
    if (this.current) throw new Error('a pipeline is already being reproduced in this window');
    const tracker = await this.tracker();
    if (!tracker) this.output.warn('no tracking server: stages run without being recorded as runs');
    const ac = (this.current = new AbortController());
    this.output.show(true);
    try {
      return await withCancellableProgress(
        `Reproducing ${targets.length ? targets.join(', ') : 'the pipeline'}`,
        async (progress) => {
          const r = await reproduce(repo, {
            targets,
            force: opts.force,
            singleItem: opts.singleItem,
            signal: ac.signal,
            tracking: tracker && { tracker, workspace: this.workspace },
            onOutput: (stage, chunk) => this.output.info(`[${stage}] ${chunk.replace(/\n$/, '')}`),
            onEvent: (e) => {
              if (e.type === 'stage-start') {
                this.running.add(e.stage);
                progress.report(e.stage);
              } else {
                this.running.delete(e.outcome.stage);
                if (e.outcome.runId) this.latestRuns.set(e.outcome.stage, e.outcome.runId);
              }
              this.emitter.fire();
            },
          });
          const bad = r.outcomes.filter((o) => o.action === 'failed' || o.action === 'killed');
          if (bad.length)
            void vscode.window.showWarningMessage(`MLOps: ${bad.map((o) => `${o.stage} ${o.action}${o.reason ? ` (${o.reason})` : ''}`).join('; ')}`);
          else
            void vscode.window.showInformationMessage(
              `MLOps: ${r.outcomes.filter((o) => o.action === 'ran' || o.action === 'restored').length} stage(s) reproduced, ${r.outcomes.filter((o) => o.action === 'skipped').length} up to date`,
            );
          return r;
        },
        { controller: ac },
      );
    } finally {
      this.current = undefined;
      this.running.clear();
      await this.refresh();
    }
  }

  /** The latest run of a stage: from this window's repro, else the newest run tagged with the stage. */
  latestRun(stage: string): string | undefined {
    const known = this.latestRuns.get(stage);
    if (known) return known;
    const store = this.store.store;
    if (!store) return undefined;
    const ids = T.listExperiments(store).map((e) => e.experiment_id);
    const found = T.searchRuns(store, {
      experiment_ids: ids,
      filter: `tags.\`mlops.pipeline.stage\` = '${stage.replace(/'/g, "\\'")}'`,
      order_by: ['attributes.start_time DESC'],
      max_results: 1,
    }).runs[0];
    return found?.info.run_id;
  }
}
