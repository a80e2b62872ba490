import type fs from 'node:fs';
import path from 'node:path';
import type { DvcIgnore } from './dvcignore';
import { InvalidTarget, UnsupportedFileName } from './errors';
import type { HashPool } from './hashPool';
import { scanDir, type DirResult } from './scanDir';

export interface WalkedFile {
  /** POSIX path relative to the walked directory. */
  relpath: string;
  abs: string;
}

export interface IgnoreScope {
  dvcignore: DvcIgnore;
  /** Repo-relative POSIX path of the walked folder. */
  dirRel: string;
}

/** Called per collected file with the stat of its content (a symlink's target). */
export type FileVisitor = (relpath: string, abs: string, st: fs.Stats) => void;

export interface FolderScan {
  /**
   * Folder (relative POSIX path, '' for the walked folder) → digest of what it contributes: every collected file's
   * name, inode, mtime, ctime and size, and its sub-folders' names. Equal digests for every folder mean the walk
   * would collect the same files with the same stat facts.
   */
  dirs: Map<string, string>;
  /** The latest mtime or ctime (ms) of any collected file. */
  newestMs: number;
  /** When the walk began (ms): timestamps this close to it are "racy". */
  startedMs: number;
  /** True when `keepGoing` ended the walk early (then `dirs` is incomplete). */
  stopped: boolean;
}

/** Asked after each folder's digest; false stops the walk (a summary check that already failed). */
export type DirCheck = (rel: string, digest: string) => boolean;

/** Turns one folder's result into the scan, or an error; the sub-folders to visit next. */
export function applyDirResult(scan: FolderScan, rel: string, r: DirResult, keepGoing?: DirCheck): string[] {
  if (r.bad === 'dvcignore') throw new InvalidTarget(r.path!, 'a .dvcignore inside a tracked folder is not allowed (DVC refuses it); move its patterns up');
  if (r.bad === 'name') throw new UnsupportedFileName(r.path!);
  if (r.skip) return [];
  scan.dirs.set(rel, r.digest!);
  if (r.newest! > scan.newestMs) scan.newestMs = r.newest!;
  if (keepGoing && !keepGoing(rel, r.digest!)) scan.stopped = true;
  return r.subdirs!.map((name) => (rel ? `${rel}/${name}` : name));
}

export function newScan(): FolderScan {
  return { dirs: new Map(), newestMs: 0, startedMs: Date.now(), stopped: false };
}

/**
 * Walks a tracked directory the way DVC's `os.walk` does: symlinked directories are not descended, symlinked files
 * are followed, empty directories yield nothing, `.git`/`.hg`/`.dvc` are skipped, and nested DVC repositories
 * (folders holding `.dvc/`) are skipped. With `ignore`, `.dvcignore` patterns of the tracked folder's ancestors
 * apply, and a `.dvcignore` inside it is refused, as DVC does. One `lstat` per entry (a `stat` more for symlinks),
 * no per-file objects unless `onFile` asks for them.
 */
export function scanFolder(dir: string, ignore?: IgnoreScope, onFile?: FileVisitor, keepGoing?: DirCheck): FolderScan {
  const matcher = ignore?.dvcignore.matcherFor(ignore.dirRel);
  const prefix = ignore?.dirRel ? `${ignore.dirRel}/` : '';
  const match = matcher && ((rel: string, isDir: boolean) => matcher(prefix + rel, isDir));
  const scan = newScan();
  const stack = [''];
  while (stack.length && !scan.stopped) {
    const rel = stack.pop()!;
    const abs = rel ? path.join(dir, ...rel.split('/')) : dir;
    const subs = applyDirResult(scan, rel, scanDir(abs, rel, match, onFile, !!ignore), keepGoing);
    for (let i = subs.length - 1; i >= 0; i--) stack.push(subs[i]);
  }
  return scan;
}

/** The files `scanFolder` collects, as a list. */
export function walkFiles(dir: string, ignore?: IgnoreScope): WalkedFile[] {
  const out: WalkedFile[] = [];
  scanFolder(dir, ignore, (relpath, abs) => out.push({ relpath, abs }));
  return out;
}

/**
 * `scanFolder` without a visitor, spread over this thread and the pool's workers (`lstat` dominates and
 * parallelises, as git's preloaded index does). This thread starts at once and works depth-first; each worker, once
 * booted and idle, takes a few folders from the other end of the queue. Only without `.dvcignore` rules, which stay
 * on this thread.
 */
export async function scanFolderParallel(pool: HashPool, dir: string, refuseDvcignore: boolean, keepGoing?: DirCheck): Promise<FolderScan> {
  const scan = newScan();
  const queue = [''];
  const absOf = (rel: string) => (rel ? path.join(dir, ...rel.split('/')) : dir);
  let outstanding = 0;
  let failure: unknown;
  let wake: (() => void) | undefined;
  pool.warm();
  const hand = () => {
    for (let slot = pool.idleWorker(); slot && queue.length > 1; slot = pool.idleWorker()) {
      const chunk = queue.splice(0, Math.max(1, Math.min(8, Math.floor(queue.length / 2))));
      outstanding++;
      pool
        .scanDirs(
          chunk.map((rel) => ({ abs: absOf(rel), rel })),
          refuseDvcignore,
          slot,
        )
        .then(
          (results) => {
            try {
              results.forEach((r, k) => queue.push(...applyDirResult(scan, chunk[k], r, keepGoing)));
            } catch (e) {
              failure ??= e;
            }
          },
          (e) => void (failure ??= e),
        )
        .finally(() => {
          outstanding--;
          wake?.();
        });
    }
  };
  while ((queue.length || outstanding) && failure === undefined && !scan.stopped) {
    hand();
    const rel = queue.pop();
    if (rel !== undefined) {
      const subs = applyDirResult(scan, rel, scanDir(absOf(rel), rel, undefined, undefined, refuseDvcignore), keepGoing);
      for (let i = subs.length - 1; i >= 0; i--) queue.push(subs[i]);
      // Let worker replies (and their boot) in between folders.
      await new Promise((r) => setImmediate(r));
    } else {
      await new Promise<void>((r) => (wake = r));
      wake = undefined;
    }
  }
  if (failure !== undefined) throw failure;
  return scan;
}
