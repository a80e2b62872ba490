import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../store/atomicFile';
import type { HashName } from './hash';

/** The stat facts that must all match for a remembered hash to stay valid. */
export interface StatKey {
  ino: bigint;
  mtimeNs: bigint;
  size: bigint;
}

const VERSION = 2;
// Files modified this close to the moment we stat them may change again within the same mtime tick;
// remembering them could hide that change ("racily clean" in git's terms).
const RACY_NS = 50_000_000n;

/**
 * (inode, mtime ns, size) → md5 for workspace files, keyed by repo-relative path and hash name. Our own file under
 * `.dvc/tmp` (git-ignored); DVC's own state database is never touched.
 */
export class StatCache {
  private entries = new Map<string, string>();
  private dirty = false;

  private constructor(readonly file: string | undefined) {}

  static load(file: string | undefined): StatCache {
    const c = new StatCache(file);
    if (!file) return c;
    try {
      // A flat [key, value, key, value, …] list: parsing 100,000 object keys is several times slower.
      const raw = JSON.parse(fs.readFileSync(file, 'utf8')) as { version: number; entries: string[] };
      if (raw.version === VERSION && Array.isArray(raw.entries)) {
        const e = raw.entries;
        for (let i = 0; i + 1 < e.length; i += 2) c.entries.set(e[i], e[i + 1]);
      }
    } catch {
      // Missing or damaged: it is only a cache; start empty.
    }
    return c;
  }

  static inMemory(): StatCache {
    return new StatCache(undefined);
  }

  private static key(rel: string, hashName: HashName): string {
    return hashName === 'md5' ? rel : `${hashName}:${rel}`;
  }

  get(rel: string, hashName: HashName, st: StatKey): string | undefined {
    const v = this.entries.get(StatCache.key(rel, hashName));
    if (!v) return undefined;
    const prefix = `${st.ino}:${st.mtimeNs}:${st.size}:`;
    return v.length === prefix.length + 32 && v.startsWith(prefix) ? v.slice(prefix.length) : undefined;
  }

  set(rel: string, hashName: HashName, st: StatKey, md5: string, nowNs = BigInt(Date.now()) * 1_000_000n): void {
    const k = StatCache.key(rel, hashName);
    if (nowNs - st.mtimeNs < RACY_NS) {
      if (this.entries.delete(k)) this.dirty = true;
      return;
    }
    const v = `${st.ino}:${st.mtimeNs}:${st.size}:${md5}`;
    if (this.entries.get(k) !== v) {
      this.entries.set(k, v);
      this.dirty = true;
    }
  }

  /** Drops entries under a path prefix (a deleted output) so the file does not grow without bound. */
  forget(relPrefix: string): void {
    for (const k of this.entries.keys()) {
      const rel = k.replace(/^md5-dos2unix:/, '');
      if (rel === relPrefix || rel.startsWith(relPrefix + '/')) {
        this.entries.delete(k);
        this.dirty = true;
      }
    }
  }

  get size(): number {
    return this.entries.size;
  }

  save(): void {
    if (!this.file || !this.dirty) return;
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    writeFileAtomic(this.file, JSON.stringify({ version: VERSION, entries: [...this.entries].flat() }), 0o644);
    this.dirty = false;
  }
}
