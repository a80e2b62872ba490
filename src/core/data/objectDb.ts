import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { md5FileAsync, md5FileSync, type HashName } from './hash';
import { RACY_MS } from './statCache';

export const OBJECT_MODE = 0o444;

/** `.mlops-<pid>-<random>.tmp`: the pid tells a live writer's temp files from those a killed one left behind. */
export function tempName(): string {
  return `.mlops-${process.pid}-${randomBytes(8).toString('hex')}.tmp`;
}

export function isTempName(name: string): boolean {
  return name.startsWith('.') && name.endsWith('.tmp');
}

/** The pid in one of our temp names, or undefined for others (DVC's own `.<token>.tmp`). */
export function tempOwner(name: string): number | undefined {
  const m = /^\.mlops-(\d+)-[0-9a-f]+\.tmp$/.exec(name);
  return m ? Number(m[1]) : undefined;
}

/** `oid` without a `.dir` suffix: what the object's bytes hash to. */
export function contentMd5(oid: string): string {
  return oid.split('.')[0];
}

/**
 * A content-addressed folder in DVC's layout: `files/md5/XX/rest` for DVC 3 objects, `XX/rest` for legacy 2.x
 * (`md5-dos2unix`) ones. Used for the cache and for local remotes alike. Every object appears under its final name
 * only complete and read-only (temp file, chmod 0444, rename), so a 0444 object is trusted without re-hashing,
 * as DVC does.
 */
export class ObjectDb {
  constructor(readonly root: string) {}

  path(oid: string, hashName: HashName = 'md5'): string {
    if (!/^[0-9a-f]{32}(\.dir)?$/.test(oid)) throw new Error(`not an md5 object id: ${JSON.stringify(oid)}`);
    const base = hashName === 'md5' ? path.join(this.root, 'files', 'md5') : this.root;
    return path.join(base, oid.slice(0, 2), oid.slice(2));
  }

  exists(oid: string, hashName: HashName = 'md5'): boolean {
    try {
      return fs.statSync(this.path(oid, hashName)).isFile();
    } catch {
      return false;
    }
  }

  /**
   * Which of many objects exist. For large sets one readdir per `XX` folder beats a stat per object (a folder of
   * 100,000 files is otherwise 100,000 stats on every status).
   */
  existsMany(oids: string[], hashName: HashName = 'md5'): boolean[] {
    if (oids.length < 2000) return oids.map((o) => this.exists(o, hashName));
    const base = hashName === 'md5' ? path.join(this.root, 'files', 'md5') : this.root;
    const listing = new Map<string, Set<string>>();
    return oids.map((oid) => {
      const xx = oid.slice(0, 2);
      let names = listing.get(xx);
      if (!names) {
        try {
          names = new Set(fs.readdirSync(path.join(base, xx)));
        } catch {
          names = new Set();
        }
        listing.set(xx, names);
      }
      return names.has(oid.slice(2));
    });
  }

  /**
   * True if the object is present and intact. Objects not exactly 0444 are re-hashed; a corrupt one is deleted
   * (DVC's `check`), so the next transfer replaces it.
   */
  async check(oid: string, hashName: HashName = 'md5'): Promise<boolean> {
    const p = this.path(oid, hashName);
    let st: fs.Stats;
    try {
      st = fs.statSync(p);
    } catch {
      return false;
    }
    if (!st.isFile()) return false;
    if ((st.mode & 0o777) === OBJECT_MODE) return true;
    // Manifests and legacy objects are stored verbatim: plain md5 of the bytes is the check for both.
    const actual = st.size <= 1 << 20 ? md5FileSync(p) : await md5FileAsync(p);
    if (actual === contentMd5(oid) || hashName !== 'md5') return true;
    fs.rmSync(p, { force: true });
    return false;
  }

  /** A temp path in the folder the object will live in, so the final rename never crosses filesystems. */
  tempFor(oid: string, hashName: HashName = 'md5'): string {
    const dir = path.dirname(this.path(oid, hashName));
    fs.mkdirSync(dir, { recursive: true });
    return path.join(dir, tempName());
  }

  /** Moves a finished temp file in place as a read-only object. */
  commitTemp(tmp: string, oid: string, hashName: HashName = 'md5'): void {
    const dest = this.path(oid, hashName);
    fs.mkdirSync(path.dirname(dest), { recursive: true });
    fs.chmodSync(tmp, OBJECT_MODE);
    fs.renameSync(tmp, dest);
  }

  putBytes(oid: string, data: Uint8Array, hashName: HashName = 'md5'): void {
    if (this.exists(oid, hashName)) return;
    const dest = this.path(oid, hashName);
    fs.mkdirSync(path.dirname(dest), { recursive: true });
    const tmp = path.join(path.dirname(dest), tempName());
    try {
      fs.writeFileSync(tmp, data, { mode: OBJECT_MODE });
      fs.renameSync(tmp, dest);
    } catch (e) {
      fs.rmSync(tmp, { force: true });
      throw e;
    }
  }

  private madeDirs = new Set<string>();

  /** Like putBytes, off the calling thread: many small objects are written several at a time. */
  async putBytesAsync(oid: string, data: Uint8Array, hashName: HashName = 'md5'): Promise<void> {
    if (this.exists(oid, hashName)) return;
    const dest = this.path(oid, hashName);
    const dir = path.dirname(dest);
    if (!this.madeDirs.has(dir)) {
      await fs.promises.mkdir(dir, { recursive: true });
      this.madeDirs.add(dir);
    }
    const tmp = path.join(dir, tempName());
    try {
      await fs.promises.writeFile(tmp, data, { mode: OBJECT_MODE });
      await fs.promises.rename(tmp, dest);
    } catch (e) {
      await fs.promises.rm(tmp, { force: true });
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') this.madeDirs.delete(dir);
      throw e;
    }
  }

  /**
   * Changes whenever an object is added to or removed from the cache: a digest of the 256 `XX` folders' inodes and
   * mtimes. Undefined while one of them changed too recently to be sure a further change would show.
   */
  stamp(hashName: HashName = 'md5', nowMs = Date.now()): string | undefined {
    const base = hashName === 'md5' ? path.join(this.root, 'files', 'md5') : this.root;
    let s = '';
    for (let i = 0; i < 256; i++) {
      const st = fs.statSync(path.join(base, i.toString(16).padStart(2, '0')), { throwIfNoEntry: false });
      if (!st) {
        s += '-,';
        continue;
      }
      if (nowMs - Math.max(st.mtimeMs, st.ctimeMs) < RACY_MS) return undefined;
      s += `${st.ino}:${st.mtimeMs}:${st.ctimeMs},`;
    }
    return createHash('md5').update(s).digest('base64');
  }

  read(oid: string, hashName: HashName = 'md5'): Buffer {
    return fs.readFileSync(this.path(oid, hashName));
  }

  /** Every object id present (for tests and garbage collection); skips temp files. */
  list(): string[] {
    const out: string[] = [];
    const base = path.join(this.root, 'files', 'md5');
    if (!fs.existsSync(base)) return out;
    for (const xx of fs.readdirSync(base)) {
      if (!/^[0-9a-f]{2}$/.test(xx)) continue;
      for (const rest of fs.readdirSync(path.join(base, xx))) if (!isTempName(rest)) out.push(xx + rest);
    }
    return out.sort();
  }

  /** Temp files left by a killed process (an aborted transfer removes its own). */
  listTemps(): string[] {
    const out: string[] = [];
    const visit = (d: string) => {
      if (!fs.existsSync(d)) return;
      for (const e of fs.readdirSync(d, { withFileTypes: true })) {
        if (e.isDirectory()) visit(path.join(d, e.name));
        else if (isTempName(e.name)) out.push(path.join(d, e.name));
      }
    };
    visit(this.root);
    return out;
  }
}
