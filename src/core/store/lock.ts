import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeFileAtomic } from './atomicFile';
import { StoreLocked } from '../errors';
import { askOwner, claimAddress, defaultClaimKind, OwnerClaim, type ClaimKind, type OwnerIdentity } from './ownerClaim';

/** What `.mlops/store.lock` says. It is for people and for builds that predate the claim: the claim decides. */
export interface LockInfo {
  pid: number;
  started: number;
  /** Unique per ownership: tells this owner's lock from one written by anybody else. */
  nonce?: string;
  /** The socket the owner listens on (see OwnerClaim); absent in locks of older builds. */
  claim?: string;
  /** The machine and (on Linux) network and pid namespaces the owner runs in: its claim is visible only there. */
  host?: string;
}

/**
 * A claim is seen only from the same machine and network namespace (a dev container and its host are two).
 * An owner elsewhere proves it is alive by touching its lock every check; a lock untouched this long is stale.
 */
const STALE_ELSEWHERE_MS = 15_000;

function namespaceOf(kind: 'net' | 'pid'): string {
  try {
    return fs.readlinkSync(`/proc/self/ns/${kind}`);
  } catch {
    return '';
  }
}

export const OWNER_HOST = [os.hostname(), namespaceOf('net'), namespaceOf('pid')].filter(Boolean).join(' ');

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

/** A live owner that took the store with the lock file alone (a build without claims): it must be respected. */
function legacyOwner(file: string): LockInfo | undefined {
  const info = readLock(file);
  return info && !info.claim && info.pid !== process.pid && alive(info.pid) ? info : undefined;
}

/** A live owner on another machine or in another container: it renewed its lock recently. */
function ownerElsewhere(file: string): LockInfo | undefined {
  const info = readLock(file);
  if (!info?.claim || !info.host || info.host === OWNER_HOST) return undefined;
  try {
    return Date.now() - fs.statSync(file).mtimeMs < STALE_ELSEWHERE_MS ? info : undefined;
  } catch {
    return undefined;
  }
}

function readServerJson(dir: string): { url?: string; pid?: number } | undefined {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, 'server.json'), 'utf8'));
  } catch {
    return undefined;
  }
}

export interface AcquireOptions {
  /** Wait this long for another owner to let go. Default 0: fail at once. */
  waitMs?: number;
  /** The owner's server, for the refusal message when the owner cannot say. */
  serverUrl?: () => string | undefined;
  /** How often the owner re-checks its lock (ms). Default 2000. */
  checkMs?: number;
  claimKind?: ClaimKind;
}

/**
 * One owner per store. Ownership is the kernel-held claim (OwnerClaim): a deleted or rewritten lock file
 * cannot let a second owner in. The lock file records the owner for people and older builds; the owner
 * checks it every few seconds (and before each snapshot): a missing lock is written again, a lock that
 * names another owner means this process lost the store, and it stops writing (`lost`).
 */
export class OwnerLock {
  readonly nonce = crypto.randomBytes(12).toString('hex');
  readonly started = Date.now();
  private held = true;
  private timer: NodeJS.Timeout | undefined;
  private url: string | undefined;
  /** The lock that replaced ours, once another owner took over. */
  lostTo: LockInfo | undefined;
  /** How often the lock file had to be written again (it was deleted while we owned the store). */
  rewrites = 0;
  /** Called after each periodic check while the store is still ours. */
  onCheck: (() => void) | undefined;

  private constructor(
    readonly file: string,
    private readonly claim: OwnerClaim,
  ) {}

  static async acquire(file: string, opts: AcquireOptions = {}): Promise<OwnerLock> {
    const kind = opts.claimKind ?? defaultClaimKind();
    const address = claimAddress(path.dirname(file), kind);
    const deadline = Date.now() + (opts.waitMs ?? 0);
    for (;;) {
      let lock: OwnerLock | undefined;
      const claim = await OwnerClaim.take(address, kind, () => lock?.identity() ?? { pid: process.pid, since: Date.now() });
      let owner: OwnerIdentity;
      if (claim) {
        const other = legacyOwner(file) ?? ownerElsewhere(file);
        if (!other) {
          lock = new OwnerLock(file, claim);
          try {
            lock.write(kind === 'abstract' ? `@${address.slice(1)}` : address);
          } catch (e) {
            claim.release(); // e.g. a read-only .mlops: nobody owns the store then
            throw e;
          }
          lock.timer = setInterval(() => lock!.verify() && lock!.onCheck?.(), opts.checkMs ?? 2000);
          lock.timer.unref();
          return lock;
        }
        claim.release();
        owner = { pid: other.pid, since: other.started, host: other.host };
      } else {
        const who = await askOwner(address);
        owner = typeof who === 'object' ? who : { pid: readLock(file)?.pid ?? -1 };
      }
      if (Date.now() >= deadline) throw new StoreLocked(file, owner.pid, owner.url ?? opts.serverUrl?.(), owner.since, owner.host);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Whether another owner took the store: then nothing may be written. */
  get lost(): boolean {
    return !!this.lostTo;
  }

  /** The owner's server, told by the server itself (server.json can be deleted under it). */
  announceServer(url: string | undefined): void {
    this.url = url;
  }

  identity(): OwnerIdentity {
    this.refreshUrl();
    return { pid: process.pid, since: this.started, url: this.url };
  }

  private refreshUrl() {
    const info = readServerJson(path.dirname(this.file));
    if (info?.pid === process.pid && typeof info.url === 'string') this.url = info.url;
  }

  private claimName: string | undefined;

  private write(claimName = this.claimName) {
    this.claimName = claimName;
    const info: LockInfo = { pid: process.pid, started: this.started, nonce: this.nonce, claim: claimName, host: OWNER_HOST };
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    writeFileAtomic(this.file, JSON.stringify(info), 0o600);
  }

  /**
   * Re-checks the lock file. Returns false once another owner's lock replaced ours. A deleted lock
   * (`git clean -fdX`) is written again: the claim is still ours, so nobody else can have taken the store.
   */
  verify(): boolean {
    if (!this.held || this.lostTo) return false;
    this.refreshUrl();
    const info = readLock(this.file);
    if (info?.nonce === this.nonce) {
      this.renew();
      return true;
    }
    if (info && info.pid !== process.pid) {
      this.lostTo = info;
      if (this.timer) clearInterval(this.timer);
      return false;
    }
    try {
      this.write();
      this.rewrites++;
    } catch {
      // .mlops itself is gone or not writable: the claim still keeps every other owner out.
    }
    return true;
  }

  /** Touches the lock, so that a would-be owner that cannot see our claim (see ownerElsewhere) knows we live. */
  private renew() {
    try {
      const now = new Date();
      fs.utimesSync(this.file, now, now);
    } catch {
      /* gone in between: written again at the next check */
    }
  }

  release(): void {
    if (!this.held) return;
    this.held = false;
    if (this.timer) clearInterval(this.timer);
    if (readLock(this.file)?.nonce === this.nonce) {
      try {
        fs.unlinkSync(this.file);
      } catch {
        /* already gone */
      }
    }
    this.claim.release();
  }
}
