import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { emitYaml } from './emit';
import { stageDict, type LockStage } from './lockfile';
import { isPyMap, pyJson, type PyValue } from './pyvalue';
import type { Stage } from './types';
import { parseLocated } from './yamlDoc';

type PyMap = { [k: string]: PyValue };

/** DVC's dict_filter: drops the keys everywhere, params included (so a param named "size" is ignored too, as in DVC). */
function dropKeys(v: PyValue, keys: Set<string>): PyValue {
  if (Array.isArray(v)) return v.map((x) => dropKeys(x, keys));
  if (isPyMap(v))
    return Object.fromEntries(
      Object.entries(v)
        .filter(([k]) => !keys.has(k))
        .map(([k, x]) => [k, dropKeys(x, keys)]),
    );
  return v;
}

const EXCLUDE = new Set(['size', 'nfiles']);

function sha256(v: PyValue): string {
  return createHash('sha256')
    .update(pyJson(dropKeys(v, EXCLUDE)), 'utf8')
    .digest('hex');
}

/** The run-cache key: the locked stage with outputs reduced to their paths (DVC's `_get_stage_hash`). */
export function runCacheKey(lock: LockStage): string {
  const d = stageDict(lock);
  if (Array.isArray(d.outs)) d.outs = d.outs.map((o) => (isPyMap(o) ? o.path : o));
  return sha256(d);
}

export function runCacheValue(lock: LockStage): string {
  return sha256(stageDict(lock));
}

/** DVC's `_can_hash`: commands with deps and outputs, none persistent, not always_changed. */
export function canRunCache(stage: Stage): boolean {
  return !stage.alwaysChanged && stage.deps.length > 0 && stage.outs.length > 0 && !stage.outs.some((o) => o.persist);
}

/** `.dvc/cache/runs/<key[:2]>/<key>/<value>`: the same layout and YAML that DVC reads, so either tool restores the other's runs. */
export class RunCache {
  readonly dir: string;
  constructor(cacheDir: string) {
    this.dir = path.join(cacheDir, 'runs');
  }

  private keyDir(key: string): string {
    return path.join(this.dir, key.slice(0, 2), key);
  }

  save(lock: LockStage): void {
    const key = runCacheKey(lock);
    const value = runCacheValue(lock);
    const dir = this.keyDir(key);
    const file = path.join(dir, value);
    if (fs.existsSync(file)) return;
    fs.mkdirSync(dir, { recursive: true });
    const tmp = path.join(dir, `.${randomBytes(12).toString('base64url')}.tmp`);
    fs.writeFileSync(tmp, emitYaml(stageDict(lock)), { mode: 0o644 });
    fs.renameSync(tmp, file);
  }

  /** The newest entry recorded for these inputs, if any (DVC picks by mtime too). */
  load(lock: LockStage): PyMap | undefined {
    const dir = this.keyDir(runCacheKey(lock));
    let names: string[];
    try {
      names = fs.readdirSync(dir).filter((n) => !n.endsWith('.tmp'));
    } catch {
      return undefined;
    }
    const newest = names.map((n) => ({ n, t: fs.statSync(path.join(dir, n)).mtimeMs })).sort((a, b) => b.t - a.t)[0];
    if (!newest) return undefined;
    try {
      const v = parseLocated(fs.readFileSync(path.join(dir, newest.n), 'utf8'), path.join(dir, newest.n)).value;
      return isPyMap(v) && Array.isArray(v.outs) ? v : undefined;
    } catch {
      return undefined;
    }
  }
}
