import fs from 'node:fs';
import path from 'node:path';
import { buildTree, hashFile, relKey } from './build';
import type { OutputHash } from './dvcfile';
import { OutputNotFound } from './errors';
import { FolderSummaries } from './folderSummary';
import type { HashName } from './hash';
import { Linker } from './links';
import { parseManifest } from './manifest';
import { buildContext, type OpOptions, type RepoParts } from './parts';

/** Hashes an output and stores every object (files, then the `.dir` manifest) in the cache. */
export async function saveToCache(parts: RepoParts, abs: string, opts: OpOptions, hashName: HashName = 'md5'): Promise<OutputHash> {
  let st: fs.Stats;
  try {
    st = fs.statSync(abs);
  } catch {
    throw new OutputNotFound(abs, 'does not exist');
  }
  const ctx = buildContext(parts, opts, parts.cache);
  let h: OutputHash;
  if (st.isDirectory()) {
    const t = await buildTree(ctx, abs, hashName);
    h = { md5: t.oid, size: t.size, nfiles: t.nfiles, hashName };
  } else if (!st.isFile()) {
    throw new OutputNotFound(abs, 'is neither a regular file nor a folder');
  } else {
    const f = await hashFile(ctx, abs, hashName);
    h = { md5: f.md5, size: f.size, isexec: f.isexec || undefined, hashName };
  }
  if (hashName === 'md5') await relinkWorkspace(parts, abs, h);
  return h;
}

/**
 * After `add`/`commit`, with `cache.type` hardlink or symlink, the workspace files become links to their cache
 * objects, as DVC's `checkout(relink=True)` does; copies and reflinks are left alone. Executable files stay copies.
 */
export async function relinkWorkspace(parts: RepoParts, abs: string, h: OutputHash): Promise<void> {
  const types = parts.config.cacheTypes();
  const linkTypes = types.filter((t) => t === 'hardlink' || t === 'symlink');
  if (!linkTypes.length || h.isexec) return;
  const files = h.md5.endsWith('.dir')
    ? parseManifest(parts.cache.read(h.md5), parts.cache.path(h.md5)).map((e) => ({ ws: path.join(abs, ...e.relpath.split('/')), md5: e.md5 }))
    : [{ ws: abs, md5: h.md5 }];
  const linker = new Linker(types);
  let changed = false;
  for (const f of files) {
    const obj = parts.cache.path(f.md5);
    const ws = fs.statSync(f.ws, { throwIfNoEntry: false });
    if (!ws || (ws.mode & 0o111) !== 0) continue;
    if (linkTypes.some((t) => Linker.isLinked(t, obj, f.ws))) continue;
    const used = await linker.place(obj, f.ws, false);
    changed = true;
    parts.statCache.set(relKey(parts.root, f.ws), 'md5', fs.statSync(f.ws), f.md5);
    if (used === 'copy' || used === 'reflink') break;
  }
  // The folder's summary holds the stats from before relinking.
  if (changed) parts.folders?.forget(FolderSummaries.key(relKey(parts.root, abs), 'md5'));
}
