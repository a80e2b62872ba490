import fs from 'node:fs';
import { buildTree, hashFile } from './build';
import type { OutputHash } from './dvcfile';
import { OutputNotFound } from './errors';
import type { HashName } from './hash';
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
  if (st.isDirectory()) {
    const t = await buildTree(ctx, abs, hashName);
    return { md5: t.oid, size: t.size, nfiles: t.nfiles, hashName };
  }
  if (!st.isFile()) throw new OutputNotFound(abs, 'is neither a regular file nor a folder');
  const h = await hashFile(ctx, abs, hashName);
  return { md5: h.md5, size: h.size, isexec: h.isexec || undefined, hashName };
}
