import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../store/atomicFile';
import { buildTree, hashFile } from './build';
import type { TrackedOutput } from './collect';
import { commitOutput, type CommitResult } from './commit';
import { updateDvcFileText } from './dvcfile';
import { manifestOid, serializeManifest, type ManifestEntry } from './manifest';
import { buildContext, type OpOptions, type RepoParts } from './parts';
import { recordedManifest } from './status';

/**
 * `dvc add folder/file` inside a tracked folder: only that file (or sub-folder) gets its new version in the folder's
 * manifest; other changes in the folder stay unrecorded, as with DVC. Without the recorded manifest in the cache,
 * or for a legacy folder, the whole folder is committed instead.
 */
export async function addInsideOutput(parts: RepoParts, o: TrackedOutput, targetAbs: string, opts: OpOptions = {}): Promise<CommitResult> {
  const before = recordedManifest(parts, o);
  if (!before || o.out.hashName !== 'md5' || o.out.size === undefined) return commitOutput(parts, o, opts);
  const prefix = path.relative(o.abs, targetAbs).split(path.sep).join('/');
  const under = (rel: string) => rel === prefix || rel.startsWith(prefix + '/');
  const ctx = buildContext(parts, opts, parts.cache);
  let replacement: (ManifestEntry & { size: number })[] = [];
  let st: fs.Stats | undefined;
  try {
    st = fs.statSync(targetAbs);
  } catch {
    st = undefined; // deleted: its entries are dropped
  }
  if (st?.isDirectory()) {
    replacement = (await buildTree(ctx, targetAbs, 'md5')).entries.map((e) => ({ ...e, relpath: `${prefix}/${e.relpath}` }));
  } else if (st) {
    const h = await hashFile(ctx, targetAbs, 'md5');
    replacement = [{ relpath: prefix, md5: h.md5, size: h.size }];
  }
  const removed = before.filter((e) => under(e.relpath));
  // The manifest has no sizes: the replaced entries' sizes come from their cache objects.
  const removedBytes = removed.reduce((s, e) => {
    try {
      return s + fs.statSync(parts.cache.path(e.md5)).size;
    } catch {
      return s;
    }
  }, 0);
  const entries = [...before.filter((e) => !under(e.relpath)), ...replacement];
  const manifest = serializeManifest(entries);
  const oid = manifestOid(manifest);
  parts.cache.putBytes(oid, manifest);
  const hash = {
    md5: oid,
    size: o.out.size - removedBytes + replacement.reduce((s, e) => s + e.size, 0),
    nfiles: entries.length,
    hashName: 'md5' as const,
  };
  const changed = oid !== o.out.md5;
  if (changed) {
    const text = fs.readFileSync(o.dvcFileAbs, 'utf8');
    writeFileAtomic(o.dvcFileAbs, updateDvcFileText(text, o.index, hash, o.dvcFileAbs), 0o644);
  }
  return { output: o, changed, hash };
}
