import fs from 'node:fs';
import path from 'node:path';
import { tempOwner, type ObjectDb } from './objectDb';

/**
 * Every process writing into a cache leaves a marker, `.dvc/tmp/mlops-writers/<pid>`, for as long as it writes. A
 * marker whose process is gone means it was killed mid-write: the next writer removes the temp files it left in the
 * cache (ours are named `.mlops-<pid>-….tmp`), and only those; a live process's temp files are never touched.
 * Costs a directory listing when nothing was killed.
 */
const active = new Map<string, number>();

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes what killed writers left; returns the temp files removed. */
export function sweepKilledWriters(dvcDir: string, cache: ObjectDb): string[] {
  const dir = path.join(dvcDir, 'tmp', 'mlops-writers');
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const dead = new Set(names.filter((n) => /^\d+$/.test(n) && Number(n) !== process.pid && !alive(Number(n))).map(Number));
  if (!dead.size) return [];
  const removed: string[] = [];
  for (const tmp of cache.listTemps()) {
    const owner = tempOwner(path.basename(tmp));
    if (owner === undefined || !dead.has(owner)) continue;
    fs.rmSync(tmp, { force: true });
    removed.push(tmp);
  }
  for (const pid of dead) fs.rmSync(path.join(dir, String(pid)), { force: true });
  return removed;
}

/** Marks this process as a cache writer (sweeping first); call the returned function when done. Nestable. */
export function beginCacheWrite(dvcDir: string, cache: ObjectDb): () => void {
  const dir = path.join(dvcDir, 'tmp', 'mlops-writers');
  const marker = path.join(dir, String(process.pid));
  sweepKilledWriters(dvcDir, cache);
  const n = active.get(marker) ?? 0;
  if (!n) {
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(marker, cache.root);
  }
  active.set(marker, n + 1);
  let ended = false;
  return () => {
    if (ended) return;
    ended = true;
    const left = (active.get(marker) ?? 1) - 1;
    if (left > 0) return void active.set(marker, left);
    active.delete(marker);
    fs.rmSync(marker, { force: true });
  };
}
