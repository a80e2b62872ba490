import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/**
 * One folder of a tracked directory, as DVC's `os.walk` sees it. Kept as source text so the very same code runs on
 * the calling thread (`scanDir` below) and inside the hash workers (parallel status), never two versions of the
 * walk rules. Called as `(fs, sep, md5b64: (text, Float64Array) => string) => scanDir(abs, rel, match, onFile, refuseDvcignore)`; returns
 * `{ skip }` for a nested DVC repository, `{ bad, path }` for a name to refuse, else
 * `{ digest, newest, subdirs }`: the digest covers every collected file's name, inode, mtime, ctime and size, and
 * the sub-folders' names (descended by the caller).
 */
export const SCAN_DIR_SOURCE = `
const QUIET = { throwIfNoEntry: false };
return function scanDir(abs, rel, match, onFile, refuseDvcignore) {
  const names = fs.readdirSync(abs);
  if (rel && names.includes('.dvc')) {
    const d = fs.lstatSync(abs + sep + '.dvc', QUIET);
    if (d && d.isDirectory()) return { skip: true };
  }
  // Names (and kinds) as text, stat numbers as raw doubles: formatting 400,000 numbers would cost more than the stats.
  let digest = '';
  const nums = new Float64Array(names.length * 6);
  let k = 0;
  let newest = 0;
  const subdirs = [];
  for (const name of names) {
    const dot = name.charCodeAt(0) === 46;
    if (dot && (name === '.git' || name === '.hg' || name === '.dvc')) continue;
    const childAbs = abs + sep + name;
    // Node decodes invalid UTF-8 to U+FFFD, so such a name cannot round-trip to the bytes on disk.
    if (name.includes('\\ufffd') && !fs.existsSync(childAbs)) return { bad: 'name', path: childAbs };
    if (dot && name === '.dvcignore' && refuseDvcignore) return { bad: 'dvcignore', path: childAbs };
    const childRel = match || onFile ? (rel ? rel + '/' + name : name) : '';
    const lst = fs.lstatSync(childAbs, QUIET);
    if (!lst) continue;
    let st = lst;
    if (lst.isSymbolicLink()) {
      // A dangling link cannot be hashed (skipped); a linked folder is listed by os.walk but not descended.
      st = fs.statSync(childAbs, QUIET);
      digest += name + (st ? (st.isFile() ? '\\0Lf\\n' : '\\0Lo\\n') : '\\0Lx\\n');
      nums[k++] = lst.ino;
      nums[k++] = lst.mtimeMs;
      if (!st || !st.isFile()) continue;
    } else if (lst.isDirectory()) {
      if (!match || !match(childRel, true)) {
        digest += name + '/\\n';
        subdirs.push(name);
      }
      continue;
    } else if (!lst.isFile()) continue;
    if (match && match(childRel, false)) continue;
    digest += name + '\\0\\n';
    nums[k++] = st.ino;
    nums[k++] = st.mtimeMs;
    nums[k++] = st.ctimeMs;
    nums[k++] = st.size;
    if (st.mtimeMs > newest) newest = st.mtimeMs;
    if (st.ctimeMs > newest) newest = st.ctimeMs;
    if (onFile) onFile(childRel, childAbs, st);
  }
  return { digest: md5b64(digest, nums.subarray(0, k)), newest, subdirs };
};
`;

/** Exactly one of: `skip` (nested DVC repository), `bad` + `path` (refused name), or the folder's facts. */
export interface DirResult {
  skip?: true;
  bad?: 'name' | 'dvcignore';
  path?: string;
  digest?: string;
  newest?: number;
  subdirs?: string[];
}

export type ScanDir = (
  abs: string,
  rel: string,
  match: ((rel: string, isDir: boolean) => boolean) | undefined,
  onFile: ((relpath: string, abs: string, st: fs.Stats) => void) | undefined,
  refuseDvcignore: boolean,
) => DirResult;

const md5b64 = (s: string, nums: Float64Array) => createHash('md5').update(s).update(nums).digest('base64');

export const scanDir = new Function('fs', 'sep', 'md5b64', SCAN_DIR_SOURCE)(fs, path.sep, md5b64) as ScanDir;
