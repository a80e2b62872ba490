import fs from 'node:fs';
import { constants as fsc } from 'node:fs';
import path from 'node:path';
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

async function linkOnce(type: CacheType, src: string, tmp: string, isexec: boolean): Promise<void> {
  if (type === 'hardlink') return fs.linkSync(src, tmp);
  if (type === 'symlink') return fs.symlinkSync(src, tmp);
  await fs.promises.copyFile(src, tmp, type === 'reflink' ? fsc.COPYFILE_FICLONE_FORCE : fsc.COPYFILE_FICLONE);
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
        if (!unsupported(e) || (this.chosen && !isexec)) throw e;
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
