import { MlopsError } from '../errors';
import type { DatasetInput, KeyValue, LifecycleStage, RunStatus } from '../tracking/types';

/**
 * What an MLflow backend (an `mlflow.db` or an `mlruns/` folder) holds, read-only, in one shape for the
 * importer. Ids are MLflow's as they are stored there (experiment ids are strings: FileStore ids can exceed
 * a JS number).
 */
export interface SourceExperiment {
  id: string;
  name: string;
  artifact_location: string;
  lifecycle_stage: LifecycleStage;
  creation_time: number;
  last_update_time: number;
  tags: KeyValue[];
}

export interface SourceRun {
  run_uuid: string;
  experiment_id: string;
  name: string;
  user_id: string;
  status: RunStatus;
  start_time: number;
  end_time: number | null;
  lifecycle_stage: LifecycleStage;
  deleted_time: number | null;
  artifact_uri: string;
  params: KeyValue[];
  tags: KeyValue[];
  inputs: DatasetInput[];
}

/** One metric's full history in the order it was logged. Values keep NaN and ±Inf. */
export interface SourceMetric {
  key: string;
  steps: Float64Array;
  timestamps: Float64Array;
  values: Float64Array;
}

export interface SourceModelVersion {
  version: number;
  creation_time: number;
  last_updated_time: number;
  description: string;
  user_id: string;
  current_stage: string;
  source: string;
  run_id: string;
  run_link: string;
  status: string;
  status_message: string;
  model_id: string;
  tags: KeyValue[];
}

export interface SourceModel {
  name: string;
  creation_time: number;
  last_updated_time: number;
  description: string;
  tags: KeyValue[];
  aliases: { alias: string; version: number }[];
  versions: SourceModelVersion[];
}

export interface MlflowSource {
  readonly kind: 'mlflow.db' | 'mlruns' | 'mlflow server';
  /** The file or folder that was opened (absolute). */
  readonly path: string;
  /** The folder relative artifact locations are resolved against. */
  readonly baseDir: string;
  /** The alembic revision of an mlflow.db, when it has one. */
  readonly schemaVersion?: string;
  /** Things the reader noticed (WAL mode, malformed files skipped). */
  readonly warnings: string[];
  experiments(): SourceExperiment[];
  /** Every run, with params, tags and inputs but without metric histories. */
  runs(): SourceRun[];
  /** Metric histories of one run. */
  metrics(runId: string): SourceMetric[];
  /** Number of metric points of one run, cheaply (for progress). */
  metricCount(runId: string): number;
  models(): SourceModel[];
  close(): void;
}

export const RUN_STATUS_BY_NUMBER: Record<number, RunStatus> = { 1: 'RUNNING', 2: 'SCHEDULED', 3: 'FINISHED', 4: 'FAILED', 5: 'KILLED' };

/** A bad import source (not SQLite, not MLflow, not an mlruns folder). Nothing was changed when this is thrown. */
export class NotAnMlflowSource extends MlopsError {
  constructor(
    readonly sourcePath: string,
    detail: string,
  ) {
    super('INVALID_PARAMETER_VALUE', `${sourcePath}: ${detail}`);
  }
}
