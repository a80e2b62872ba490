import fs from 'node:fs';
import path from 'node:path';
import { readDvcFile, type DvcFile, type DvcOutput } from './dvcfile';
import { InvalidDvcFile } from './errors';
import { STORE_DIR } from '../paths';

/** Folders never searched for `.dvc` files. */
export const SKIP_DIRS = new Set(['.git', '.hg', '.dvc', STORE_DIR, 'node_modules']);

/** A versioned file or folder: one `outs` entry of one `.dvc` file. */
export interface TrackedOutput {
  /** Repo-relative POSIX path of the output. */
  path: string;
  abs: string;
  /** Repo-relative POSIX path of its `.dvc` file. */
  dvcFile: string;
  dvcFileAbs: string;
  /** Index in the file's `outs` list. */
  index: number;
  out: DvcOutput;
  isDir: boolean;
}

export interface Collected {
  outputs: TrackedOutput[];
  invalid: InvalidDvcFile[];
}

function posix(p: string): string {
  return p.split(path.sep).join('/');
}

export function outputsOf(root: string, f: DvcFile): TrackedOutput[] {
  const dir = path.dirname(f.file);
  return f.outs.map((out, index) => {
    const abs = path.resolve(dir, out.path);
    return {
      path: posix(path.relative(root, abs)),
      abs,
      dvcFile: posix(path.relative(root, f.file)),
      dvcFileAbs: f.file,
      index,
      out,
      isDir: out.md5 ? out.md5.endsWith('.dir') : isDirectory(abs),
    };
  });
}

function isDirectory(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Finds every `.dvc` file under the root. Output folders declared next to a `.dvc` file are not descended (they can
 * hold 100,000 files), nor are nested DVC repositories, symlinked folders, `.git`, `.dvc`, `.mlops`, `node_modules`.
 */
export function collectOutputs(root: string): Collected {
  const outputs: TrackedOutput[] = [];
  const invalid: InvalidDvcFile[] = [];
  const visit = (dir: string) => {
    let ents: fs.Dirent[];
    try {
      ents = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    if (dir !== root && ents.some((e) => e.name === '.dvc' && e.isDirectory())) return;
    const skip = new Set<string>();
    for (const e of ents) {
      if (!e.name.endsWith('.dvc') || !e.isFile()) continue;
      try {
        const outs = outputsOf(root, readDvcFile(path.join(dir, e.name)));
        for (const o of outs) {
          outputs.push(o);
          if (path.dirname(o.abs) === dir) skip.add(path.basename(o.abs));
        }
      } catch (err) {
        if (err instanceof InvalidDvcFile) invalid.push(err);
        else throw err;
      }
    }
    for (const e of ents) if (e.isDirectory() && !SKIP_DIRS.has(e.name) && !skip.has(e.name)) visit(path.join(dir, e.name));
  };
  visit(root);
  outputs.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : a.index - b.index));
  return { outputs, invalid };
}
