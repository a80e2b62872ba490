import fs from 'node:fs';
import { StoreLocked } from './errors';

export interface LockInfo {
  pid: number;
  started: number;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function readLock(file: string): LockInfo | undefined {
  try {
    const info = JSON.parse(fs.readFileSync(file, 'utf8')) as LockInfo;
    return typeof info.pid === 'number' ? info : undefined;
  } catch {
    return undefined;
  }
}

/** The pid of a live owner of the lock, or undefined when the lock is free or stale. */
export function lockOwner(file: string): number | undefined {
  const info = readLock(file);
  return info && info.pid !== process.pid && alive(info.pid) ? info.pid : undefined;
}

/**
 * One owner per store: an exclusive lock file holding the owner's pid. A lock left by a process that
 * died (SIGKILL, crash) is stale and taken over.
 */
export class OwnerLock {
  private held = false;
  private constructor(readonly file: string) {}

  static async acquire(file: string, opts: { waitMs?: number; serverUrl?: () => string | undefined } = {}): Promise<OwnerLock> {
    const lock = new OwnerLock(file);
    const deadline = Date.now() + (opts.waitMs ?? 0);
    for (;;) {
      if (lock.tryTake()) return lock;
      const owner = lockOwner(file);
      if (owner === undefined) {
        // Stale: the owner is gone. Remove and retry; a racing process may win, then we wait or fail.
        try {
          fs.unlinkSync(file);
        } catch {
          /* someone else removed it */
        }
        if (lock.tryTake()) return lock;
      }
      if (Date.now() >= deadline) {
        throw new StoreLocked(file, lockOwner(file) ?? readLock(file)?.pid ?? -1, opts.serverUrl?.());
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  private tryTake(): boolean {
    try {
      const fd = fs.openSync(this.file, 'wx', 0o600);
      fs.writeSync(fd, JSON.stringify({ pid: process.pid, started: Date.now() } satisfies LockInfo));
      fs.closeSync(fd);
      this.held = true;
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw e;
    }
  }

  release(): void {
    if (!this.held) return;
    this.held = false;
    if (readLock(this.file)?.pid === process.pid) {
      try {
        fs.unlinkSync(this.file);
      } catch {
        /* already gone */
      }
    }
  }
}
