import type { ModelVersion, RegisteredModel } from '../registry/types';
import type { FileInfo } from '../server/artifactStore';
import type { MetricInput } from '../tracking/metrics';
import type { DatasetInput, Experiment, KeyValue, Metric, Run, RunStatus, ViewType } from '../tracking/types';

export type { FileInfo };

export interface RunQuery {
  experimentIds: string[];
  filter?: string;
  orderBy?: string[];
  maxResults?: number;
  pageToken?: string;
  view?: ViewType;
}

export interface RunPage {
  runs: Run[];
  next_page_token?: string;
}

export type { MetricInput };

/**
 * Where tracking data lives: the workspace's own store, or a team's MLflow server over REST. The views, the CLI's
 * read commands and publishing work through this, so they behave the same on both. Shapes are MLflow's REST
 * shapes, with every list present (a server may leave empty ones out; the backend fills them in).
 */
export interface TrackingBackend {
  readonly kind: 'local' | 'remote';
  /** The workspace folder or the server's URL, for messages and the status bar. */
  readonly location: string;

  listExperiments(view?: ViewType): Promise<Experiment[]>;
  /** One experiment by id, deleted ones included; RESOURCE_DOES_NOT_EXIST when there is none. */
  getExperiment(id: string): Promise<Experiment>;
  getExperimentByName(name: string): Promise<Experiment | undefined>;
  createExperiment(name: string): Promise<string>;
  searchRuns(q: RunQuery): Promise<RunPage>;
  getRun(runId: string): Promise<Run>;
  metricHistory(runId: string, key: string): Promise<Metric[]>;
  /**
   * The points of steps `fromStep`..`toStep`, when the backend can say it sent all of them (undefined: it
   * could not, ask for the whole history). How a mirror follows a running run without reading it all again.
   */
  metricHistorySince?(runId: string, key: string, fromStep: number, toStep: number): Promise<Metric[] | undefined>;
  /** One folder of a run's artifacts (`path` relative to the run's artifact root, '' for the root). */
  listArtifacts(runId: string, path?: string): Promise<FileInfo[]>;
  readArtifact(runId: string, path: string): Promise<Buffer>;
  listRegisteredModels(): Promise<RegisteredModel[]>;
  getRegisteredModel(name: string): Promise<RegisteredModel>;
  modelVersions(name: string): Promise<ModelVersion[]>;

  createRun(o: { experiment_id: string; run_name?: string; start_time?: number; user_id?: string; tags: KeyValue[] }): Promise<Run>;
  logBatch(runId: string, b: { params?: KeyValue[]; metrics?: MetricInput[]; tags?: KeyValue[] }): Promise<void>;
  logInputs(runId: string, datasets: DatasetInput[]): Promise<void>;
  setTag(runId: string, key: string, value: string): Promise<void>;
  updateRun(runId: string, o: { status?: RunStatus; end_time?: number; start_time?: number; run_name?: string }): Promise<void>;
  /** Writes one artifact file (from a local file) under the run's artifact root. */
  uploadArtifact(runId: string, path: string, file: string): Promise<void>;

  close(): Promise<void>;
}

/** Every run of a query, page by page (the backend's own page size). */
export async function* allRuns(b: TrackingBackend, q: RunQuery, signal?: AbortSignal): AsyncGenerator<Run> {
  let token: string | undefined;
  do {
    signal?.throwIfAborted();
    const page = await b.searchRuns({ ...q, maxResults: q.maxResults ?? 1000, pageToken: token });
    yield* page.runs;
    token = page.runs.length ? page.next_page_token : undefined;
  } while (token);
}

/** Every file under a run's artifact folder, recursively, with sizes. */
export async function allArtifacts(b: TrackingBackend, runId: string, signal?: AbortSignal): Promise<FileInfo[]> {
  const out: FileInfo[] = [];
  const walk = async (dir: string) => {
    signal?.throwIfAborted();
    for (const f of await b.listArtifacts(runId, dir)) {
      if (f.is_dir) await walk(f.path);
      else out.push(f);
    }
  };
  await walk('');
  return out;
}
