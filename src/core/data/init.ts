import fs from 'node:fs';
import path from 'node:path';
import { NotADvcRepo } from './errors';

/** The `.dvcignore` `dvc init` writes: three comment lines. */
export const DVCIGNORE_TEXT =
  '# Add patterns of files dvc should ignore, which could improve\n# the performance. Learn more at\n# https://dvc.org/doc/user-guide/dvcignore\n';
export const DVC_GITIGNORE_TEXT = '/config.local\n/tmp\n/cache\n';

export interface InitResult {
  root: string;
  created: boolean;
  /** Files written, for staging in git. */
  files: string[];
}

/** Creates what `dvc init` creates; an existing `.dvc/` is used as it is and nothing is rewritten. */
export function initRepo(dir: string): InitResult {
  const root = path.resolve(dir);
  const dvcDir = path.join(root, '.dvc');
  if (fs.existsSync(dvcDir)) {
    if (!fs.statSync(dvcDir).isDirectory()) throw new NotADvcRepo(root);
    return { root, created: false, files: [] };
  }
  fs.mkdirSync(dvcDir, { recursive: true });
  const files: string[] = [];
  const write = (f: string, text: string) => {
    if (!fs.existsSync(f)) fs.writeFileSync(f, text);
    files.push(f);
  };
  write(path.join(dvcDir, 'config'), '');
  write(path.join(dvcDir, '.gitignore'), DVC_GITIGNORE_TEXT);
  write(path.join(root, '.dvcignore'), DVCIGNORE_TEXT);
  return { root, created: true, files };
}

/** The nearest folder at or above `dir` holding a `.dvc/` folder. */
export function findRepoRoot(dir: string): string {
  let cur = path.resolve(dir);
  for (;;) {
    try {
      if (fs.statSync(path.join(cur, '.dvc')).isDirectory()) return cur;
    } catch {
      // keep looking upward
    }
    const up = path.dirname(cur);
    if (up === cur) throw new NotADvcRepo(path.resolve(dir));
    cur = up;
  }
}
