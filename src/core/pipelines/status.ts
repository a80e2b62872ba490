import { isPyMap, pyEqual, type PyValue } from './pyvalue';
import type { PathHasher } from './hashing';
import type { LockEntry, LockFile, LockStage } from './lockfile';
import { paramValues, readParamsFile } from './params';
import type { Stage } from './types';

export type ChangeState = 'modified' | 'new' | 'deleted' | 'not in cache';

export interface Change {
  kind: 'dep' | 'param' | 'out' | 'cmd' | 'always';
  /** The dep/out path or params file as written in dvc.yaml. */
  path?: string;
  /** For params: the key. */
  key?: string;
  state?: ChangeState;
}

export type StageState = 'up-to-date' | 'changed' | 'never-run' | 'frozen';

export interface StageStatus {
  stage: Stage;
  state: StageState;
  changes: Change[];
  lock?: LockStage;
}

function sameCmd(a: string | string[], b: string | string[]): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function entryFor(list: LockEntry[] | undefined, p: string): LockEntry | undefined {
  return list?.find((e) => e.path === p);
}

function differs(now: NonNullable<Awaited<ReturnType<PathHasher['hash']>>>, rec: LockEntry): boolean {
  return now.md5 !== rec.md5;
}

/** Changes of one params dependency against the values the lock recorded (DVC's ParamsDependency.workspace_status). */
export function paramChanges(file: string, abs: string, keys: string[] | null, recorded: { [k: string]: PyValue } | undefined): Change[] {
  const values = readParamsFile(abs);
  if (!values) return [{ kind: 'param', path: file, state: 'deleted' }];
  if (!recorded) return [{ kind: 'param', path: file, state: 'new' }];
  const actual = paramValues(values, keys);
  const names = keys?.length ? keys : [...new Set([...Object.keys(actual), ...Object.keys(recorded)])];
  const out: Change[] = [];
  for (const k of names) {
    if (!(k in actual)) out.push({ kind: 'param', path: file, key: k, state: 'deleted' });
    else if (!(k in recorded)) out.push({ kind: 'param', path: file, key: k, state: 'new' });
    else if (!pyEqual(actual[k], recorded[k])) out.push({ kind: 'param', path: file, key: k, state: 'modified' });
  }
  return out;
}

async function depChanges(stage: Stage, lock: LockStage | undefined, h: PathHasher): Promise<Change[]> {
  const out: Change[] = [];
  const hashed = await Promise.all(stage.deps.map((d) => h.hash(d.abs)));
  stage.deps.forEach((d, i) => {
    const now = hashed[i];
    const rec = entryFor(lock?.deps, d.path);
    // DVC's workspace_status: missing is "deleted"; a hash other than the recorded one (or none recorded) "modified".
    if (!now) out.push({ kind: 'dep', path: d.path, state: 'deleted' });
    else if (!rec?.md5 || differs(now, rec)) out.push({ kind: 'dep', path: d.path, state: 'modified' });
  });
  for (const p of stage.params) {
    const rec = lock?.params[p.file];
    out.push(...paramChanges(p.file, p.abs, p.keys, isPyMap(rec) ? rec : undefined));
  }
  return out;
}

async function outChanges(stage: Stage, lock: LockStage | undefined, h: PathHasher): Promise<Change[]> {
  const out: Change[] = [];
  const hashed = await Promise.all(stage.outs.map((o) => h.hash(o.abs)));
  stage.outs.forEach((o, i) => {
    const now = hashed[i];
    const rec = entryFor(lock?.outs, o.path);
    // Output.status: a recorded, cached output whose object is gone is "not in cache" before anything else.
    if (rec?.md5 && o.cache && !h.inCache(rec.md5)) out.push({ kind: 'out', path: o.path, state: 'not in cache' });
    else if (!now) out.push({ kind: 'out', path: o.path, state: 'deleted' });
    else if (!rec?.md5 || differs(now, rec)) out.push({ kind: 'out', path: o.path, state: 'modified' });
  });
  return out;
}

/** `dvc status` for one stage: what changed since dvc.lock recorded it. */
export async function stageStatus(stage: Stage, lockFile: LockFile, h: PathHasher, key = stage.key): Promise<StageStatus> {
  const lock = lockFile.stages.get(key);
  const changes: Change[] = [];
  if (!stage.frozen) changes.push(...(await depChanges(stage, lock, h)));
  changes.push(...(await outChanges(stage, lock, h)));
  // always_changed, and DVC's callback stages (a command with no deps, params or outputs), run every time.
  if (stage.alwaysChanged || (!stage.deps.length && !stage.params.length && !stage.outs.length)) changes.push({ kind: 'always' });
  if (lock && !sameCmd(lock.cmd, stage.cmd)) changes.push({ kind: 'cmd' });
  let state: StageState = changes.length ? 'changed' : 'up-to-date';
  if (!lock) state = 'never-run';
  else if (stage.frozen && !changes.length) state = 'frozen';
  return { stage, state, changes, lock };
}

/** One line per change, as a user reads it: "dep data/raw modified", "param params.yaml:train.lr modified". */
export function describeChange(c: Change): string {
  if (c.kind === 'cmd') return 'command changed';
  if (c.kind === 'always') return 'always changed';
  const what = c.kind === 'param' ? `param ${c.path}${c.key ? `:${c.key}` : ''}` : `${c.kind} ${c.path}`;
  return `${what} ${c.state}`;
}
