import { compareCodePoints } from '../data/manifest';
import { PipelineFileError, StageFailed } from './errors';
import type { Hashed, PathHasher } from './hashing';
import type { LockEntry, LockStage } from './lockfile';
import { getPath, paramValues, readParamsFile } from './params';
import type { PyValue } from './pyvalue';
import type { Stage } from './types';

type PyMap = { [k: string]: PyValue };

const byPath = (a: { path: string }, b: { path: string }) => compareCodePoints(a.path, b.path);

/** Params values as dvc.lock records them: params.yaml first, then other files by name; keys sorted. */
export function lockParams(stage: Stage): { [file: string]: PyMap } {
  const files = [...stage.params].sort((a, b) => (a.file === 'params.yaml' ? -1 : b.file === 'params.yaml' ? 1 : compareCodePoints(a.file, b.file)));
  const out: { [file: string]: PyMap } = {};
  for (const p of files) {
    const values = readParamsFile(p.abs);
    if (!values) throw new StageFailed(stage.name, `parameters file '${p.file}' does not exist`);
    const missing = (p.keys ?? []).filter((k) => getPath(values, k) === undefined);
    if (missing.length)
      throw new PipelineFileError(stage.pos, `stage '${stage.name}': parameters ${missing.map((m) => `'${m}'`).join(', ')} are missing from '${p.file}'`);
    const picked = paramValues(values, p.keys);
    const sorted: PyMap = {};
    for (const k of Object.keys(picked).sort(compareCodePoints)) sorted[k] = picked[k];
    out[p.file] = sorted;
  }
  return out;
}

function entry(p: string, h: Hashed): LockEntry {
  return { path: p, ...(h ?? {}) };
}

/** The stage's deps hashed now (each must exist), sorted by path. */
export async function lockDeps(stage: Stage, h: PathHasher): Promise<LockEntry[]> {
  const hashed = await Promise.all(stage.deps.map((d) => h.hash(d.abs)));
  const missing = stage.deps.filter((_, i) => !hashed[i]);
  if (missing.length) throw new StageFailed(stage.name, `dependency ${missing.map((m) => `'${m.path}'`).join(', ')} does not exist`);
  return stage.deps.map((d, i) => entry(d.path, hashed[i])).sort(byPath);
}

/** The lock entry of a stage before its outputs are known: what the run-cache key is computed from. */
export async function lockInputs(stage: Stage, h: PathHasher): Promise<LockStage> {
  return {
    cmd: stage.cmd,
    deps: await lockDeps(stage, h),
    params: lockParams(stage),
    outs: stage.outs.map((o) => ({ path: o.path })).sort(byPath),
  };
}

export function withOuts(inputs: LockStage, outs: LockEntry[]): LockStage {
  return { ...inputs, outs: [...outs].sort(byPath) };
}
