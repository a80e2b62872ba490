import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { Aborted } from './errors';

// Inline source so the worker works the same under tsx, in the esbuild bundle and in the extension host:
// no extra entry point to ship. Plain md5 only; legacy hashing is rare and stays on the caller's thread.
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const fs = require('node:fs');
const { createHash } = require('node:crypto');
const buf = Buffer.allocUnsafe(4 * 1024 * 1024);
parentPort.on('message', (m) => {
  let fd;
  try {
    fd = fs.openSync(m.file, 'r');
    const h = createHash('md5');
    let size = 0;
    for (;;) {
      const n = fs.readSync(fd, buf, 0, buf.length, null);
      if (!n) break;
      size += n;
      h.update(n === buf.length ? buf : buf.subarray(0, n));
    }
    parentPort.postMessage({ id: m.id, md5: h.digest('hex'), size });
  } catch (e) {
    parentPort.postMessage({ id: m.id, error: String(e && e.message || e), code: e && e.code });
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
});
`;

interface Job {
  id: number;
  file: string;
  resolve: (md5: string) => void;
  reject: (e: Error) => void;
  signal?: AbortSignal;
  onAbort?: () => void;
}

interface Slot {
  worker: Worker;
  job?: Job;
}

/**
 * A few worker threads hashing large files so the caller's event loop (the extension host) stays responsive.
 * Each worker holds at most one open file, so the pool bounds open descriptors too. Idle workers are unref'd:
 * they never keep a process alive.
 */
export class HashPool {
  private slots: Slot[] = [];
  private queue: Job[] = [];
  private nextId = 1;

  constructor(readonly size = Math.max(1, Math.min(4, os.cpus().length))) {}

  md5(file: string, signal?: AbortSignal): Promise<string> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(new Aborted(`hashing ${file}`));
      const job: Job = { id: this.nextId++, file, resolve, reject, signal };
      if (signal) {
        job.onAbort = () => this.abortJob(job);
        signal.addEventListener('abort', job.onAbort, { once: true });
      }
      this.queue.push(job);
      this.pump();
    });
  }

  /** Stops every worker; pending jobs fail. */
  async close(): Promise<void> {
    const slots = this.slots;
    this.slots = [];
    for (const j of this.queue.splice(0)) this.finish(j, new Aborted(`hashing ${j.file}`));
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }

  private pump(): void {
    while (this.queue.length) {
      let slot = this.slots.find((s) => !s.job);
      if (!slot && this.slots.length < this.size) slot = this.spawn();
      if (!slot) return;
      const job = this.queue.shift()!;
      slot.job = job;
      slot.worker.ref();
      slot.worker.postMessage({ id: job.id, file: job.file });
    }
  }

  private spawn(): Slot {
    const worker = new Worker(WORKER_SOURCE, { eval: true });
    const slot: Slot = { worker };
    worker.on('message', (m: { id: number; md5?: string; error?: string; code?: string }) => {
      const job = slot.job;
      if (!job || job.id !== m.id) return;
      slot.job = undefined;
      worker.unref();
      if (m.md5) this.finish(job, undefined, m.md5);
      else this.finish(job, Object.assign(new Error(m.error ?? 'hash failed'), { code: m.code }));
      this.pump();
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
    if (slot.job) {
      const job = slot.job;
      slot.job = undefined;
      this.finish(job, e);
    }
    this.pump();
  }

  private abortJob(job: Job): void {
    const qi = this.queue.indexOf(job);
    if (qi >= 0) {
      this.queue.splice(qi, 1);
      this.finish(job, new Aborted(`hashing ${job.file}`));
      return;
    }
    const slot = this.slots.find((s) => s.job === job);
    if (slot) {
      // A synchronous read loop cannot be interrupted from outside; replace the worker instead.
      slot.job = undefined;
      this.slots.splice(this.slots.indexOf(slot), 1);
      void slot.worker.terminate();
      this.finish(job, new Aborted(`hashing ${job.file}`));
      this.pump();
    }
  }

  private finish(job: Job, err?: Error, md5?: string): void {
    if (job.signal && job.onAbort) job.signal.removeEventListener('abort', job.onAbort);
    if (err) job.reject(err);
    else job.resolve(md5!);
  }
}

let shared: HashPool | undefined;
export function sharedHashPool(): HashPool {
  return (shared ??= new HashPool());
}
