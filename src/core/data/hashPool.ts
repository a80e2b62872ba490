import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { Aborted } from './errors';
import { WORKER_SOURCE } from './hashWorker';
import type { DirResult } from './scanDir';

interface Reply {
  id: number;
  md5?: string;
  size?: number;
  md5s?: string[];
  sizes?: number[];
  aborted?: boolean;
  error?: string;
  code?: string;
  index?: number;
  results?: DirResult[];
}

interface Job {
  id: number;
  what: string;
  slot: Slot;
  cancel: Int32Array;
  resolve: (r: Reply) => void;
  reject: (e: Error) => void;
  signal?: AbortSignal;
}

interface Slot {
  worker: Worker;
  outstanding: number;
  /** Started: jobs posted now begin at once (before, they wait for the thread to boot). */
  online: boolean;
}

export interface BatchResult {
  md5s: string[];
  sizes: number[];
}

export interface BatchOptions {
  /** A cache's `files/md5` folder: each file's object is stored there unless present. */
  base?: string;
  /** Store by hard-linking the file into the cache (cache.type hardlink) instead of writing the bytes read. */
  link?: 'hardlink';
  signal?: AbortSignal;
}

/** A failed file of a batch: `index` says which. */
export class BatchError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
    readonly index: number,
  ) {
    super(message);
  }
}

/**
 * A few worker threads hashing (and storing) files so the caller's event loop (the extension host) stays responsive.
 * Jobs are posted at once, several per worker, so workers keep going while the caller is busy; each worker handles
 * its messages one at a time and holds at most two open files. Cancelling waits for the worker to stop at a file
 * boundary, so nothing is left half-written. Idle workers are unref'd: they never keep a process alive.
 */
export class HashPool {
  private slots: Slot[] = [];
  private jobs = new Map<number, Job>();
  /** One abort listener per signal, however many batches it covers. */
  private bySignal = new Map<AbortSignal, { jobs: Set<Job>; onAbort: () => void }>();
  private nextId = 1;

  constructor(readonly size = Math.max(1, Math.min(4, os.cpus().length))) {}

  async md5(file: string, signal?: AbortSignal): Promise<string> {
    return (await this.post({ kind: 'md5', file }, `hashing ${file}`, signal)).md5!;
  }

  /** Hashes whole (small) files; with `base`, stores their objects too. */
  async batch(files: string[], opts: BatchOptions = {}): Promise<BatchResult> {
    const r = await this.post({ kind: 'batch', files, base: opts.base, link: opts.link }, `hashing ${files[0] ?? ''}`, opts.signal);
    return { md5s: r.md5s!, sizes: r.sizes! };
  }

  /** Starts the workers (they boot in the background). */
  warm(): void {
    while (this.slots.length < this.size) this.spawn();
  }

  /** A started worker with nothing to do, if any: work handed to it begins at once. */
  idleWorker(): Slot | undefined {
    return this.slots.find((s) => s.online && s.outstanding === 0);
  }

  /** Walks folders on the given worker (no descent: each result names its sub-folders). */
  async scanDirs(dirs: { abs: string; rel: string }[], refuseDvcignore: boolean, slot?: Slot): Promise<DirResult[]> {
    return (await this.post({ kind: 'scan', dirs, refuse: refuseDvcignore }, `reading ${dirs[0]?.abs ?? ''}`, undefined, slot)).results!;
  }

  /** Hashes a file while copying it to `tmp` (created; the caller renames or removes it). One read of the source. */
  async copyHash(file: string, tmp: string, signal?: AbortSignal): Promise<{ md5: string; size: number }> {
    const r = await this.post({ kind: 'copy', file, tmp }, `hashing ${file}`, signal);
    return { md5: r.md5!, size: r.size! };
  }

  /** Stops every worker; pending jobs fail. */
  async close(): Promise<void> {
    const slots = this.slots;
    this.slots = [];
    for (const j of [...this.jobs.values()]) this.settle(j, new Aborted(j.what));
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }

  private post(msg: Record<string, unknown>, what: string, signal?: AbortSignal, on?: Slot): Promise<Reply> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(new Aborted(what));
      const slot = on && this.slots.includes(on) ? on : this.pick();
      const cancel = new Int32Array(new SharedArrayBuffer(4));
      const job: Job = { id: this.nextId++, what, slot, cancel, resolve, reject, signal };
      // The worker notices between files (or chunks) and answers `aborted`; only then is the job settled.
      if (signal) this.watch(signal).jobs.add(job);
      this.jobs.set(job.id, job);
      if (slot.outstanding++ === 0) slot.worker.ref();
      slot.worker.postMessage({ ...msg, id: job.id, cancel });
    });
  }

  private watch(signal: AbortSignal) {
    let w = this.bySignal.get(signal);
    if (!w) {
      const jobs = new Set<Job>();
      const onAbort = () => jobs.forEach((j) => Atomics.store(j.cancel, 0, 1));
      signal.addEventListener('abort', onAbort, { once: true });
      this.bySignal.set(signal, (w = { jobs, onAbort }));
    }
    return w;
  }

  private pick(): Slot {
    let best = this.slots[0];
    for (const s of this.slots) if (s.outstanding < best.outstanding) best = s;
    if (!best || (best.outstanding > 0 && this.slots.length < this.size)) return this.spawn();
    return best;
  }

  private spawn(): Slot {
    const worker = new Worker(WORKER_SOURCE, { eval: true });
    const slot: Slot = { worker, outstanding: 0, online: false };
    worker.once('online', () => (slot.online = true));
    worker.on('message', (m: Reply) => {
      const job = this.jobs.get(m.id);
      if (!job) return;
      if (m.aborted) this.settle(job, new Aborted(job.what));
      else if (m.error !== undefined && m.index !== undefined) this.settle(job, new BatchError(m.error, m.code, m.index));
      else if (m.error !== undefined) this.settle(job, Object.assign(new Error(m.error), { code: m.code }));
      else this.settle(job, undefined, m);
    });
    worker.on('error', (e) => this.drop(slot, e));
    worker.on('exit', () => this.drop(slot, new Error('hash worker exited')));
    worker.unref();
    this.slots.push(slot);
    return slot;
  }

  private drop(slot: Slot, e: Error): void {
    const i = this.slots.indexOf(slot);
    if (i >= 0) this.slots.splice(i, 1);
    for (const j of [...this.jobs.values()]) if (j.slot === slot) this.settle(j, e);
  }

  private settle(job: Job, err?: Error, reply?: Reply): void {
    if (!this.jobs.delete(job.id)) return;
    if (--job.slot.outstanding === 0) job.slot.worker.unref();
    const w = job.signal && this.bySignal.get(job.signal);
    if (w && w.jobs.delete(job) && !w.jobs.size) {
      job.signal!.removeEventListener('abort', w.onAbort);
      this.bySignal.delete(job.signal!);
    }
    if (err) job.reject(err);
    else job.resolve(reply!);
  }
}

let shared: HashPool | undefined;
export function sharedHashPool(): HashPool {
  return (shared ??= new HashPool());
}
