import fs from 'node:fs';
import { writeFileAtomic } from '../store/atomicFile';
import type { TrackedOutput } from './collect';
import { updateDvcFileText, type OutputHash } from './dvcfile';
import type { OpOptions, RepoParts } from './parts';
import { saveToCache } from './save';
import { workspaceHash } from './status';

export interface CommitResult {
  output: TrackedOutput;
  /** Whether the `.dvc` file now records a different hash. */
  changed: boolean;
  hash: OutputHash;
}

/**
 * Records the workspace version of an output in its `.dvc` file and the cache. A legacy (DVC 2) output whose content
 * is unchanged under the dos2unix rule stays legacy; once its content changes it switches to `hash: md5`, as DVC does.
 */
export async function commitOutput(parts: RepoParts, o: TrackedOutput, opts: OpOptions = {}): Promise<CommitResult> {
  let hashName = o.out.hashName;
  if (hashName === 'md5-dos2unix' && o.out.md5) {
    const ws = await workspaceHash(parts, o, opts);
    const now = ws.kind === 'file' ? ws.md5 : ws.kind === 'dir' ? ws.tree.oid : undefined;
    if (now !== o.out.md5) hashName = 'md5';
    else return { output: o, changed: false, hash: { md5: now, size: o.out.size ?? 0, nfiles: o.out.nfiles, isexec: o.out.isexec, hashName } };
  } else {
    hashName = 'md5';
  }
  const h = await saveToCache(parts, o.abs, opts, hashName);
  const changed = h.md5 !== o.out.md5 || h.size !== o.out.size || h.nfiles !== o.out.nfiles || !!h.isexec !== !!o.out.isexec || h.hashName !== o.out.hashName;
  if (changed) {
    const text = fs.readFileSync(o.dvcFileAbs, 'utf8');
    writeFileAtomic(o.dvcFileAbs, updateDvcFileText(text, o.index, h, o.dvcFileAbs), 0o644);
  }
  return { output: o, changed, hash: h };
}
