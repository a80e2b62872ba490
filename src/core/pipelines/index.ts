// Pipelines (DVC 3 dvc.yaml / dvc.lock): adapters (CLI, VS Code) use only what is exported here.
export { PipelineRepo } from './project';
export { reproduce, type ReproOptions, type ReproResult, type StageOutcome, type StageAction, type ReproEvent } from './repro';
export { describeChange, type Change, type StageStatus, type StageState } from './status';
export { resolveTargets, selectStages, type Dag, type SelectOptions } from './dag';
export { parsePipeline, loadPipeline } from './parse';
export { readLock, renderLock, type LockFile, type LockStage, type LockEntry } from './lockfile';
export { dagJson, dagText, type DagJson } from './render';
export { layoutDag, type Layout, type LaidNode, type LaidEdge } from './layout';
export type { PipelineTracking } from './track';
export type { Pipeline, Stage, StageOut, StageDep, ParamDep } from './types';
export * from './errors';
