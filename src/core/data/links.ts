import fs from 'node:fs';
import { constants as fsc } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { CacheType } from './config';
import { tempName } from './objectDb';

let umask: number | undefined;
export function workspaceMode(isexec: boolean): number {
  umask ??= process.umask();
  return (isexec ? 0o777 : 0o666) & ~umask;
}

/** Errors meaning "this link type does not work here" (DVC's test_links), rather than a real failure. */
export function unsupported(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException).code;
  return ['ENOTSUP', 'EOPNOTSUPP', 'EXDEV', 'EINVAL', 'ENOSYS', 'ENOTTY', 'EPERM', 'EMLINK'].includes(code ?? '');
}

/**
 * A plain copy (a reflink where the filesystem offers one). Some filesystems refuse the kernel's copy paths
 * (copy_file_range answers EOPNOTSUPP on some overlay and network mounts); then the bytes are streamed.
 */
export async function copyFileAnyway(src: string, dest: string): Promise<void> {
  try {
    await fs.promises.copyFile(src, dest, fsc.COPYFILE_FICLONE);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS' && code !== 'EXDEV') throw e;
    await pipeline(fs.createReadStream(src), fs.createWriteStream(dest));
  }
}

async function linkOnce(type: CacheType, src: string, tmp: string, isexec: boolean): Promise<void> {
  if (type === 'hardlink') return fs.linkSync(src, tmp);
  if (type === 'symlink') return fs.symlinkSync(src, tmp);
  if (type === 'reflink') await fs.promises.copyFile(src, tmp, fsc.COPYFILE_FICLONE_FORCE);
  else await copyFileAnyway(src, tmp);
  // Copies (and reflinks) are the user's to edit, as DVC leaves them: writable, exec bit as recorded.
  fs.chmodSync(tmp, workspaceMode(isexec));
}

/**
 * Places cache objects in the workspace by `cache.type`, as DVC's checkout does: the first configured type that
 * works on this filesystem is used from then on. Hardlinks and symlinks share the read-only cache object (edit
 * after unprotecting); an executable file is always copied, since its mode cannot differ from the shared object's.
 */
export class Linker {
  private chosen?: CacheType;

  constructor(readonly types: CacheType[]) {}

  /** The type in use (after the first placement); undefined before. */
  get type(): CacheType | undefined {
    return this.chosen;
  }

  async place(src: string, dest: string, isexec: boolean): Promise<CacheType> {
    const tmp = path.join(path.dirname(dest), tempName());
    // Decided before the loop: several places run at once, and another one may settle the type while this one
    // is still finding out that reflinks are refused here; that refusal must fall through to the next type.
    const pinned = isexec || this.chosen !== undefined;
    const order = isexec ? ['copy' as const] : this.chosen ? [this.chosen] : this.types;
    let last: unknown;
    for (const t of order) {
      try {
        await linkOnce(t, src, tmp, isexec);
        fs.renameSync(tmp, dest);
        if (!isexec) this.chosen ??= t;
        return t;
      } catch (e) {
        fs.rmSync(tmp, { force: true });
        if (!unsupported(e) || pinned) throw e;
        last = e;
      }
    }
    throw Object.assign(new Error(`no cache.type of ${this.types.join(', ')} works for ${dest}: ${(last as Error)?.message}`), {
      code: (last as NodeJS.ErrnoException)?.code,
    });
  }

  /** Whether the workspace entry already is the link this linker would make (nothing to relink). */
  static isLinked(type: CacheType, src: string, dest: string): boolean {
    const lst = fs.lstatSync(dest, { throwIfNoEntry: false });
    if (!lst) return false;
    if (type === 'symlink') return lst.isSymbolicLink() && fs.readlinkSync(dest) === src;
    if (type === 'hardlink') return lst.isFile() && lst.ino === fs.statSync(src, { throwIfNoEntry: false })?.ino;
    return true;
  }
}
