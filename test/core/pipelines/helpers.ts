import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { DataRepo } from '../../../src/core/data';
import { PipelineRepo } from '../../../src/core/pipelines';
import { tempDir } from '../../helpers/tmp';

/** A fresh DVC repository holding the given files. */
export function repoWith(files: Record<string, string>): string {
  const dir = tempDir(undefined, 'mlops-pipe-');
  DataRepo.init(dir, { statCacheFile: false });
  write(dir, files);
  return dir;
}

export function write(dir: string, files: Record<string, string>): void {
  for (const [f, t] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    fs.writeFileSync(path.join(dir, f), t);
  }
}

export function open(dir: string): PipelineRepo {
  return PipelineRepo.open(dir, { statCacheFile: false });
}

/** md5 of a file by the system's md5sum: an implementation independent of ours. */
export function md5sum(file: string): string {
  return execFileSync('md5sum', [file], { encoding: 'utf8' }).split(' ')[0];
}

export function hasPython(): boolean {
  try {
    execFileSync('python3', ['-c', 'import json, hashlib'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** A folder's DVC hash computed by Python (json.dumps of sorted {md5, relpath} entries, as dvc-data does). */
export function pyDirHash(dir: string): { md5: string; size: number; nfiles: number } {
  const script = `
import hashlib, json, os, sys
root = sys.argv[1]
entries = []
size = 0
for d, _, files in os.walk(root):
    for f in files:
        p = os.path.join(d, f)
        entries.append({"md5": hashlib.md5(open(p, "rb").read()).hexdigest(), "relpath": os.path.relpath(p, root).replace(os.sep, "/")})
        size += os.path.getsize(p)
entries.sort(key=lambda e: e["relpath"])
print(json.dumps({"md5": hashlib.md5(json.dumps(entries, sort_keys=True).encode()).hexdigest() + ".dir", "size": size, "nfiles": len(entries)}))
`;
  return JSON.parse(execFileSync('python3', ['-c', script, dir], { encoding: 'utf8' }));
}
