import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../store/atomicFile';
import type { HashName } from './hash';
import { RACY_MS } from './statCache';
import type { FolderScan } from './walk';

/**
 * What a tracked folder looked like when its manifest was last built: per sub-folder a digest of its files' stat
 * facts (see `scanFolder`), and what the manifest hashed to. A later walk with equal digests everywhere proves the
 * folder unchanged without hashing, sorting or serialising anything.
 */
export interface FolderSummary {
  oid: string;
  size: number;
  nfiles: number;
  /** Stamp of the `.dvcignore` files that applied. */
  ignore: string;
  /** [folder, digest] pairs in walk order. */
  dirs: [string, string][];
  /** Cache folder stamp at which every object of the manifest was seen present (see `ObjectDb.stamp`). */
  cached?: string;
}

const VERSION = 1;

/** Summaries of every tracked folder, in our own file under `.dvc/tmp` (git-ignored), read on first use. */
export class FolderSummaries {
  private loaded?: Map<string, FolderSummary>;
  private dirty = false;

  constructor(readonly file: string | undefined) {}

  static key(rel: string, hashName: HashName): string {
    return `${hashName}:${rel}`;
  }

  private get map(): Map<string, FolderSummary> {
    if (this.loaded) return this.loaded;
    this.loaded = new Map();
    if (!this.file) return this.loaded;
    try {
      const raw = JSON.parse(fs.readFileSync(this.file, 'utf8')) as { version: number; folders: Record<string, FolderSummary> };
      if (raw.version === VERSION && raw.folders && typeof raw.folders === 'object') {
        for (const [k, v] of Object.entries(raw.folders)) if (v && typeof v.oid === 'string' && Array.isArray(v.dirs)) this.loaded.set(k, v);
      }
    } catch {
      // Missing or damaged: it is only a cache.
    }
    return this.loaded;
  }

  get(key: string): FolderSummary | undefined {
    return this.map.get(key);
  }

  /** Remembers a fresh build, unless a file changed so recently that a further write could keep its timestamps. */
  record(key: string, scan: FolderScan, built: { oid: string; size: number; nfiles: number }, ignore: string): void {
    if (scan.stopped || scan.startedMs - scan.newestMs < RACY_MS) return this.forget(key);
    const prev = this.map.get(key);
    const s: FolderSummary = { oid: built.oid, size: built.size, nfiles: built.nfiles, ignore, dirs: [...scan.dirs] };
    if (prev?.oid === s.oid && prev.cached) s.cached = prev.cached;
    this.map.set(key, s);
    this.dirty = true;
  }

  /** Notes that the cache held every object of the summary's manifest at this cache stamp. */
  markCached(key: string, oid: string, stamp: string | undefined): void {
    const s = this.map.get(key);
    if (!s || s.oid !== oid || s.cached === stamp) return;
    s.cached = stamp;
    this.dirty = true;
  }

  forget(key: string): void {
    if (this.map.delete(key)) this.dirty = true;
  }

  save(): void {
    if (!this.file || !this.dirty || !this.loaded) return;
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    writeFileAtomic(this.file, JSON.stringify({ version: VERSION, folders: Object.fromEntries(this.loaded) }), 0o644);
    this.dirty = false;
  }
}

/** True when a fresh walk found exactly the folders and digests the summary holds. */
export function scanMatches(scan: FolderScan, s: FolderSummary, ignore: string): boolean {
  if (s.ignore !== ignore || scan.dirs.size !== s.dirs.length) return false;
  for (const [dir, digest] of s.dirs) if (scan.dirs.get(dir) !== digest) return false;
  return true;
}
