import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../store/atomicFile';
import type { HashName } from './hash';

/** The stat facts that must all match for a remembered hash to stay valid (ctime too, when known). */
export interface StatKey {
  ino: bigint;
  mtimeNs: bigint;
  ctimeNs?: bigint;
  size: bigint;
}

/** A `fs.Stats` (what the walk has: no second, bigint stat per file), a `BigIntStats`, or the bare facts. */
export type StatLike = StatKey | fs.Stats | fs.BigIntStats;

const VERSION = 3;
// Files modified this close to the moment we stat them may change again within the same mtime tick;
// remembering them could hide that change ("racily clean" in git's terms).
const RACY_NS = 50_000_000n;
export const RACY_MS = 50;

/** Inode, mtime, ctime, size. The ctime catches content rewritten with its mtime set back (`touch -d`, rsync -t). */
export function statToken(st: StatLike): string {
  if (typeof st.size === 'bigint') {
    const b = st as StatKey;
    return `${b.ino}:${b.mtimeNs}:${b.ctimeNs ?? ''}:${b.size}`;
  }
  const n = st as fs.Stats;
  return `${n.ino}:${n.mtimeMs}ms:${n.ctimeMs}:${n.size}`;
}

/** Changed so recently that a further write could keep the same timestamps. */
export function isRacy(st: StatLike, now?: bigint | number): boolean {
  if (typeof st.size === 'bigint') {
    const b = st as StatKey;
    const newest = b.ctimeNs !== undefined && b.ctimeNs > b.mtimeNs ? b.ctimeNs : b.mtimeNs;
    return (typeof now === 'bigint' ? now : BigInt(Date.now()) * 1_000_000n) - newest < RACY_NS;
  }
  const n = st as fs.Stats;
  return (typeof now === 'number' ? now : Date.now()) - Math.max(n.mtimeMs, n.ctimeMs) < RACY_MS;
}

/**
 * (inode, mtime ns, size) → md5 for workspace files, keyed by repo-relative path and hash name. Our own file under
 * `.dvc/tmp` (git-ignored); DVC's own state database is never touched.
 */
export class StatCache {
  private loaded?: Map<string, string>;
  private dirty = false;

  private constructor(readonly file: string | undefined) {}

  /** Read on first use: a status confirmed by folder summaries never needs the 100,000 entries. */
  static load(file: string | undefined): StatCache {
    return new StatCache(file);
  }

  private get entries(): Map<string, string> {
    if (this.loaded) return this.loaded;
    const m = (this.loaded = new Map());
    if (!this.file) return m;
    try {
      // A flat [key, value, key, value, …] list: parsing 100,000 object keys is several times slower.
      const raw = JSON.parse(fs.readFileSync(this.file, 'utf8')) as { version: number; entries: string[] };
      if (raw.version === VERSION && Array.isArray(raw.entries)) {
        const e = raw.entries;
        for (let i = 0; i + 1 < e.length; i += 2) m.set(e[i], e[i + 1]);
      }
    } catch {
      // Missing or damaged: it is only a cache; start empty.
    }
    return m;
  }

  static inMemory(): StatCache {
    return new StatCache(undefined);
  }

  private static key(rel: string, hashName: HashName): string {
    return hashName === 'md5' ? rel : `${hashName}:${rel}`;
  }

  get(rel: string, hashName: HashName, st: StatLike): string | undefined {
    const v = this.entries.get(StatCache.key(rel, hashName));
    if (!v) return undefined;
    const prefix = statToken(st) + ':';
    return v.length === prefix.length + 32 && v.startsWith(prefix) ? v.slice(prefix.length) : undefined;
  }

  /** `now`: ns (bigint) for bigint stats, ms for `fs.Stats`; default the clock. */
  set(rel: string, hashName: HashName, st: StatLike, md5: string, now?: bigint | number): void {
    const k = StatCache.key(rel, hashName);
    if (isRacy(st, now)) {
      if (this.entries.delete(k)) this.dirty = true;
      return;
    }
    const v = `${statToken(st)}:${md5}`;
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
    if (!this.file || !this.dirty || !this.loaded) return;
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    writeFileAtomic(this.file, JSON.stringify({ version: VERSION, entries: [...this.entries].flat() }), 0o644);
    this.dirty = false;
  }
}
