import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Aborted, checkAborted } from './errors';
import { FolderSummaries, scanMatches, type FolderSummary } from './folderSummary';
import { md5Bytes, md5Dos2unixFile, type HashName } from './hash';
import type { DvcIgnore } from './dvcignore';
import { BatchError, type HashPool } from './hashPool';
import { manifestOid, serializeManifest, type ManifestEntry } from './manifest';
import type { ObjectDb } from './objectDb';
import { storeFile, type PutState } from './put';
import { statToken, type StatCache } from './statCache';
import { scanFolder, scanFolderParallel, type FolderScan, type IgnoreScope } from './walk';

/** Files up to this size are read whole (in one go, in batches on the workers); larger ones are streamed. */
export const SMALL_FILE = 1 << 20;
/** Small files per worker message: enough to amortise the message, few enough to spread over the workers. */
const BATCH = 64;
const IN_FLIGHT = 8;
/** Folders of at least this many files are confirmed by the workers in parallel. */
const PARALLEL_SCAN = 5000;

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
  /** Folder stat summaries: an unchanged folder is confirmed without hashing; every build records one. */
  folders?: FolderSummaries;
  /** How objects get into `store` (cache.type); default reflink, else copy. */
  put?: PutState;
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

type AnyStats = fs.Stats | fs.BigIntStats;

export function relKey(root: string, abs: string): string {
  return path.relative(root, abs).split(path.sep).join('/');
}

function restat(abs: string, like: AnyStats): AnyStats | undefined {
  return typeof like.size === 'bigint' ? fs.statSync(abs, { bigint: true, throwIfNoEntry: false }) : fs.statSync(abs, { throwIfNoEntry: false });
}

/** Hashes one workspace file (stat cache first) and, with `ctx.store`, makes sure its object is cached. */
export async function hashFile(ctx: BuildContext, abs: string, hashName: HashName, pre?: AnyStats): Promise<HashedFile> {
  const st = pre ?? fs.statSync(abs);
  const size = Number(st.size);
  const isexec = (Number(st.mode) & 0o111) !== 0;
  const rel = relKey(ctx.root, abs);
  const known = ctx.statCache.get(rel, hashName, st);
  const store = ctx.store && hashName === 'md5' ? ctx.store : undefined;
  if (known && (!store || store.exists(known))) return { md5: known, size, isexec };
  // Timestamps are judged "racy" against the moment before reading, not after.
  const t0 = Date.now();
  let md5: string;
  if (hashName === 'md5-dos2unix') md5 = await md5Dos2unixFile(abs, ctx.signal);
  else if (store) md5 = await storeFile(ctx.pool, store, ctx.put ?? {}, abs, size, ctx.signal, isexec);
  else if (size <= SMALL_FILE) md5 = md5Bytes(fs.readFileSync(abs));
  else md5 = await ctx.pool.md5(abs, ctx.signal);
  const after = restat(abs, st);
  if (after && statToken(after) === statToken(st)) ctx.statCache.set(rel, hashName, st, md5, typeof st.size === 'bigint' ? BigInt(t0) * 1_000_000n : t0);
  return { md5, size, isexec };
}

function idleCores(): boolean {
  return os.loadavg()[0] < os.cpus().length - 0.5;
}

function scopeOf(ctx: BuildContext, dirRel: string): IgnoreScope | undefined {
  return ctx.dvcignore ? { dvcignore: ctx.dvcignore, dirRel } : undefined;
}

/**
 * The folder's summary if a walk (stats only, stopping at the first differing sub-folder) proves nothing changed
 * since it was recorded: same files, same inodes, mtimes, ctimes and sizes, same `.dvcignore` rules.
 */
export async function confirmTree(ctx: BuildContext, dir: string, hashName: HashName): Promise<FolderSummary | undefined> {
  const dirRel = relKey(ctx.root, dir);
  const s = ctx.folders?.get(FolderSummaries.key(dirRel, hashName));
  if (!s) return undefined;
  const ignore = ctx.dvcignore?.stampFor(dirRel) ?? '';
  if (s.ignore !== ignore) return undefined;
  const expected = new Map(s.dirs);
  const same = (rel: string, digest: string) => expected.get(rel) === digest;
  const scope = scopeOf(ctx, dirRel);
  // Big folders spread over the workers, unless .dvcignore rules apply (they stay on this thread), and only with
  // idle cores: booting workers costs more than it saves on a saturated machine.
  const parallel = s.nfiles >= PARALLEL_SCAN && ctx.pool.size > 1 && idleCores() && !scope?.dvcignore.matcherFor(dirRel);
  const scan = parallel ? await scanFolderParallel(ctx.pool, dir, !!scope, same) : scanFolder(dir, scope, undefined, same);
  return !scan.stopped && scanMatches(scan, s, ignore) ? s : undefined;
}

/**
 * Builds a directory's manifest the way DVC does (walk, hash every file, sort by code point, Python JSON).
 * Files the stat cache knows cost a stat. Small unknown files go to the worker pool in batches while the walk goes
 * on (each read once: hashed and, when storing, written to the cache from the same buffer); large ones are
 * streamed, a few at a time. Records the folder's summary for the next status.
 */
export async function buildTree(ctx: BuildContext, dir: string, hashName: HashName): Promise<BuiltTree> {
  checkAborted(ctx.signal, `hashing ${dir}`);
  const dirRel = relKey(ctx.root, dir);
  const store = ctx.store && hashName === 'md5' ? ctx.store : undefined;
  const entries: BuiltTree['entries'] = [];
  const later: { i: number; abs: string; st: fs.Stats }[] = [];
  const batches: Promise<void>[] = [];
  // Two queues: with cache.type hardlink, executables are still copied (their mode cannot be the object's 0444).
  const pending: { i: number; abs: string; st: fs.Stats }[][] = [[], []];
  let done = 0;
  let bytes = 0;
  let failure: unknown;
  const report = () => ctx.onProgress?.({ phase: 'hash', files: done, totalFiles: entries.length, bytes, totalBytes: 0 });
  const base = store ? path.join(store.root, 'files', 'md5') : undefined;
  const prefix = dirRel ? `${dirRel}/` : '';
  const flush = (q: 0 | 1) => {
    const group = pending[q];
    pending[q] = [];
    const t0 = Date.now();
    const p = ctx.pool
      .batch(
        group.map((g) => g.abs),
        { base, link: q === 1 ? 'hardlink' : undefined, signal: ctx.signal },
      )
      .then(
        (r) => {
          for (let k = 0; k < group.length; k++) {
            const { i, st } = group[k];
            entries[i].md5 = r.md5s[k];
            if (r.sizes[k] === Number(st.size)) ctx.statCache.set(prefix + entries[i].relpath, hashName, st, r.md5s[k], t0);
            done++;
            bytes += r.sizes[k];
          }
          report();
        },
        (e) => void (failure ??= annotate(e, e instanceof BatchError ? group[e.index].abs : dir)),
      );
    batches.push(p);
  };
  const visit = (relpath: string, abs: string, st: fs.Stats) => {
    const i = entries.push({ relpath, md5: '', size: st.size }) - 1;
    const known = ctx.statCache.get(prefix + relpath, hashName, st);
    if (known && (!store || store.exists(known))) {
      entries[i].md5 = known;
      done++;
      bytes += st.size;
    } else if (hashName === 'md5' && st.size <= SMALL_FILE && !failure) {
      const q = ctx.put?.hardlink && !(st.mode & 0o111) ? 1 : 0;
      pending[q].push({ i, abs, st });
      if (pending[q].length >= BATCH) flush(q);
    } else later.push({ i, abs, st });
  };
  let scan: FolderScan | undefined;
  try {
    scan = scanFolder(dir, scopeOf(ctx, dirRel), visit);
    if (pending[0].length) flush(0);
    if (pending[1].length) flush(1);
    await hashRest(ctx, later, entries, hashName, (n) => ((done += 1), (bytes += n), report()));
  } catch (e) {
    failure ??= e;
  } finally {
    // Never return (or throw) while workers still write: cancellation must leave nothing behind.
    await Promise.allSettled(batches);
  }
  if (failure || !scan) throw failure;
  checkAborted(ctx.signal, `hashing ${dir}`);
  report();
  const manifest = serializeManifest(entries);
  const oid = manifestOid(manifest);
  if (ctx.store) ctx.store.putBytes(oid, manifest);
  const tree = { oid, manifest, entries, size: entries.reduce((s, e) => s + e.size, 0), nfiles: entries.length };
  ctx.folders?.record(FolderSummaries.key(dirRel, hashName), scan, tree, ctx.dvcignore?.stampFor(dirRel) ?? '');
  return tree;
}

/** Large and legacy-hashed files, a bounded number at a time. */
async function hashRest(
  ctx: BuildContext,
  files: { i: number; abs: string; st: fs.Stats }[],
  entries: BuiltTree['entries'],
  hashName: HashName,
  onDone: (bytes: number) => void,
): Promise<void> {
  let next = 0;
  let failure: unknown;
  const worker = async () => {
    while (failure === undefined && next < files.length) {
      const f = files[next++];
      try {
        checkAborted(ctx.signal, `hashing ${f.abs}`);
        const h = await hashFile(ctx, f.abs, hashName, f.st);
        entries[f.i].md5 = h.md5;
        onDone(h.size);
      } catch (e) {
        failure ??= annotate(e, f.abs);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(IN_FLIGHT, files.length) }, worker));
  if (failure !== undefined) throw failure;
}

function annotate(e: unknown, file: string): unknown {
  if (e instanceof Aborted) return e;
  if (e instanceof Error && !e.message.includes(file)) e.message = `${file}: ${e.message}`;
  return e;
}
