import * as vscode from 'vscode';
import { DataWatcher, type DataWatchEvent } from '../../core/data';
import type { DataHost } from './dataHost';
import type { DisposableStore } from '../shared/disposables';
import { CommandIds } from '../commandIds';

const NEVER_KEY = 'mlops.data.neverAsk';

/**
 * Watches versioned data and data folders and asks once per burst of writes:
 * "data/train.csv changed. Version it?" Answers run add or commit with a progress bar.
 */
export class DataWatcherPrompt {
  private watcher: DataWatcher | undefined;
  private asking = false;

  constructor(
    private readonly data: DataHost,
    private readonly state: vscode.Memento,
    private readonly output: vscode.LogOutputChannel,
    private readonly owner: DisposableStore,
  ) {
    owner.add({ dispose: () => void this.watcher?.close() });
    owner.add(vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration('mlops.data') && void this.restart()));
    // Versioning initialized (or first data added) after activation: start watching then.
    owner.add(
      data.onDidChangeStatus(() => {
        if (!this.watcher) void (this.data.initialized && this.start());
        // A newly versioned output (possibly in a new folder) must be watched as tracked from now on.
        else void Promise.resolve(this.watcher.refreshTracked()).catch(() => undefined);
      }),
    );
  }

  private startingWatcher: Promise<void> | undefined;

  start(): Promise<void> {
    if (!this.startingWatcher) this.startingWatcher = this.doStart().finally(() => (this.startingWatcher = undefined));
    return this.startingWatcher;
  }

  private async doStart() {
    if (this.watcher || !this.data.initialized || !vscode.workspace.isTrusted) return;
    const cfg = vscode.workspace.getConfiguration('mlops.data');
    if (!cfg.get<boolean>('watch', true)) return;
    try {
      this.watcher = await DataWatcher.start({
        root: this.data.workspace,
        globs: cfg.get<string[]>('globs', ['data/**']),
        largeFileBytes: cfg.get<number>('largeFileBytes', 1024 * 1024),
        usePolling: cfg.get<boolean>('usePolling', false) || process.env.CHOKIDAR_USEPOLLING === '1',
      });
      this.watcher.onEvent((e) => void this.onEvent(e));
      this.watcher.onError((e) => this.output.warn(`data watcher: ${e.message}`));
      this.output.info(`watching data${this.watcher.isPolling ? ' (polling)' : ''}`);
    } catch (e) {
      this.output.warn(`cannot watch data: ${(e as Error).message}`);
    }
  }

  async restart() {
    await this.watcher?.close();
    this.watcher = undefined;
    await this.start();
  }

  /** Runs our own writes without prompting about them. */
  mute<T>(fn: () => Promise<T>): Promise<T> {
    return this.watcher ? this.watcher.muteWhile(fn) : fn();
  }

  private never(): string[] {
    return this.state.get<string[]>(NEVER_KEY, []);
  }

  private async onEvent(e: DataWatchEvent) {
    if (e.kind === 'dvc-files-changed') {
      await this.data.refresh();
      return;
    }
    await this.data.refresh();
    const paths = (e.kind === 'tracked-changed' ? (e.outputs ?? e.paths) : e.paths).filter((p) => !this.never().includes(p));
    if (!paths.length || this.asking) return;
    this.asking = true;
    try {
      const what = paths.length === 1 ? paths[0] : `${paths[0]} and ${paths.length - 1} more`;
      const verb = e.kind === 'tracked-changed' ? 'changed' : 'is new';
      const choice = await vscode.window.showInformationMessage(`${what} ${verb}. Version it?`, 'Version', 'Show status', 'Not now', 'Never for this file');
      if (choice === 'Version') {
        const abs = paths.map((p) => vscode.Uri.joinPath(vscode.Uri.file(this.data.workspace), p));
        await this.mute(async () => {
          await vscode.commands.executeCommand(CommandIds.dataAdd, abs[0], abs);
        });
      } else if (choice === 'Show status') {
        await vscode.commands.executeCommand(CommandIds.dataStatus);
      } else if (choice === 'Never for this file') {
        await this.state.update(NEVER_KEY, [...new Set([...this.never(), ...paths])]);
      }
    } finally {
      this.asking = false;
    }
  }
}
