import fs from 'node:fs';
import path from 'node:path';
import { GitRepo } from '../git';
import { addOutput, type AddResult } from './add';
import { checkoutOutputs, type CheckoutOptions, type CheckoutResult } from './checkout';
import { collectOutputs, type Collected, type TrackedOutput } from './collect';
import { commitOutput, type CommitResult } from './commit';
import { DvcConfig, type RemoteConfig } from './config';
import { DvcIgnore } from './dvcignore';
import { FolderSummaries } from './folderSummary';
import { MissingObjects, OutputNotFound } from './errors';
import { sharedHashPool, type HashPool } from './hashPool';
import { findRepoRoot, initRepo } from './init';
import { ObjectDb } from './objectDb';
import type { OpOptions, RepoParts } from './parts';
import { openRemote, type RemoteStorage } from './remote';
import { StatCache } from './statCache';
import { outputStatus, type OutputStatus } from './status';
import { beginCacheWrite } from './writers';
import { fetchObjects, pushObjects, remoteStatus, type RemoteOutputStatus, type TransferResult } from './transfer';

export interface OpenOptions {
  /**
   * Where the stat cache lives; default `.dvc/tmp/mlops-hashes.json` (folder summaries beside it,
   * `mlops-hashes.folders.json`). `false` keeps both in memory only.
   */
  statCacheFile?: string | false;
  pool?: HashPool;
}

export interface RepoStatus {
  outputs: OutputStatus[];
  /** `.dvc` files that could not be read; the rest of the status is still reported. */
  invalid: { file: string; message: string }[];
}

export interface TransferOptions extends OpOptions {
  /** Remote name; default: each output's `remote:`, else `core.remote`. */
  remote?: string;
  /** Parallel transfers (`dvc push -j`); default: the remote's `jobs`, else 4 per CPU for S3 (DVC's default). */
  jobs?: number;
}

export interface PullResult extends TransferResult {
  checkout: CheckoutResult;
}

/**
 * A DVC repository on disk: the entry point for every data operation. Targets are paths (absolute, or relative to the
 * process cwd) of outputs, their `.dvc` files, or folders holding outputs; no targets means every tracked output.
 */
export class DataRepo implements RepoParts {
  readonly dvcDir: string;
  readonly config: DvcConfig;
  readonly cache: ObjectDb;
  readonly statCache: StatCache;
  readonly pool: HashPool;
  readonly dvcignore: DvcIgnore;
  readonly folders: FolderSummaries;

  private constructor(
    readonly root: string,
    opts: OpenOptions,
  ) {
    this.dvcDir = path.join(root, '.dvc');
    this.config = DvcConfig.load(this.dvcDir);
    this.cache = new ObjectDb(this.config.cacheDir());
    const scFile = opts.statCacheFile === false ? undefined : (opts.statCacheFile ?? path.join(this.dvcDir, 'tmp', 'mlops-hashes.json'));
    this.statCache = StatCache.load(scFile);
    this.folders = new FolderSummaries(scFile && scFile.replace(/(\.json)?$/, '.folders.json'));
    this.pool = opts.pool ?? sharedHashPool();
    this.dvcignore = new DvcIgnore(root);
  }

  /** Opens the repository containing `dir` (searching upward for `.dvc/`). */
  static open(dir: string, opts: OpenOptions = {}): DataRepo {
    return new DataRepo(findRepoRoot(dir), opts);
  }

  /** `dvc init` in `dir` (an existing repository is reused as it is), then opens it. */
  static init(dir: string, opts: OpenOptions = {}): { repo: DataRepo; created: boolean; files: string[] } {
    const r = initRepo(dir);
    return { repo: new DataRepo(r.root, opts), created: r.created, files: r.files };
  }

  /** Every output of every `.dvc` file, plus the files that could not be parsed. */
  collect(): Collected {
    return collectOutputs(this.root);
  }

  outputs(): TrackedOutput[] {
    return this.collect().outputs;
  }

  /** The tracked output a workspace path belongs to (the output itself or a file inside a tracked folder). */
  outputFor(p: string): TrackedOutput | undefined {
    const abs = path.resolve(p);
    return this.outputs().find((o) => o.abs === abs || abs.startsWith(o.abs + path.sep) || o.dvcFileAbs === abs);
  }

  private select(targets: string[] | undefined): TrackedOutput[] {
    const all = this.outputs();
    if (!targets?.length) return all;
    return targets.flatMap((t) => {
      const abs = path.resolve(t);
      let hit = all.filter((o) => o.abs === abs || o.dvcFileAbs === abs || o.dvcFileAbs === abs + '.dvc');
      // A folder that is not itself an output selects the outputs inside it (DVC's --recursive).
      if (!hit.length) hit = all.filter((o) => o.abs.startsWith(abs + path.sep) || abs === this.root);
      if (!hit.length) throw new OutputNotFound(t, 'is not a tracked output, a .dvc file, or a folder holding any');
      return hit;
    });
  }

  async status(targets?: string[], opts: OpOptions = {}): Promise<RepoStatus> {
    const c = this.collect();
    const outs = targets?.length ? this.select(targets) : c.outputs;
    try {
      const outputs: OutputStatus[] = [];
      for (const o of outs) outputs.push(await outputStatus(this, o, opts));
      return { outputs, invalid: c.invalid.map((e) => ({ file: e.file, message: e.message })) };
    } finally {
      this.flush();
    }
  }

  async add(targets: string[], opts: OpOptions = {}): Promise<AddResult[]> {
    const out: AddResult[] = [];
    const git = await GitRepo.tryOpen(this.root);
    const end = beginCacheWrite(this.dvcDir, this.cache);
    try {
      for (const t of targets) out.push(await addOutput(this, t, this.outputs(), opts, git));
    } finally {
      end();
      this.flush();
    }
    return out;
  }

  async commit(targets?: string[], opts: OpOptions = {}): Promise<CommitResult[]> {
    const out: CommitResult[] = [];
    const end = beginCacheWrite(this.dvcDir, this.cache);
    try {
      for (const o of this.select(targets)) if (fs.existsSync(o.abs)) out.push(await commitOutput(this, o, opts));
    } finally {
      end();
      this.flush();
    }
    return out;
  }

  async checkout(targets?: string[], opts: CheckoutOptions = {}): Promise<CheckoutResult> {
    try {
      return await checkoutOutputs(this, this.select(targets), opts);
    } finally {
      this.flush();
    }
  }

  remotes(): RemoteConfig[] {
    return this.config.remotes();
  }

  addRemote(name: string, url: string, opts: { makeDefault?: boolean; local?: boolean; cwd?: string } = {}): void {
    this.config.setRemote(name, url, opts);
  }

  /** The storage behind a configured remote (default remote when no name). */
  remoteStorage(name?: string, jobs?: number): RemoteStorage {
    const cfg = this.config.remote(name);
    return openRemote(jobs ? { ...cfg, options: { ...cfg.options, jobs: String(jobs) } } : cfg);
  }

  /** Groups outputs by the remote they go to: explicit option, the output's `remote:`, then `core.remote`. */
  private byRemote(outputs: TrackedOutput[], name?: string): Map<string | undefined, TrackedOutput[]> {
    const groups = new Map<string | undefined, TrackedOutput[]>();
    for (const o of outputs) {
      const r = name ?? o.out.remote;
      const g = groups.get(r);
      if (g) g.push(o);
      else groups.set(r, [o]);
    }
    return groups;
  }

  private async transfer(move: typeof pushObjects, targets: string[] | undefined, opts: TransferOptions): Promise<TransferResult> {
    const total: TransferResult = { transferred: 0, bytes: 0, skipped: 0, missing: [] };
    for (const [name, outs] of this.byRemote(this.select(targets), opts.remote)) {
      const r = await move(this.cache, this.remoteStorage(name, opts.jobs), outs, opts);
      total.transferred += r.transferred;
      total.bytes += r.bytes;
      total.skipped += r.skipped;
      total.missing.push(...r.missing);
    }
    return total;
  }

  push(targets?: string[], opts: TransferOptions = {}): Promise<TransferResult> {
    return this.transfer(pushObjects, targets, opts);
  }

  async fetch(targets?: string[], opts: TransferOptions = {}): Promise<TransferResult> {
    const end = beginCacheWrite(this.dvcDir, this.cache);
    try {
      return await this.transfer(fetchObjects, targets, opts);
    } finally {
      end();
    }
  }

  /** Per output, how many objects the remote and the cache lack (`dvc status -c`). */
  async remoteStatus(targets?: string[], opts: TransferOptions = {}): Promise<RemoteOutputStatus[]> {
    const out: RemoteOutputStatus[] = [];
    for (const [name, outs] of this.byRemote(this.select(targets), opts.remote)) {
      out.push(...(await remoteStatus(this.cache, this.remoteStorage(name), outs, opts)));
    }
    return out.sort((a, b) => (a.output.path < b.output.path ? -1 : a.output.path > b.output.path ? 1 : 0));
  }

  /** fetch, then checkout. Objects missing from the remote fail the pull after the rest is checked out. */
  async pull(targets?: string[], opts: TransferOptions & { force?: boolean } = {}): Promise<PullResult> {
    const fetched = await this.fetch(targets, opts);
    const checkout = await this.checkout(targets, opts);
    if (fetched.missing.length) throw new MissingObjects([...new Set(fetched.missing.map((m) => m.oid))], 'the remote');
    return { ...fetched, checkout };
  }

  /** Persists the stat cache. Operations call it themselves; call it after using the parts directly. */
  flush(): void {
    this.statCache.save();
    this.folders.save();
  }
}
