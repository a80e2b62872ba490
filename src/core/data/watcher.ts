import { watch, type FSWatcher } from 'chokidar';
import fs from 'node:fs';
import path from 'node:path';
import { collectOutputs } from './collect';
import { compileGlob, globMayContain, type DataGlob } from './glob';
import { DataRepo } from './repo';
import { STORE_DIR } from '../paths';

export interface DataWatcherOptions {
  /** Repo root (the folder holding `.dvc/`). */
  root: string;
  /** Repo-relative globs of data worth versioning; default `data/**`. */
  globs?: string[];
  /** New files under the globs at least this big raise `new-large-file`; default 1 MiB. */
  largeFileBytes?: number;
  /** Quiet time that ends a burst; default 500 ms. */
  debounceMs?: number;
  /** Longest a burst is held before it is reported anyway; default 5 s. */
  maxWaitMs?: number;
  /** A file must stay the same size this long before it counts as written; default 1 s. */
  stabilityMs?: number;
  /** Poll instead of inotify/FSEvents (network drives, containers); switched on by itself when watches run out. */
  usePolling?: boolean;
  pollIntervalMs?: number;
  /** Tracked outputs (repo-relative). Default: read from the `.dvc` files, refreshed when they change. */
  tracked?: () => string[];
  /**
   * The repository whose recorded hashes writes are compared with (an adapter passes its own, sharing its stat
   * cache). Default: the repository at `root`. A tracked output whose content still matches its `.dvc` file (our
   * own checkout, a file saved unchanged, an edit undone) raises no `tracked-changed`.
   */
  repo?: () => DataRepo | undefined;
}

export interface DataWatchEvent {
  /**
   * `tracked-changed`: files inside tracked outputs were written or deleted. `new-large-file`: big untracked files
   * appeared under the data globs. `dvc-files-changed`: `.dvc` files changed (git checkout, pull): refresh views.
   */
  kind: 'tracked-changed' | 'new-large-file' | 'dvc-files-changed';
  /** Repo-relative POSIX paths, sorted. */
  paths: string[];
  /** For `tracked-changed`: the outputs (repo-relative) those paths belong to. */
  outputs?: string[];
}

export interface Disposable {
  dispose(): void;
}

const IGNORED_SEGMENTS = new Set(['.git', 'node_modules', STORE_DIR]);

/**
 * Watches a DVC repository's data for the "Version it?" prompt. It watches folders, not files: only the folders on
 * the way to tracked outputs and data globs are descended, so large unrelated trees cost no inotify watches.
 */
export class DataWatcher {
  private fsw?: FSWatcher;
  private tracked: string[] = [];
  private readonly globs: DataGlob[];
  private listeners = new Set<(e: DataWatchEvent) => void>();
  private errorListeners = new Set<(e: Error) => void>();
  private pending = new Map<DataWatchEvent['kind'], Set<string>>();
  private timer?: NodeJS.Timeout;
  private burstStart = 0;
  private polling: boolean;
  private closed = false;
  private muted = 0;
  private mutedUntil = 0;
  private ownRepo?: DataRepo;
  readonly root: string;

  private constructor(private readonly opts: DataWatcherOptions) {
    this.root = path.resolve(opts.root);
    this.globs = (opts.globs ?? ['data/**']).map(compileGlob);
    this.polling = !!opts.usePolling;
  }

  /** Starts watching; resolves once the initial scan is done (no events are reported for existing files). */
  static async start(opts: DataWatcherOptions): Promise<DataWatcher> {
    const w = new DataWatcher(opts);
    w.refreshTracked();
    await w.open();
    return w;
  }

  get isPolling(): boolean {
    return this.polling;
  }

  onEvent(fn: (e: DataWatchEvent) => void): Disposable {
    this.listeners.add(fn);
    return { dispose: () => this.listeners.delete(fn) };
  }

  onError(fn: (e: Error) => void): Disposable {
    this.errorListeners.add(fn);
    return { dispose: () => this.errorListeners.delete(fn) };
  }

  /**
   * Re-reads the tracked outputs and starts watching new ones. `.dvc` changes are seen by themselves only in watched
   * folders (the root, folders on the way to outputs and data globs); call this after adding an output elsewhere.
   */
  refreshTracked(): void {
    const before = new Set(this.tracked);
    try {
      this.tracked = this.opts.tracked ? this.opts.tracked() : collectOutputs(this.root).outputs.map((o) => o.path);
    } catch (e) {
      this.emitError(e as Error);
      return;
    }
    const added = this.tracked.filter((t) => !before.has(t));
    if (this.fsw && added.length) this.watchNew(added);
  }

  /**
   * Folders pruned before they held tracked data are not watched; add the topmost unwatched one on the way to each new
   * output. Re-adding an already watched path would make chokidar drop its watch, so those are skipped.
   */
  private watchNew(outputs: string[]): void {
    if (!this.fsw) return;
    const watched = new Set(Object.keys(this.fsw.getWatched()).map((d) => this.rel(d)));
    const add = new Set<string>();
    for (const t of outputs) {
      const segs = t.split('/');
      for (let i = 1; i <= segs.length; i++) {
        const sub = segs.slice(0, i).join('/');
        if (watched.has(sub)) continue;
        const abs = path.join(this.root, sub);
        if (fs.existsSync(abs) && fs.statSync(abs).isDirectory()) add.add(abs);
        break;
      }
    }
    if (add.size) this.fsw.add([...add]);
  }

  /**
   * Runs our own writes (checkout, pull, commit) without prompting the user about them: events seen while `fn` runs
   * are dropped; until they have had time to settle afterwards, new files are ignored and tracked writes are reported
   * only when their content differs from the `.dvc` record (which our own writes never do).
   */
  async muteWhile<T>(fn: () => Promise<T>): Promise<T> {
    this.muted++;
    try {
      return await fn();
    } finally {
      this.muted--;
      const settle = (this.opts.stabilityMs ?? 1000) + (this.opts.debounceMs ?? 500) + 200;
      this.mutedUntil = Math.max(this.mutedUntil, Date.now() + settle);
    }
  }

  /** Repo-relative folders currently watched (one inotify watch each unless polling). */
  watchedFolders(): string[] {
    if (!this.fsw) return [];
    return Object.keys(this.fsw.getWatched())
      .map((d) => this.rel(d))
      .filter((d) => !d.startsWith('..'))
      .sort();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    this.pending.clear();
    const w = this.fsw;
    this.fsw = undefined;
    await w?.close();
  }

  private rel(abs: string): string {
    return path.relative(this.root, abs).split(path.sep).join('/');
  }

  private trackedOwner(rel: string): string | undefined {
    return this.tracked.find((t) => rel === t || rel.startsWith(t + '/'));
  }

  private inGlobs(rel: string): boolean {
    return this.globs.some((g) => g.re.test(rel));
  }

  /** chokidar's ignore test: prune everything that cannot lead to tracked data, a data glob or a `.dvc` file. */
  private ignored = (abs: string, stats?: fs.Stats): boolean => {
    const rel = this.rel(abs);
    if (!rel) return false;
    if (rel.startsWith('..')) return true;
    const segs = rel.split('/');
    if (segs.some((s) => IGNORED_SEGMENTS.has(s)) || segs[0] === '.dvc') return true;
    if (this.trackedOwner(rel)) return false;
    if (this.tracked.some((t) => t.startsWith(rel + '/'))) return false;
    const isFile = stats ? !stats.isDirectory() : undefined;
    if (isFile !== false && rel.endsWith('.dvc')) return false;
    if (isFile === true) return !this.inGlobs(rel);
    return !this.globs.some((g) => globMayContain(g, rel));
  };

  private async open(): Promise<void> {
    const fsw = watch(this.root, {
      ignored: this.ignored,
      ignoreInitial: true,
      persistent: true,
      followSymlinks: false,
      usePolling: this.polling,
      interval: this.opts.pollIntervalMs ?? 1000,
      binaryInterval: this.opts.pollIntervalMs ?? 1000,
      awaitWriteFinish: { stabilityThreshold: this.opts.stabilityMs ?? 1000, pollInterval: Math.min(100, this.opts.stabilityMs ?? 1000) },
      atomic: true,
    });
    this.fsw = fsw;
    fsw.on('all', (event, p, stats) => this.handle(event, p, stats));
    fsw.on('error', (e) => this.handleError(e as Error));
    await new Promise<void>((resolve) => fsw.once('ready', () => resolve()));
  }

  private handleError(e: Error): void {
    const code = (e as NodeJS.ErrnoException).code;
    if (!this.polling && !this.closed && (code === 'ENOSPC' || code === 'EMFILE')) {
      // Out of inotify watches or descriptors: keep working by polling rather than going blind.
      this.polling = true;
      const old = this.fsw;
      this.fsw = undefined;
      void old?.close().then(() => (this.closed ? undefined : this.open()));
    }
    this.emitError(e);
  }

  private emitError(e: Error): void {
    for (const fn of this.errorListeners) fn(e);
  }

  private handle(event: string, abs: string, stats?: fs.Stats): void {
    if (this.closed) return;
    const rel = this.rel(abs);
    if (!rel || this.ignored(abs, stats)) return;
    // While our own writes run, nothing is reported; in the settling time after them, a write to tracked data still
    // is when its content differs from the record (ours never do: a user's edit right after a pull is not lost).
    if (this.muted > 0 && !rel.endsWith('.dvc')) return;
    if (Date.now() < this.mutedUntil && !rel.endsWith('.dvc') && !this.trackedOwner(rel)) return;
    const isFileEvent = event === 'add' || event === 'change' || event === 'unlink';
    if (isFileEvent && rel.endsWith('.dvc') && !this.trackedOwner(rel)) {
      this.refreshTracked();
      return this.queue('dvc-files-changed', rel);
    }
    if (this.trackedOwner(rel)) {
      if (event === 'addDir') return;
      return this.queue('tracked-changed', rel);
    }
    if (event === 'add' && this.inGlobs(rel)) {
      let size = stats?.size;
      if (size === undefined) {
        try {
          size = fs.statSync(abs).size;
        } catch {
          return;
        }
      }
      if (size >= (this.opts.largeFileBytes ?? 1 << 20)) this.queue('new-large-file', rel);
    }
  }

  private queue(kind: DataWatchEvent['kind'], rel: string): void {
    let set = this.pending.get(kind);
    if (!set) this.pending.set(kind, (set = new Set()));
    set.add(rel);
    const now = Date.now();
    if (!this.timer) this.burstStart = now;
    clearTimeout(this.timer);
    const maxWait = this.opts.maxWaitMs ?? 5000;
    const wait = Math.max(0, Math.min(this.opts.debounceMs ?? 500, this.burstStart + maxWait - now));
    this.timer = setTimeout(() => this.flush(), wait);
  }

  private flush(): void {
    this.timer = undefined;
    const pending = this.pending;
    this.pending = new Map();
    for (const kind of ['dvc-files-changed', 'tracked-changed', 'new-large-file'] as const) {
      const set = pending.get(kind);
      if (!set?.size) continue;
      const paths = [...set].sort();
      if (kind === 'tracked-changed') void this.flushTracked(paths);
      else this.emit({ kind, paths });
    }
  }

  private emit(e: DataWatchEvent): void {
    if (this.closed) return;
    for (const fn of this.listeners) fn(e);
  }

  /** Reports the written paths of outputs whose content no longer matches what their `.dvc` file records. */
  private async flushTracked(paths: string[]): Promise<void> {
    const owners = [...new Set(paths.map((p) => this.trackedOwner(p)!).filter(Boolean))].sort();
    const changed = await this.differFromRecord(owners);
    const kept = paths.filter((p) => changed.has(this.trackedOwner(p)!));
    if (kept.length) this.emit({ kind: 'tracked-changed', paths: kept, outputs: owners.filter((o) => changed.has(o)) });
  }

  /** The outputs among `outputs` whose workspace content differs from the recorded hash (or that are gone). */
  private async differFromRecord(outputs: string[]): Promise<Set<string>> {
    try {
      const repo = this.opts.repo?.() ?? (this.ownRepo ??= DataRepo.open(this.root));
      const st = await repo.status(outputs.map((o) => path.join(this.root, o)));
      return new Set(st.outputs.filter((s) => s.state !== 'unchanged' && s.state !== 'not-in-cache').map((s) => s.output.path));
    } catch (e) {
      // When the comparison itself fails (a .dvc file being rewritten), asking is the safe side.
      this.emitError(e as Error);
      return new Set(outputs);
    }
  }
}
