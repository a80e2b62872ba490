import fs from 'node:fs';
import path from 'node:path';
import { buildTree, hashFile } from '../data/build';
import { buildContext, type OpOptions, type RepoParts } from '../data/parts';
import type { PipelineFileCache } from './fileCache';
import type { LockEntry } from './lockfile';

/** What a dep or out hashes to now, in lock-entry form (without `path`); undefined when it does not exist. */
export type Hashed = Omit<LockEntry, 'path'> | undefined;

function posix(p: string): string {
  return p.split(path.sep).join('/');
}

/**
 * Hashes workspace paths through the data layer's stat cache, once per path per pass (a stage's out is the next
 * stage's dep). `store` also puts every object in the cache (committing outputs).
 */
export class PathHasher {
  private memo = new Map<string, Promise<Hashed>>();

  constructor(
    readonly parts: RepoParts,
    readonly opts: OpOptions = {},
    readonly files?: PipelineFileCache,
  ) {}

  forget(abs: string): void {
    for (const k of this.memo.keys()) if (k === abs || k.startsWith(abs + path.sep) || abs.startsWith(k + path.sep)) this.memo.delete(k);
  }

  hash(abs: string): Promise<Hashed> {
    let p = this.memo.get(abs);
    if (!p) {
      p = this.compute(abs, false);
      this.memo.set(abs, p);
      p.catch(() => this.memo.delete(abs));
    }
    return p;
  }

  /** Hashes and stores the objects in the cache; always recomputed (the output was just written). */
  async commit(abs: string): Promise<Hashed> {
    this.forget(abs);
    const p = this.compute(abs, true);
    this.memo.set(abs, p);
    return p;
  }

  private async compute(abs: string, store: boolean): Promise<Hashed> {
    const st = fs.statSync(abs, { bigint: true, throwIfNoEntry: false });
    if (!st) return undefined;
    const ctx = buildContext(this.parts, this.opts, store ? this.parts.cache : undefined);
    if (st.isDirectory()) {
      const t = await buildTree(ctx, abs, 'md5');
      return { hash: 'md5', md5: t.oid, size: t.size, nfiles: t.nfiles };
    }
    const h = await hashFile(ctx, abs, 'md5', st);
    return { hash: 'md5', md5: h.md5, size: h.size, isexec: h.isexec || undefined };
  }

  /** Whether the cache holds the object (and, for a folder, every file of its manifest). */
  inCache(md5: string): boolean {
    if (!this.parts.cache.exists(md5)) return false;
    if (!md5.endsWith('.dir')) return true;
    if (this.files?.isComplete(md5)) return true;
    try {
      const list = JSON.parse(this.parts.cache.read(md5).toString('utf8')) as { md5: string }[];
      const ok = this.parts.cache.existsMany(list.map((e) => e.md5)).every(Boolean);
      if (ok) this.files?.markComplete(md5);
      return ok;
    } catch {
      return false;
    }
  }

  rel(abs: string): string {
    return posix(path.relative(this.parts.root, abs));
  }
}
