import fs from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import { DataRepo, type OutputStatus, type RepoStatus } from '../../core/data';
import type { DisposableStore } from '../shared/disposables';

/**
 * The workspace's DVC repository for the window, and its last computed status. Status is recomputed on
 * demand, debounced; the stat cache keeps that cheap when nothing changed.
 */
export class DataHost {
  private repoCache: DataRepo | undefined;
  private last: RepoStatus | undefined;
  private computing: Promise<RepoStatus | undefined> | undefined;
  private again = false;
  private readonly emitter = new vscode.EventEmitter<RepoStatus | undefined>();
  readonly onDidChangeStatus = this.emitter.event;

  constructor(
    readonly workspace: string,
    private readonly output: vscode.LogOutputChannel,
    owner: DisposableStore,
  ) {
    owner.add(this.emitter);
  }

  get initialized(): boolean {
    return fs.existsSync(path.join(this.workspace, '.dvc'));
  }

  repo(): DataRepo | undefined {
    if (!this.initialized) return undefined;
    // Re-read config each time the repo is asked for after an init or config change.
    if (!this.repoCache) this.repoCache = DataRepo.open(this.workspace);
    return this.repoCache;
  }

  requireRepo(): DataRepo {
    const r = this.repo();
    if (!r) throw new Error('data versioning is not initialized in this workspace (run "MLOps: Initialize Data Versioning")');
    return r;
  }

  reset() {
    this.repoCache = undefined;
  }

  get status(): RepoStatus | undefined {
    return this.last;
  }

  statusOf(absPath: string): OutputStatus | undefined {
    return this.last?.outputs.find((o) => absPath === o.output.abs || absPath.startsWith(o.output.abs + path.sep));
  }

  /** Recomputes the status; overlapping requests coalesce into one more pass. */
  refresh(): Promise<RepoStatus | undefined> {
    if (this.computing) {
      this.again = true;
      return this.computing;
    }
    this.computing = (async () => {
      // Yield first: without a repo the loop below never awaits, and the finally block would run before
      // this.computing is even assigned, leaving a settled promise in place for good.
      await Promise.resolve();
      try {
        do {
          this.again = false;
          const repo = this.repo();
          this.last = repo ? await repo.status() : undefined;
        } while (this.again);
        // The Data view's welcome offers Initialize only where there is nothing to initialize.
        void vscode.commands.executeCommand('setContext', 'mlops.data.initialized', this.initialized);
        this.emitter.fire(this.last);
        return this.last;
      } catch (e) {
        this.output.warn(`data status failed: ${(e as Error).message}`);
        return this.last;
      } finally {
        this.computing = undefined;
      }
    })();
    return this.computing;
  }
}
