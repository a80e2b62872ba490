import fs from 'node:fs';
import path from 'node:path';
import { buildTree, confirmTree, hashFile } from './build';
import type { TrackedOutput } from './collect';
import { CheckoutConflict, checkAborted } from './errors';
import type { HashName } from './hash';
import type { ManifestEntry } from './manifest';
import { Linker } from './links';
import { buildContext, type OpOptions, type RepoParts } from './parts';
import { recordedManifest } from './status';
import { walkFiles } from './walk';

export interface CheckoutOptions extends OpOptions {
  /** Overwrite or delete workspace files even when their content is not in the cache. */
  force?: boolean;
}

export interface CheckoutResult {
  /** Repo-relative paths written from the cache. */
  restored: string[];
  /** Repo-relative paths deleted because the recorded version does not have them. */
  removed: string[];
  /** Outputs left alone because objects are missing from the cache (pull them first). */
  missing: { output: string; oids: string[] }[];
}

interface Write {
  abs: string;
  oid: string;
  hashName: HashName;
  isexec: boolean;
}

interface Plan {
  writes: Write[];
  removes: string[];
  /** Folders whose emptied sub-folders are pruned after removals. */
  prune: string[];
  conflicts: string[];
  missing: CheckoutResult['missing'];
}

function rel(parts: RepoParts, abs: string): string {
  return path.relative(parts.root, abs).split(path.sep).join('/');
}

function lstatOrNull(p: string): fs.Stats | null {
  try {
    return fs.lstatSync(p);
  } catch {
    return null;
  }
}

/** True when losing this workspace file loses nothing: its content is in the cache. */
async function recoverable(parts: RepoParts, abs: string, opts: OpOptions): Promise<boolean> {
  const h = await hashFile(buildContext(parts, opts), abs, 'md5');
  return parts.cache.exists(h.md5) || parts.cache.exists(h.md5, 'md5-dos2unix');
}

async function planFolderRemoval(parts: RepoParts, abs: string, plan: Plan, opts: OpOptions, force: boolean): Promise<void> {
  for (const f of walkFiles(abs, { dvcignore: parts.dvcignore, dirRel: rel(parts, abs) }))
    if (!force && !(await recoverable(parts, f.abs, opts))) plan.conflicts.push(rel(parts, f.abs));
  plan.removes.push(abs);
}

async function planFile(parts: RepoParts, o: TrackedOutput, oid: string, plan: Plan, opts: OpOptions, force: boolean): Promise<void> {
  const hashName = o.out.hashName;
  if (!parts.cache.exists(oid, hashName)) {
    plan.missing.push({ output: o.path, oids: [oid] });
    return;
  }
  const st = lstatOrNull(o.abs);
  const write: Write = { abs: o.abs, oid, hashName, isexec: !!o.out.isexec };
  if (!st) return void plan.writes.push(write);
  if (st.isDirectory()) {
    await planFolderRemoval(parts, o.abs, plan, opts, force);
    return void plan.writes.push(write);
  }
  const h = await hashFile(buildContext(parts, opts), o.abs, hashName);
  if (h.md5 === oid) {
    if (h.isexec !== write.isexec) plan.writes.push(write);
    return;
  }
  if (!force && !(await recoverable(parts, o.abs, opts))) plan.conflicts.push(o.path);
  plan.writes.push(write);
}

async function planFolder(parts: RepoParts, o: TrackedOutput, oid: string, plan: Plan, opts: OpOptions, force: boolean): Promise<void> {
  const hashName = o.out.hashName;
  const manifest: ManifestEntry[] | undefined = recordedManifest(parts, o);
  if (!manifest) return void plan.missing.push({ output: o.path, oids: [oid] });
  const present = parts.cache.existsMany(
    manifest.map((e) => e.md5),
    hashName,
  );
  const absent = [...new Set(manifest.filter((_, i) => !present[i]).map((e) => e.md5))];
  if (absent.length) return void plan.missing.push({ output: o.path, oids: absent });
  const st = lstatOrNull(o.abs);
  const writeAll = () => manifest.forEach((e) => plan.writes.push({ abs: path.join(o.abs, ...e.relpath.split('/')), oid: e.md5, hashName, isexec: false }));
  if (!st) return writeAll();
  if (!st.isDirectory()) {
    if (!force && !(await recoverable(parts, o.abs, opts))) plan.conflicts.push(o.path);
    plan.removes.push(o.abs);
    return writeAll();
  }
  const ctx = buildContext(parts, opts);
  // An unchanged folder (its summary confirms it) needs nothing.
  if ((await confirmTree(ctx, o.abs, hashName))?.oid === oid) return;
  const tree = await buildTree(ctx, o.abs, hashName);
  const current = new Map(tree.entries.map((e) => [e.relpath, e.md5]));
  for (const e of manifest) {
    const have = current.get(e.relpath);
    current.delete(e.relpath);
    if (have === e.md5) continue;
    const abs = path.join(o.abs, ...e.relpath.split('/'));
    if (have !== undefined && !force && !parts.cache.exists(have, hashName) && !parts.cache.exists(have)) plan.conflicts.push(rel(parts, abs));
    plan.writes.push({ abs, oid: e.md5, hashName, isexec: false });
  }
  for (const [relpath, md5] of current) {
    const abs = path.join(o.abs, ...relpath.split('/'));
    if (!force && !parts.cache.exists(md5, hashName) && !parts.cache.exists(md5)) plan.conflicts.push(rel(parts, abs));
    plan.removes.push(abs);
  }
  plan.prune.push(o.abs);
}

function pruneEmpty(dir: string, keep: boolean): boolean {
  let ents: fs.Dirent[];
  try {
    ents = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return false;
  }
  let empty = true;
  for (const e of ents) {
    if (e.isDirectory() && pruneEmpty(path.join(dir, e.name), false)) continue;
    empty = false;
  }
  if (empty && !keep) fs.rmdirSync(dir);
  return empty;
}

/**
 * Places an object in the workspace atomically by `cache.type` (a writable copy or reflink by default, as DVC
 * leaves them; a hardlink or symlink to the read-only object when configured).
 */
async function restore(parts: RepoParts, w: Write, linker: Linker): Promise<void> {
  const dir = path.dirname(w.abs);
  const st = lstatOrNull(dir);
  if (st && !st.isDirectory()) fs.rmSync(dir, { force: true });
  fs.mkdirSync(dir, { recursive: true });
  const existing = lstatOrNull(w.abs);
  if (existing?.isDirectory()) fs.rmSync(w.abs, { recursive: true, force: true });
  await linker.place(parts.cache.path(w.oid, w.hashName), w.abs, w.isexec);
  // Remember the hash of what we wrote, so the next status does not read it back.
  const bst = fs.statSync(w.abs);
  const md5 = w.oid;
  if (w.hashName === 'md5') parts.statCache.set(rel(parts, w.abs), 'md5', bst, md5);
}

/**
 * Makes the workspace match the `.dvc` files. Plans first, for every output: if any file to overwrite or delete holds
 * content the cache lacks, nothing is touched and `CheckoutConflict` lists them (unless `force`).
 */
export async function checkoutOutputs(parts: RepoParts, outputs: TrackedOutput[], opts: CheckoutOptions = {}): Promise<CheckoutResult> {
  const plan: Plan = { writes: [], removes: [], prune: [], conflicts: [], missing: [] };
  const force = !!opts.force;
  const quiet = { signal: opts.signal };
  for (const o of outputs) {
    checkAborted(opts.signal, 'checkout');
    const oid = o.out.md5;
    if (!oid || !o.out.cache) continue;
    if (oid.endsWith('.dir')) await planFolder(parts, o, oid, plan, quiet, force);
    else await planFile(parts, o, oid, plan, quiet, force);
  }
  if (plan.conflicts.length) throw new CheckoutConflict(plan.conflicts);
  const result: CheckoutResult = { restored: [], removed: [], missing: plan.missing };
  for (const abs of plan.removes) {
    checkAborted(opts.signal, 'checkout');
    fs.rmSync(abs, { recursive: true, force: true });
    result.removed.push(rel(parts, abs));
  }
  for (const p of plan.prune) pruneEmpty(p, true);
  const totalBytes = plan.writes.reduce((s, w) => s + fs.statSync(parts.cache.path(w.oid, w.hashName)).size, 0);
  let bytes = 0;
  let next = 0;
  let failure: unknown;
  const linker = new Linker(parts.config.cacheTypes());
  // A few copies at a time: file creation dominates for many small files and overlaps well.
  const worker = async () => {
    while (failure === undefined && next < plan.writes.length) {
      const w = plan.writes[next++];
      try {
        checkAborted(opts.signal, 'checkout');
        await restore(parts, w, linker);
        bytes += fs.statSync(w.abs).size;
        result.restored.push(rel(parts, w.abs));
        opts.onProgress?.({ phase: 'checkout', files: result.restored.length, totalFiles: plan.writes.length, bytes, totalBytes });
      } catch (e) {
        failure ??= e;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(8, plan.writes.length) }, worker));
  if (failure !== undefined) throw failure;
  result.restored.sort();
  return result;
}
