import { constants as fsc } from 'node:fs';
import fs from 'node:fs';
import path from 'node:path';
import { Aborted, checkAborted } from './errors';
import { md5Bytes, md5Dos2unixFile, type HashName } from './hash';
import type { DvcIgnore } from './dvcignore';
import type { HashPool } from './hashPool';
import { manifestOid, serializeManifest, type ManifestEntry } from './manifest';
import type { ObjectDb } from './objectDb';
import type { StatCache } from './statCache';
import { walkFiles } from './walk';

/** Files up to this size are read whole on the calling thread; larger ones go to the worker pool. */
export const SMALL_FILE = 1 << 20;
const IN_FLIGHT = 16;

export interface Progress {
  phase: 'hash' | 'upload' | 'download' | 'checkout';
  files: number;
  totalFiles: number;
  bytes: number;
  totalBytes: number;
}
export type ProgressFn = (p: Progress) => void;

export interface BuildContext {
  /** Repo root: stat-cache keys are relative to it. */
  root: string;
  statCache: StatCache;
  pool: HashPool;
  signal?: AbortSignal;
  onProgress?: ProgressFn;
  /** When set, every hashed file is also stored in this cache (add / commit). */
  store?: ObjectDb;
  /** The repository's `.dvcignore` rules, applied inside tracked folders. */
  dvcignore?: DvcIgnore;
}

export interface HashedFile {
  md5: string;
  size: number;
  isexec: boolean;
}

export interface BuiltTree {
  /** `<md5 of manifest>.dir` */
  oid: string;
  manifest: Buffer;
  entries: (ManifestEntry & { size: number })[];
  size: number;
  nfiles: number;
}

function bigStat(p: string) {
  return fs.statSync(p, { bigint: true });
}

function sameStat(a: fs.BigIntStats, b: fs.BigIntStats): boolean {
  return a.ino === b.ino && a.mtimeNs === b.mtimeNs && a.size === b.size;
}

function relKey(root: string, abs: string): string {
  return path.relative(root, abs).split(path.sep).join('/');
}

function yieldToLoop(): Promise<void> {
  return new Promise((r) => setImmediate(r));
}

/** Hashes one workspace file (stat cache first) and, with `ctx.store`, makes sure its object is cached. */
export async function hashFile(ctx: BuildContext, abs: string, hashName: HashName, pre?: fs.BigIntStats): Promise<HashedFile> {
  const st = pre ?? bigStat(abs);
  const size = Number(st.size);
  const isexec = (Number(st.mode) & 0o111) !== 0;
  const rel = relKey(ctx.root, abs);
  const known = ctx.statCache.get(rel, hashName, st);
  const store = ctx.store && hashName === 'md5' ? ctx.store : undefined;
  if (known && (!store || store.exists(known))) return { md5: known, size, isexec };

  let md5: string;
  if (hashName === 'md5-dos2unix') {
    md5 = await md5Dos2unixFile(abs, ctx.signal);
  } else if (size <= SMALL_FILE) {
    // One read serves both the hash and the cache copy, so the object holds exactly the bytes hashed.
    const data = fs.readFileSync(abs);
    md5 = md5Bytes(data);
    if (store) await store.putBytesAsync(md5, data);
  } else if (store) {
    // Copy first (a reflink where the filesystem can), then hash the copy: the object is verified by construction.
    const tmp = store.tempFor('00000000000000000000000000000000');
    try {
      await fs.promises.copyFile(abs, tmp, fsc.COPYFILE_FICLONE);
      md5 = await ctx.pool.md5(tmp, ctx.signal);
      if (store.exists(md5)) fs.rmSync(tmp, { force: true });
      else store.commitTemp(tmp, md5);
    } catch (e) {
      fs.rmSync(tmp, { force: true });
      throw e;
    }
  } else {
    md5 = await ctx.pool.md5(abs, ctx.signal);
  }
  let after: fs.BigIntStats | undefined;
  try {
    after = bigStat(abs);
  } catch {
    after = undefined;
  }
  if (after && sameStat(st, after)) ctx.statCache.set(rel, hashName, st, md5);
  return { md5, size, isexec };
}

/**
 * Builds a directory's manifest the way DVC does (walk, hash every file, sort by code point, Python JSON).
 * Small files are hashed on this thread, yielding now and then; large ones run in the pool meanwhile, and cache
 * writes overlap, a bounded number at a time.
 */
export async function buildTree(ctx: BuildContext, dir: string, hashName: HashName): Promise<BuiltTree> {
  checkAborted(ctx.signal, `hashing ${dir}`);
  const dirRel = relKey(ctx.root, dir);
  const files = walkFiles(dir, ctx.dvcignore ? { dvcignore: ctx.dvcignore, dirRel } : undefined);
  const entries: BuiltTree['entries'] = new Array(files.length);
  let done = 0;
  let bytes = 0;
  const totalFiles = files.length;
  const report = () => ctx.onProgress?.({ phase: 'hash', files: done, totalFiles, bytes, totalBytes: 0 });
  const inflight = new Set<Promise<void>>();
  let lastYield = Date.now();
  let failure: unknown;
  const store = ctx.store && hashName === 'md5' ? ctx.store : undefined;
  try {
    for (let i = 0; i < files.length; i++) {
      if (failure) break;
      const f = files[i];
      if ((i & 255) === 0 && Date.now() - lastYield > 50) {
        checkAborted(ctx.signal, `hashing ${dir}`);
        report();
        await yieldToLoop();
        lastYield = Date.now();
      }
      let st: fs.BigIntStats;
      try {
        st = bigStat(f.abs);
      } catch (e) {
        throw annotate(e, f.abs);
      }
      const size = Number(st.size);
      // Fast path, no promise: the stat cache knows this file (and, when storing, the cache has its object).
      const known = ctx.statCache.get(dirRel ? `${dirRel}/${f.relpath}` : f.relpath, hashName, st);
      if (known && (!store || store.exists(known))) {
        entries[i] = { relpath: f.relpath, md5: known, size };
        done++;
        bytes += size;
        continue;
      }
      const task = hashFile(ctx, f.abs, hashName, st).then(
        (h) => {
          entries[i] = { relpath: f.relpath, md5: h.md5, size: h.size };
          done++;
          bytes += h.size;
        },
        (e) => void (failure ??= annotate(e, f.abs)),
      );
      // Small files hash synchronously inside hashFile; what overlaps is cache writes and pool work. The bound keeps
      // open files and queued buffers in check.
      const p: Promise<void> = task.finally(() => inflight.delete(p));
      inflight.add(p);
      if (inflight.size >= IN_FLIGHT) await Promise.race(inflight);
    }
  } finally {
    // Never return (or throw) while tasks still write temp files: cancellation must leave nothing behind.
    await Promise.allSettled(inflight);
  }
  if (failure) throw failure;
  checkAborted(ctx.signal, `hashing ${dir}`);
  report();
  const manifest = serializeManifest(entries);
  const oid = manifestOid(manifest);
  if (ctx.store) ctx.store.putBytes(oid, manifest);
  return { oid, manifest, entries, size: entries.reduce((s, e) => s + e.size, 0), nfiles: entries.length };
}

function annotate(e: unknown, file: string): unknown {
  if (e instanceof Aborted) return e;
  if (e instanceof Error && !e.message.includes(file)) e.message = `${file}: ${e.message}`;
  return e;
}
