import fs from 'node:fs';
import { buildTree, confirmTree, hashFile, relKey, type BuiltTree } from './build';
import type { TrackedOutput } from './collect';
import { checkAborted } from './errors';
import { FolderSummaries, type FolderSummary } from './folderSummary';
import { parseManifest, type ManifestEntry } from './manifest';
import { buildContext, type OpOptions, type RepoParts } from './parts';

/**
 * `unchanged`: workspace matches the `.dvc` file and the cache holds it. `modified`: content differs. `new`: the `.dvc`
 * entry has no hash yet. `deleted`: the path is gone. `not-in-cache`: content matches but objects are missing
 * (e.g. a fresh clone before pull).
 */
export type OutputState = 'unchanged' | 'modified' | 'new' | 'deleted' | 'not-in-cache';

export interface FileChange {
  /** Relative to the output folder, POSIX. */
  relpath: string;
  change: 'added' | 'modified' | 'deleted';
}

export interface OutputStatus {
  output: TrackedOutput;
  state: OutputState;
  /** Whether every object the `.dvc` file refers to is in the cache (independent of the workspace). */
  inCache: boolean;
  /** For folders: which files differ from the recorded version (empty when the recorded manifest is not cached). */
  changes: FileChange[];
  /** What the workspace hashes to now (absent when deleted). */
  current?: { md5: string; size: number; nfiles?: number; isexec?: boolean };
}

/** The recorded manifest of a folder output, or undefined when its `.dir` object is not cached. */
export function recordedManifest(parts: RepoParts, o: TrackedOutput): ManifestEntry[] | undefined {
  const oid = o.out.md5;
  if (!oid || !oid.endsWith('.dir') || !parts.cache.exists(oid, o.out.hashName)) return undefined;
  return parseManifest(parts.cache.read(oid, o.out.hashName), parts.cache.path(oid, o.out.hashName));
}

/** With `summary` (an unchanged folder) the manifest is read only when the cache stamp says objects came or went. */
function inCache(parts: RepoParts, o: TrackedOutput, manifest: ManifestEntry[] | undefined, summary?: FolderSummary): boolean {
  const oid = o.out.md5;
  if (!oid || !o.out.cache) return true;
  if (!oid.endsWith('.dir')) return parts.cache.exists(oid, o.out.hashName);
  if (!parts.cache.exists(oid, o.out.hashName)) return false;
  const key = FolderSummaries.key(o.path, o.out.hashName);
  // Every object was present at this cache stamp, and no object has come or gone since: no 100,000 look-ups.
  const stamp = parts.folders ? parts.cache.stamp(o.out.hashName) : undefined;
  if (stamp && (summary ?? parts.folders?.get(key))?.cached === stamp) return true;
  manifest ??= summary && recordedManifest(parts, o);
  if (!manifest) return false;
  const all = parts.cache
    .existsMany(
      manifest.map((e) => e.md5),
      o.out.hashName,
    )
    .every(Boolean);
  if (all) parts.folders?.markCached(key, oid, stamp);
  return all;
}

/** An unchanged folder, confirmed from its summary: no manifest is read, built or compared. */
function confirmedStatus(parts: RepoParts, o: TrackedOutput, s: FolderSummary): OutputStatus {
  const cached = inCache(parts, o, undefined, s);
  const current = { md5: s.oid, size: s.size, nfiles: s.nfiles };
  return { output: o, state: cached ? 'unchanged' : 'not-in-cache', inCache: cached, changes: [], current };
}

async function confirmFolder(parts: RepoParts, o: TrackedOutput, opts: OpOptions): Promise<FolderSummary | undefined> {
  if (!o.out.md5?.endsWith('.dir') || !parts.folders || relKey(parts.root, o.abs) !== o.path) return undefined;
  if (!fs.statSync(o.abs, { throwIfNoEntry: false })?.isDirectory()) return undefined;
  const s = await confirmTree(buildContext(parts, opts), o.abs, o.out.hashName);
  return s?.oid === o.out.md5 ? s : undefined;
}

export function diffManifests(before: ManifestEntry[], after: ManifestEntry[]): FileChange[] {
  const old = new Map(before.map((e) => [e.relpath, e.md5]));
  const changes: FileChange[] = [];
  for (const e of after) {
    const was = old.get(e.relpath);
    if (was === undefined) changes.push({ relpath: e.relpath, change: 'added' });
    else if (was !== e.md5) changes.push({ relpath: e.relpath, change: 'modified' });
    old.delete(e.relpath);
  }
  for (const relpath of old.keys()) changes.push({ relpath, change: 'deleted' });
  return changes.sort((a, b) => (a.relpath < b.relpath ? -1 : a.relpath > b.relpath ? 1 : 0));
}

/** Hashes what is in the workspace for an output, through the stat cache. */
export async function workspaceHash(
  parts: RepoParts,
  o: TrackedOutput,
  opts: OpOptions,
): Promise<{ kind: 'missing' } | { kind: 'file'; md5: string; size: number; isexec: boolean } | { kind: 'dir'; tree: BuiltTree }> {
  let st: fs.Stats;
  try {
    st = fs.statSync(o.abs);
  } catch {
    return { kind: 'missing' };
  }
  const ctx = buildContext(parts, opts);
  if (st.isDirectory()) return { kind: 'dir', tree: await buildTree(ctx, o.abs, o.out.hashName) };
  const h = await hashFile(ctx, o.abs, o.out.hashName);
  return { kind: 'file', ...h };
}

export async function outputStatus(parts: RepoParts, o: TrackedOutput, opts: OpOptions = {}): Promise<OutputStatus> {
  checkAborted(opts.signal, 'status');
  const confirmed = await confirmFolder(parts, o, opts);
  if (confirmed) return confirmedStatus(parts, o, confirmed);
  const ws = await workspaceHash(parts, o, opts);
  // An unchanged folder's entries are the recorded manifest's: skip reading and diffing it (100,000 entries).
  const same = ws.kind === 'dir' && ws.tree.oid === o.out.md5 && o.out.cache;
  const manifest = same ? ws.tree.entries : recordedManifest(parts, o);
  const cached = inCache(parts, o, manifest);
  if (ws.kind === 'missing') return { output: o, state: 'deleted', inCache: cached, changes: manifest ? diffManifests(manifest, []) : [] };
  const current =
    ws.kind === 'file' ? { md5: ws.md5, size: ws.size, isexec: ws.isexec || undefined } : { md5: ws.tree.oid, size: ws.tree.size, nfiles: ws.tree.nfiles };
  if (!o.out.md5) return { output: o, state: 'new', inCache: cached, changes: [], current };
  let changes: FileChange[] = [];
  if (ws.kind === 'dir' && manifest && !same) changes = diffManifests(manifest, ws.tree.entries);
  else if (ws.kind === 'dir' && !o.out.md5.endsWith('.dir')) changes = ws.tree.entries.map((e) => ({ relpath: e.relpath, change: 'added' as const }));
  const unchanged = current.md5 === o.out.md5;
  return { output: o, state: unchanged ? (cached ? 'unchanged' : 'not-in-cache') : 'modified', inCache: cached, changes: unchanged ? [] : changes, current };
}
