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
 * `scanFolder` without a visitor, spread over the pool's workers (`lstat` dominates and parallelises, as git's
 * preloaded index does). Only without `.dvcignore` rules, which stay on the calling thread.
 */
export function scanFolderParallel(pool: HashPool, dir: string, refuseDvcignore: boolean, keepGoing?: DirCheck): Promise<FolderScan> {
  const scan = newScan();
  const queue = [''];
  const depth = pool.size * 2;
  let outstanding = 0;
  return new Promise((resolve, reject) => {
    let failed = false;
    const fail = (e: unknown) => {
      if (!failed) reject(e);
      failed = true;
    };
    const pump = () => {
      while (queue.length && outstanding < depth && !scan.stopped && !failed) {
        const chunk = queue.splice(0, Math.max(1, Math.min(16, Math.ceil(queue.length / depth))));
        outstanding++;
        pool.scanDirs(chunk.map((rel) => ({ abs: rel ? path.join(dir, ...rel.split('/')) : dir, rel })), refuseDvcignore).then((results) => {
          outstanding--;
          if (failed) return;
          try {
            results.forEach((r, k) => queue.push(...applyDirResult(scan, chunk[k], r, keepGoing)));
          } catch (e) {
            return fail(e);
          }
          pump();
          if (!outstanding && (!queue.length || scan.stopped)) resolve(scan);
        }, (e) => ((outstanding--, fail(e))));
      }
    };
    pump();
  });
}
