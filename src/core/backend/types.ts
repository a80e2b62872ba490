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
  /** A run by id; the local store also takes a unique prefix of one, as users type it. */
  resolveRun(idOrPrefix: string): Promise<Run>;
  listRegisteredModels(): Promise<RegisteredModel[]>;
  getRegisteredModel(name: string): Promise<RegisteredModel>;
  modelVersions(name: string): Promise<ModelVersion[]>;
  /** The version `alias` points at; undefined when the model has no such alias (or there is no such model). */
  modelVersionByAlias(name: string, alias: string): Promise<ModelVersion | undefined>;
  /**
   * Registers the model a run logged under `artifactPath` ('' or '.': the artifact root) as a new version of
   * `name`, creating the registered model when it does not exist yet, as MLflow's `register_model` does.
   * `userId` is recorded where the backend keeps one (a team server takes its own from the request's login).
   */
  registerModelVersion(name: string, runId: string, artifactPath: string, userId?: string): Promise<ModelVersion>;
  /** Points `alias` at `version` (moving it from the version that held it). */
  setModelAlias(name: string, alias: string, version: string): Promise<void>;
  setModelVersionTag(name: string, version: string, key: string, value: string): Promise<void>;

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

/**
 * The folders of a run's artifacts that hold a model (an MLmodel file), '.' for the root, in name order. A model's
 * own subfolders are not searched; at most `limit` entries are looked at, so a huge artifact tree stays cheap.
 */
export async function modelFolders(b: TrackingBackend, runId: string, limit = 5000): Promise<string[]> {
  const out: string[] = [];
  let seen = 0;
  const walk = async (dir: string): Promise<void> => {
    let entries: FileInfo[];
    try {
      entries = (await b.listArtifacts(runId, dir)).sort((x, y) => (x.path < y.path ? -1 : x.path > y.path ? 1 : 0));
    } catch (e) {
      if (dir === '') throw e;
      return;
    }
    seen += entries.length;
    const base = (f: FileInfo) => f.path.slice(f.path.lastIndexOf('/') + 1);
    if (entries.some((f) => !f.is_dir && base(f) === 'MLmodel')) {
      out.push(dir || '.');
      return;
    }
    for (const f of entries) {
      if (seen > limit) return;
      if (f.is_dir) await walk(f.path);
    }
  };
  await walk('');
  return out.sort();
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
