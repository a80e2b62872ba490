import type { SourcePos } from './errors';

export type OutKind = 'outs' | 'metrics' | 'plots';

export interface StageOut {
  /** As written in dvc.yaml (POSIX, relative to the stage's wdir): the lock's `path`. */
  path: string;
  abs: string;
  kind: OutKind;
  cache: boolean;
  persist: boolean;
  push: boolean;
  remote?: string;
  /** Plot properties (x, y, template, …) for `plots` entries. */
  props?: Record<string, unknown>;
}

export interface StageDep {
  path: string;
  abs: string;
}

export interface ParamDep {
  /** As written (relative to wdir): the key under the lock's `params`. */
  file: string;
  abs: string;
  /** Dotted keys, or null to track the whole file. */
  keys: string[] | null;
}

export interface Stage {
  /** `train`, or `build@gpu` for a foreach/matrix member; `sub/dvc.yaml:train` for a stage of a nested dvc.yaml. */
  name: string;
  /** The name inside its own dvc.yaml / dvc.lock. */
  key: string;
  /** The foreach/matrix group a generated stage belongs to. */
  group?: string;
  cmd: string | string[];
  /** Absolute working directory. */
  wdir: string;
  deps: StageDep[];
  params: ParamDep[];
  outs: StageOut[];
  frozen: boolean;
  alwaysChanged: boolean;
  desc?: string;
  /** Absolute path of the dvc.yaml defining it, and where its entry starts. */
  dvcFile: string;
  pos: SourcePos;
}

export interface Pipeline {
  /** Absolute path of dvc.yaml (and its dvc.lock next to it). */
  file: string;
  lockFile: string;
  dir: string;
  stages: Stage[];
  /** Top-level `metrics:` and `plots:` paths (relative to the file's folder). */
  metrics: string[];
  plots: unknown[];
}
