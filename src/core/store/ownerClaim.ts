import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/**
 * A kernel-held claim on a store: a listening local socket whose name is derived from the store's real path.
 * Only one process can listen on a name, the kernel lets go when the process dies (even by SIGKILL), and no
 * file operation (deleting `.mlops/store.lock`, `git clean -fdX`, `rm -rf .mlops`) can take it away.
 * On Linux it is an abstract unix socket (no file at all), on Windows a named pipe; elsewhere a unix socket
 * file in the per-user temp folder, which is taken over only when nobody answers on it.
 * Whoever connects reads one JSON line naming the owner, so a refused process can say who owns the store.
 */
export interface OwnerIdentity {
  pid: number;
  /** When the owner took the store (ms since the epoch). */
  since?: number;
  /** The owner's REST server, when it runs one. */
  url?: string;
  /** Where the owner runs, when it is not where the claim is seen (see OwnerLock). */
  host?: string;
}

export type ClaimKind = 'abstract' | 'pipe' | 'file';

export function defaultClaimKind(): ClaimKind {
  if (process.platform === 'linux') return 'abstract';
  return process.platform === 'win32' ? 'pipe' : 'file';
}

export function claimAddress(storeDir: string, kind: ClaimKind = defaultClaimKind()): string {
  const real = realPath(path.resolve(storeDir));
  const hash = crypto.createHash('sha256').update(real).digest('hex').slice(0, 32);
  if (kind === 'abstract') return `\0mlops-store-${hash}`;
  if (kind === 'pipe') return `\\\\.\\pipe\\mlops-store-${hash}`;
  return path.join(os.tmpdir(), `mlops-${hash.slice(0, 24)}.sock`);
}

/** The real path of a folder that may not exist yet: its nearest existing ancestor, resolved, plus the rest. */
function realPath(p: string): string {
  try {
    return fs.realpathSync.native(p);
  } catch {
    const parent = path.dirname(p);
    return parent === p ? p : path.join(realPath(parent), path.basename(p));
  }
}

export class OwnerClaim {
  private constructor(
    private readonly server: net.Server,
    readonly address: string,
    private readonly kind: ClaimKind,
  ) {}

  /**
   * Takes the claim, or returns undefined when a live process holds it. `identity` is asked afresh for every
   * process that connects.
   */
  static async take(address: string, kind: ClaimKind, identity: () => OwnerIdentity): Promise<OwnerClaim | undefined> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const server = net.createServer((c) => {
        c.on('error', () => undefined);
        c.setTimeout(2000, () => c.destroy());
        c.end(JSON.stringify(identity()) + '\n');
      });
      const err = await new Promise<NodeJS.ErrnoException | undefined>((resolve) => {
        server.once('error', resolve);
        server.listen(address, () => resolve(undefined));
      });
      if (!err) {
        server.unref();
        if (kind === 'file') fs.chmodSync(address, 0o600);
        return new OwnerClaim(server, address, kind);
      }
      if (err.code !== 'EADDRINUSE') throw err;
      if (kind !== 'file') return undefined;
      // A socket file outlives a killed process: it is stale when nobody answers on it.
      if (await askOwner(address)) return undefined;
      try {
        fs.unlinkSync(address);
      } catch {
        /* another process removed it first */
      }
    }
    return undefined;
  }

  release(): void {
    this.server.close();
    if (this.kind === 'file') {
      try {
        fs.unlinkSync(this.address);
      } catch {
        /* already gone */
      }
    }
  }
}

/**
 * Asks whoever holds the claim who it is: its identity, 'silent' when a process accepted the connection but
 * did not answer in time (its event loop is busy: it is alive), undefined when nobody listens.
 */
export function askOwner(address: string, timeoutMs = 2000): Promise<OwnerIdentity | 'silent' | undefined> {
  return new Promise((resolve) => {
    let text = '';
    let connected = false;
    const c = net.connect(address, () => (connected = true));
    const done = (v: OwnerIdentity | undefined) => {
      c.destroy();
      resolve(v ?? (connected ? 'silent' : undefined));
    };
    c.setTimeout(timeoutMs, () => done(undefined));
    c.on('error', () => done(undefined));
    c.on('data', (d) => (text += d.toString('utf8')));
    c.on('end', () => {
      try {
        const v = JSON.parse(text) as OwnerIdentity;
        done(typeof v.pid === 'number' ? v : undefined);
      } catch {
        done(undefined);
      }
    });
  });
}
