import * as vscode from 'vscode';
import { DataRepo, DataWatcher, type DataWatchEvent } from '../../core/data';
import type { CommandRegistry } from '../shared/commandRegistry';
import type { DataHost } from './dataHost';
import type { DataUi } from './dataUi';
import type { DisposableStore } from '../shared/disposables';
import { CommandIds } from '../commandIds';

const NEVER_KEY = 'mlops.data.neverAsk';

/** "data/a.csv changed. Version it?" for one path; several are named in one question. */
export function promptText(paths: Map<string, 'changed' | 'is new'>): string {
  const list = [...paths];
  if (list.length === 1) return `${list[0][0]} ${list[0][1]}. Version it?`;
  const verbs = new Set(list.map(([, v]) => v));
  const what = verbs.size > 1 ? 'changed or are new' : verbs.has('changed') ? 'changed' : 'are new';
  const names =
    list
      .slice(0, 4)
      .map(([p]) => p)
      .join(', ') + (list.length > 4 ? ` and ${list.length - 4} more` : '');
  return `${list.length} data paths ${what}: ${names}. Version them?`;
}

/**
 * Watches versioned data and data folders and asks "data/train.csv changed. Version it?". A question never waits on
 * an older one: paths not answered yet are merged into each new question (one question naming several files), and
 * a late answer to an old toast applies to the paths it named that are still unanswered.
 */
export class DataWatcherPrompt {
  private watcher: DataWatcher | undefined;
  /** Paths asked about and not answered yet (tracked outputs, or new large files), with their verb. */
  private readonly unanswered = new Map<string, 'changed' | 'is new'>();

  constructor(
    private readonly data: DataHost,
    private readonly state: vscode.Memento,
    private readonly output: vscode.LogOutputChannel,
    private readonly ui: DataUi,
    owner: DisposableStore,
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
        // Compared with the window's repository: its stat cache makes the check cheap. A repo without .dvc: none.
        repo: (): DataRepo | undefined => this.data.repo(),
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
  mute<T>(fn: () => PromiseLike<T>): Promise<T> {
    const run = async () => await fn();
    return this.watcher ? this.watcher.muteWhile(run) : run();
  }

  never(): string[] {
    return this.state.get<string[]>(NEVER_KEY, []);
  }

  async setNever(paths: string[]): Promise<void> {
    await this.state.update(NEVER_KEY, [...new Set(paths)].sort());
  }

  private async onEvent(e: DataWatchEvent) {
    this.output.info(`data watcher: ${e.kind} ${e.paths.slice(0, 10).join(', ')}${e.paths.length > 10 ? ', …' : ''}`);
    await this.data.refresh();
    if (e.kind === 'dvc-files-changed') return;
    const never = new Set(this.never());
    const paths = (e.kind === 'tracked-changed' ? (e.outputs ?? e.paths) : e.paths).filter((p) => !never.has(p));
    if (!paths.length) return;
    for (const p of paths) this.unanswered.set(p, e.kind === 'tracked-changed' ? 'changed' : 'is new');
    await this.ask(new Map(this.unanswered));
  }

  /** One question about `asked`; its answer applies to those of them nobody answered meanwhile. */
  private async ask(asked: Map<string, 'changed' | 'is new'>) {
    const one = asked.size === 1;
    const choice = await this.ui.info(promptText(asked), 'Version', 'Show status', 'Not now', one ? 'Never for this file' : 'Never for these files');
    const mine = [...asked.keys()].filter((p) => this.unanswered.has(p));
    if (!mine.length) return;
    for (const p of mine) this.unanswered.delete(p);
    if (choice === 'Version') {
      const abs = mine.map((p) => vscode.Uri.joinPath(vscode.Uri.file(this.data.workspace), p));
      await vscode.commands.executeCommand(CommandIds.dataAdd, abs[0], abs);
    } else if (choice === 'Show status') {
      await vscode.commands.executeCommand(CommandIds.dataStatus);
    } else if (choice?.startsWith('Never')) {
      await this.setNever([...this.never(), ...mine]);
    }
  }
}

/** "Resume Version Prompts…": lists the files answered "Never" and asks again about the ones picked. */
export function registerPromptCommands(reg: CommandRegistry, prompt: DataWatcherPrompt, ui: DataUi) {
  reg.register(CommandIds.dataResumePrompts, 'Resume Version Prompts', async () => {
    const never = prompt.never();
    if (!never.length) return void ui.info('No files are excluded from "Version it?" prompts.');
    const picked = await ui.pickMany('Ask again about these files when they change', never);
    if (!picked?.length) return;
    await prompt.setNever(never.filter((p) => !picked.includes(p)));
    void ui.info(`"Version it?" prompts resumed for ${picked.join(', ')}.`);
  });
}
