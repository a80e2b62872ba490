import fs from 'node:fs';
import path from 'node:path';
import type { ProgressFn } from './build';
import type { TrackedOutput } from './collect';
import { MlopsError } from '../errors';
import { Aborted, HashMismatch, checkAborted } from './errors';
import { md5FileAsync, md5FileSync } from './hash';
import { parseManifest } from './manifest';
import { contentMd5, tempName, type ObjectDb } from './objectDb';
import type { ObjectRef, RemoteStorage } from './remoteStorage';

export interface TransferOpts {
  signal?: AbortSignal;
  onProgress?: ProgressFn;
}

export interface TransferResult {
  /** Objects sent or received by this call. */
  transferred: number;
  bytes: number;
  /** Objects already where they had to be. */
  skipped: number;
  /** Objects that could not be found at the source (cache for push, remote for fetch), with their output. */
  missing: { output: string; oid: string }[];
}

const key = (r: ObjectRef) => `${r.hashName}:${r.oid}`;

/** A push or fetch that failed on one object: names the file it holds and the full object id. */
export class TransferFailed extends MlopsError {
  constructor(
    readonly op: 'push' | 'fetch',
    readonly file: string,
    readonly oid: string,
    readonly cause: unknown,
  ) {
    const why = cause instanceof Error ? cause.message : String(cause);
    super(cause instanceof MlopsError ? cause.code : 'INTERNAL_ERROR', `${op} of ${file} (object ${oid}) failed: ${why}`);
  }
}

/** Moves one object; a cancel is reported as the operation's cancel, any other failure names the file and hash. */
async function moveOne(op: 'push' | 'fetch', signal: AbortSignal | undefined, file: string, ref: ObjectRef, fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (e) {
    if (e instanceof Aborted || signal?.aborted) throw new Aborted(op);
    // Data loss keeps its kind (callers and exit codes tell it apart), with the file named.
    if (e instanceof HashMismatch) throw new HashMismatch(`${op} of ${file}: ${e.where}`, e.expected, e.actual);
    throw new TransferFailed(op, file, ref.oid, e);
  }
}

/** Runs `fn` over items with at most `jobs` at once; stops starting new ones after the first failure. */
async function parallel<T>(items: T[], jobs: number, fn: (t: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: unknown;
  const worker = async () => {
    while (failure === undefined && next < items.length) {
      const item = items[next++];
      try {
        await fn(item);
      } catch (e) {
        failure ??= e;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(jobs, items.length) }, worker));
  if (failure !== undefined) throw failure;
}

function sizeOf(p: string): number {
  try {
    return fs.statSync(p).size;
  } catch {
    return 0;
  }
}

/**
 * `dvc push`: sends every object of the outputs the remote lacks. A folder's `.dir` manifest goes only after all its
 * files arrived, so a manifest on the remote always means complete contents. Already present objects are skipped,
 * which makes an interrupted push resumable.
 */
export async function pushObjects(cache: ObjectDb, remote: RemoteStorage, outputs: TrackedOutput[], opts: TransferOpts = {}): Promise<TransferResult> {
  const result: TransferResult = { transferred: 0, bytes: 0, skipped: 0, missing: [] };
  const files = new Map<string, ObjectRef>();
  const names = new Map<string, string>();
  const dirs: { ref: ObjectRef; entries: ObjectRef[]; output: string }[] = [];
  for (const o of outputs) {
    const oid = o.out.md5;
    if (!oid || !o.out.cache || !o.out.push) continue;
    const hashName = o.out.hashName;
    if (!oid.endsWith('.dir')) {
      if (cache.exists(oid, hashName)) {
        files.set(key({ oid, hashName }), { oid, hashName });
        names.set(key({ oid, hashName }), o.path);
      } else result.missing.push({ output: o.path, oid });
      continue;
    }
    if (!cache.exists(oid, hashName)) {
      result.missing.push({ output: o.path, oid });
      continue;
    }
    const manifest = parseManifest(cache.read(oid, hashName), cache.path(oid, hashName));
    const entries: ObjectRef[] = [];
    const cached = cache.existsMany(
      manifest.map((e) => e.md5),
      hashName,
    );
    for (const [i, e] of manifest.entries()) {
      const ref = { oid: e.md5, hashName };
      if (cached[i]) {
        files.set(key(ref), ref);
        if (!names.has(key(ref))) names.set(key(ref), `${o.path}/${e.relpath}`);
        entries.push(ref);
      } else result.missing.push({ output: `${o.path}/${e.relpath}`, oid: e.md5 });
    }
    dirs.push({ ref: { oid, hashName }, entries, output: o.path });
  }
  checkAborted(opts.signal, 'push');
  const fileRefs = [...files.values()];
  const present = await remote.has(fileRefs, { signal: opts.signal });
  const todo = fileRefs.filter((_, i) => !present[i]);
  result.skipped += fileRefs.length - todo.length;
  const dirPresent = await remote.has(
    dirs.map((d) => d.ref),
    { signal: opts.signal },
  );
  const dirTodo = dirs.filter((_, i) => !dirPresent[i]);
  result.skipped += dirs.length - dirTodo.length;

  const totalFiles = todo.length + dirTodo.length;
  const totalBytes = [...todo, ...dirTodo.map((d) => d.ref)].reduce((s, r) => s + sizeOf(cache.path(r.oid, r.hashName)), 0);
  const report = () => opts.onProgress?.({ phase: 'upload', files: result.transferred, totalFiles, bytes: result.bytes, totalBytes });
  report();
  const onBytes = (n: number) => {
    result.bytes += n;
    report();
  };
  await parallel(todo, remote.jobs, async (ref) => {
    checkAborted(opts.signal, 'push');
    await moveOne('push', opts.signal, names.get(key(ref)) ?? ref.oid, ref, () =>
      remote.upload(ref, cache.path(ref.oid, ref.hashName), { signal: opts.signal, onBytes }),
    );
    result.transferred++;
    report();
  });
  const missingKeys = new Set(result.missing.map((m) => m.oid));
  for (const d of dirTodo) {
    checkAborted(opts.signal, 'push');
    // A manifest whose files are not all on the remote would claim contents it lacks.
    const complete = d.entries.every((e) => !missingKeys.has(e.oid)) && !missingKeys.has(d.ref.oid);
    if (!complete) continue;
    await moveOne('push', opts.signal, `${d.output} (folder manifest)`, d.ref, () =>
      remote.upload(d.ref, cache.path(d.ref.oid, d.ref.hashName), { signal: opts.signal, onBytes }),
    );
    result.transferred++;
    report();
  }
  return result;
}

/** Downloads one object into the cache: temp file, verify, read-only, rename. */
async function fetchOne(cache: ObjectDb, remote: RemoteStorage, ref: ObjectRef, opts: TransferOpts, onBytes: (n: number) => void): Promise<void> {
  const dest = cache.path(ref.oid, ref.hashName);
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  const tmp = path.join(path.dirname(dest), tempName());
  try {
    const hashed = await remote.download(ref, tmp, { signal: opts.signal, onBytes });
    checkAborted(opts.signal, 'fetch');
    if (ref.hashName === 'md5' || ref.oid.endsWith('.dir')) {
      const actual = hashed || (sizeOf(tmp) <= 1 << 20 ? md5FileSync(tmp) : await md5FileAsync(tmp, opts.signal));
      if (actual !== contentMd5(ref.oid)) throw new HashMismatch(`${remote.name}: object ${ref.oid}`, contentMd5(ref.oid), actual);
    }
    cache.commitTemp(tmp, ref.oid, ref.hashName);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}

/**
 * `dvc fetch`: brings every object of the outputs into the cache. Manifests come first (they list the files), then
 * the files; each object is verified before it appears in the cache. Objects already cached are skipped.
 */
export async function fetchObjects(cache: ObjectDb, remote: RemoteStorage, outputs: TrackedOutput[], opts: TransferOpts = {}): Promise<TransferResult> {
  const result: TransferResult = { transferred: 0, bytes: 0, skipped: 0, missing: [] };
  let totalFiles = 0;
  const report = () => opts.onProgress?.({ phase: 'download', files: result.transferred, totalFiles, bytes: result.bytes, totalBytes: 0 });
  const onBytes = (n: number) => {
    result.bytes += n;
    report();
  };
  const wanted = new Map<string, { ref: ObjectRef; output: string }>();
  const sources = outputs.filter((o) => o.out.md5 && o.out.cache);
  const dirs = sources.filter((o) => o.out.md5!.endsWith('.dir'));
  const dirRefs = dirs.map((o) => ({ oid: o.out.md5!, hashName: o.out.hashName }));
  const needDirs = dirRefs.filter((r) => !cache.exists(r.oid, r.hashName));
  const dirOnRemote = await remote.has(needDirs, { signal: opts.signal });
  totalFiles += needDirs.length;
  for (const [i, r] of needDirs.entries()) {
    checkAborted(opts.signal, 'fetch');
    if (!dirOnRemote[i]) continue;
    const output = dirs.find((o) => o.out.md5 === r.oid)?.path ?? r.oid;
    await moveOne('fetch', opts.signal, `${output} (folder manifest)`, r, () => fetchOne(cache, remote, r, opts, onBytes));
    result.transferred++;
    report();
  }
  for (const [i, o] of dirs.entries()) {
    const r = dirRefs[i];
    if (!cache.exists(r.oid, r.hashName)) {
      result.missing.push({ output: o.path, oid: r.oid });
      continue;
    }
    if (!needDirs.includes(r)) result.skipped++;
    for (const e of parseManifest(cache.read(r.oid, r.hashName), cache.path(r.oid, r.hashName))) {
      const ref = { oid: e.md5, hashName: r.hashName };
      if (!wanted.has(key(ref))) wanted.set(key(ref), { ref, output: `${o.path}/${e.relpath}` });
    }
  }
  for (const o of sources) {
    if (o.out.md5!.endsWith('.dir')) continue;
    const ref = { oid: o.out.md5!, hashName: o.out.hashName };
    if (!wanted.has(key(ref))) wanted.set(key(ref), { ref, output: o.path });
  }
  const all = [...wanted.values()];
  const cachedMd5 = cache.existsMany(all.filter((w) => w.ref.hashName === 'md5').map((w) => w.ref.oid));
  const cachedSet = new Set(
    all
      .filter((w) => w.ref.hashName === 'md5')
      .filter((_, i) => cachedMd5[i])
      .map((w) => key(w.ref)),
  );
  const need = all.filter((w) => !(w.ref.hashName === 'md5' ? cachedSet.has(key(w.ref)) : cache.exists(w.ref.oid, w.ref.hashName)));
  result.skipped += all.length - need.length;
  const onRemote = await remote.has(
    need.map((w) => w.ref),
    { signal: opts.signal },
  );
  const todo = need.filter((_, i) => onRemote[i]);
  need.forEach((w, i) => !onRemote[i] && result.missing.push({ output: w.output, oid: w.ref.oid }));
  totalFiles += todo.length;
  report();
  await parallel(todo, remote.jobs, async (w) => {
    checkAborted(opts.signal, 'fetch');
    await moveOne('fetch', opts.signal, w.output, w.ref, () => fetchOne(cache, remote, w.ref, opts, onBytes));
    result.transferred++;
    report();
  });
  return result;
}

export interface RemoteOutputStatus {
  output: TrackedOutput;
  /** Objects (files + manifest) the output needs. Unknown entries of an uncached manifest are not counted. */
  total: number;
  /** Of those, how many the remote lacks (push would send them, if cached). */
  missingOnRemote: number;
  /** Of those, how many the cache lacks (fetch would get them, if on the remote). */
  missingInCache: number;
}

/** `dvc status -c` per output: what push and fetch would move. */
export async function remoteStatus(cache: ObjectDb, remote: RemoteStorage, outputs: TrackedOutput[], opts: TransferOpts = {}): Promise<RemoteOutputStatus[]> {
  const out: RemoteOutputStatus[] = [];
  for (const o of outputs) {
    checkAborted(opts.signal, 'remote status');
    const oid = o.out.md5;
    if (!oid || !o.out.cache) {
      out.push({ output: o, total: 0, missingOnRemote: 0, missingInCache: 0 });
      continue;
    }
    const hashName = o.out.hashName;
    const refs: ObjectRef[] = [{ oid, hashName }];
    if (oid.endsWith('.dir') && cache.exists(oid, hashName)) {
      for (const e of parseManifest(cache.read(oid, hashName), cache.path(oid, hashName))) refs.push({ oid: e.md5, hashName });
    }
    const onRemote = await remote.has(refs, { signal: opts.signal });
    const inCache = cache.existsMany(
      refs.map((r) => r.oid),
      hashName,
    );
    out.push({
      output: o,
      total: refs.length,
      missingOnRemote: onRemote.filter((x) => !x).length,
      missingInCache: inCache.filter((x) => !x).length,
    });
  }
  return out;
}
