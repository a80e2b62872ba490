import fs from 'node:fs';
import path from 'node:path';
import type { DvcIgnore } from './dvcignore';
import { InvalidTarget, UnsupportedFileName } from './errors';

export interface WalkedFile {
  /** POSIX path relative to the walked directory. */
  relpath: string;
  abs: string;
}

/** Names DVC never collects inside a tracked directory, at any depth. */
const ALWAYS_IGNORED = new Set(['.git', '.hg', '.dvc']);

function checkName(name: string, where: string): void {
  // Node decodes invalid UTF-8 to U+FFFD, so the name cannot round-trip to the bytes on disk.
  if (name.includes('\ufffd') && !fs.existsSync(path.join(where, name))) throw new UnsupportedFileName(path.join(where, name));
}

/**
 * Lists the files of a tracked directory the way DVC's `os.walk` does: symlinked directories are not descended,
 * symlinked files are followed, empty directories yield nothing, `.git`/`.hg`/`.dvc` are skipped, and nested DVC
 * repositories (folders holding `.dvc/`) are skipped. With `ignore`, `.dvcignore` patterns of the tracked folder's
 * ancestors apply, and a `.dvcignore` inside it is refused, as DVC does.
 */
export function walkFiles(dir: string, ignore?: { dvcignore: DvcIgnore; dirRel: string }): WalkedFile[] {
  const out: WalkedFile[] = [];
  const matcher = ignore?.dvcignore.matcherFor(ignore.dirRel);
  const repoRel = (rel: string) => (ignore!.dirRel ? `${ignore!.dirRel}/${rel}` : rel);
  const visit = (abs: string, rel: string) => {
    const ents = fs.readdirSync(abs, { withFileTypes: true });
    if (rel && ents.some((e) => e.name === '.dvc' && e.isDirectory())) return;
    for (const e of ents) {
      if (ALWAYS_IGNORED.has(e.name)) continue;
      checkName(e.name, abs);
      const childAbs = abs + path.sep + e.name;
      const childRel = rel ? `${rel}/${e.name}` : e.name;
      if (e.name === '.dvcignore' && ignore) throw new InvalidTarget(childAbs, 'a .dvcignore inside a tracked folder is not allowed (DVC refuses it); move its patterns up');
      if (e.isDirectory()) {
        if (!matcher?.(repoRel(childRel), true)) visit(childAbs, childRel);
      } else if (e.isFile()) {
        if (!matcher?.(repoRel(childRel), false)) out.push({ relpath: childRel, abs: childAbs });
      } else if (e.isSymbolicLink()) {
        let st: fs.Stats;
        try {
          st = fs.statSync(childAbs);
        } catch {
          continue; // dangling link: os.walk lists it, but DVC cannot hash it either; skip like an unreadable entry
        }
        // A symlinked folder is listed by os.walk but not descended: it contributes nothing.
        if (st.isFile() && !matcher?.(repoRel(childRel), false)) out.push({ relpath: childRel, abs: childAbs });
      }
    }
  };
  visit(dir, '');
  return out;
}
