import fs from 'node:fs';
import { isMissingAlias } from '../errors';
import type { ModelVersion, RegisteredModel } from '../registry/types';
import type { DatasetInput, Experiment, KeyValue, Metric, Run, RunStatus, ViewType } from '../tracking/types';
import { Connection, ServerError, type ConnectionOptions } from './connection';
import type { FileInfo, MetricInput, RunPage, RunQuery, TrackingBackend } from './types';

/** A server may leave empty lists and unset fields out of its JSON; the views expect them present. */
export function normalizeRun(r: any): Run {
  const info = r?.info ?? {};
  const id = info.run_id ?? info.run_uuid;
  return {
    info: {
      run_id: id,
      run_uuid: id,
      run_name: info.run_name ?? '',
      experiment_id: String(info.experiment_id ?? ''),
      user_id: info.user_id ?? '',
      status: info.status ?? 'RUNNING',
      start_time: Number(info.start_time ?? 0),
      ...(info.end_time !== undefined && info.end_time !== null ? { end_time: Number(info.end_time) } : {}),
      artifact_uri: info.artifact_uri ?? '',
      lifecycle_stage: info.lifecycle_stage ?? 'active',
    },
    data: {
      metrics: (r?.data?.metrics ?? []).map(normalizeMetric),
      params: r?.data?.params ?? [],
      tags: r?.data?.tags ?? [],
    },
    inputs: { dataset_inputs: (r?.inputs?.dataset_inputs ?? []).map((d: any) => ({ tags: d.tags ?? [], dataset: d.dataset })) },
    outputs: { model_outputs: r?.outputs?.model_outputs ?? [] },
  };
}

function normalizeMetric(m: any): Metric {
  return { key: m.key, value: typeof m.value === 'number' ? m.value : Number(m.value), timestamp: Number(m.timestamp ?? 0), step: Number(m.step ?? 0) };
}

function normalizeExperiment(e: any): Experiment {
  return {
    experiment_id: String(e.experiment_id),
    name: e.name,
    artifact_location: e.artifact_location ?? '',
    lifecycle_stage: e.lifecycle_stage ?? 'active',
    creation_time: Number(e.creation_time ?? 0),
    last_update_time: Number(e.last_update_time ?? 0),
    tags: e.tags ?? [],
  };
}

function normalizeVersion(v: any): ModelVersion {
  return {
    name: v.name,
    version: String(v.version),
    creation_timestamp: Number(v.creation_timestamp ?? 0),
    last_updated_timestamp: Number(v.last_updated_timestamp ?? 0),
    user_id: v.user_id ?? '',
    current_stage: v.current_stage ?? 'None',
    description: v.description ?? '',
    source: v.source ?? '',
    run_id: v.run_id ?? '',
    status: v.status ?? 'READY',
    status_message: v.status_message ?? '',
    tags: v.tags ?? [],
    run_link: v.run_link ?? '',
    aliases: v.aliases ?? [],
    ...(v.model_id ? { model_id: v.model_id } : {}),
  };
}

function normalizeModel(m: any): RegisteredModel {
  return {
    name: m.name,
    creation_timestamp: Number(m.creation_timestamp ?? 0),
    last_updated_timestamp: Number(m.last_updated_timestamp ?? 0),
    description: m.description ?? '',
    latest_versions: (m.latest_versions ?? []).map(normalizeVersion),
    tags: m.tags ?? [],
    aliases: m.aliases ?? [],
  };
}

/** `mlflow-artifacts:/0/<run>/artifacts` (or with a host) → the path the server's artifact proxy takes. */
export function proxiedArtifactPath(artifactUri: string): string | undefined {
  const m = /^mlflow-artifacts:(?:\/\/[^/]*)?\/*(.*)$/.exec(artifactUri);
  return m ? m[1].replace(/\/+$/, '') : undefined;
}

function encodePath(p: string): string {
  return p
    .split('/')
    .filter((s) => s && s !== '.' && s !== '..')
    .map(encodeURIComponent)
    .join('/');
}

/** A team's MLflow tracking server (2.x or 3.x) over its REST API. */
export class RemoteBackend implements TrackingBackend {
  readonly kind = 'remote';
  readonly conn: Connection;
  private readonly artifactRoots = new Map<string, string>();

  constructor(opts: ConnectionOptions | Connection) {
    this.conn = opts instanceof Connection ? opts : new Connection(opts);
  }

  get location(): string {
    return this.conn.url;
  }

  async close(): Promise<void> {
    this.conn.close();
  }

  /** A cheap call that tells whether the server is there and answers as MLflow (throws ServerUnreachable if not). */
  async ping(): Promise<void> {
    await this.conn.api('POST', 'experiments/search', { body: { max_results: 1 }, idempotent: true });
  }

  async listExperiments(view: ViewType = 'ACTIVE_ONLY'): Promise<Experiment[]> {
    const out: Experiment[] = [];
    let token: string | undefined;
    do {
      const r = await this.conn.api('POST', 'experiments/search', { body: { max_results: 1000, view_type: view, page_token: token }, idempotent: true });
      out.push(...(r.experiments ?? []).map(normalizeExperiment));
      token = r.next_page_token || undefined;
    } while (token);
    return out;
  }

  async getExperiment(id: string): Promise<Experiment> {
    return normalizeExperiment((await this.conn.api('GET', 'experiments/get', { query: { experiment_id: id } })).experiment);
  }

  async getExperimentByName(name: string): Promise<Experiment | undefined> {
    try {
      return normalizeExperiment((await this.conn.api('GET', 'experiments/get-by-name', { query: { experiment_name: name } })).experiment);
    } catch (e) {
      if (e instanceof ServerError && e.code === 'RESOURCE_DOES_NOT_EXIST') return undefined;
      throw e;
    }
  }

  async createExperiment(name: string): Promise<string> {
    return String((await this.conn.api('POST', 'experiments/create', { body: { name } })).experiment_id);
  }

  async searchRuns(q: RunQuery): Promise<RunPage> {
    const r = await this.conn.api('POST', 'runs/search', {
      body: {
        experiment_ids: q.experimentIds,
        filter: q.filter || undefined,
        run_view_type: q.view ?? 'ACTIVE_ONLY',
        max_results: q.maxResults ?? 1000,
        order_by: q.orderBy,
        page_token: q.pageToken,
      },
      idempotent: true,
    });
    const runs = (r.runs ?? []).map(normalizeRun);
    for (const run of runs) this.artifactRoots.set(run.info.run_id, run.info.artifact_uri);
    return { runs, ...(r.next_page_token ? { next_page_token: r.next_page_token } : {}) };
  }

  async getRun(runId: string): Promise<Run> {
    const run = normalizeRun((await this.conn.api('GET', 'runs/get', { query: { run_id: runId } })).run);
    this.artifactRoots.set(runId, run.info.artifact_uri);
    return run;
  }

  async resolveRun(idOrPrefix: string): Promise<Run> {
    return this.getRun(idOrPrefix);
  }

  async metricHistory(runId: string, key: string): Promise<Metric[]> {
    const out: Metric[] = [];
    let token: string | undefined;
    do {
      const r = await this.conn.api('GET', 'metrics/get-history', { query: { run_id: runId, metric_key: key, max_results: 25000, page_token: token } });
      out.push(...(r.metrics ?? []).map(normalizeMetric));
      token = r.next_page_token || undefined;
    } while (token);
    return out;
  }

  /**
   * Through the UI's sampled endpoint (`get-history-bulk-interval`, MLflow 2.11+): complete while the range holds
   * fewer distinct steps than one answer may sample (2,500); undefined past that, or where the server lacks it.
   */
  async metricHistorySince(runId: string, key: string, fromStep: number, toStep: number): Promise<Metric[] | undefined> {
    const MAX = 2500;
    let r: any;
    try {
      const res = await this.conn.request('GET', '/ajax-api/2.0/mlflow/metrics/get-history-bulk-interval', {
        query: { run_ids: runId, metric_key: key, start_step: fromStep, end_step: Math.max(fromStep, toStep), max_results: MAX },
        idempotent: true,
      });
      r = JSON.parse(res.body.toString('utf8') || '{}');
    } catch (e) {
      if (e instanceof ServerError && (e.status === 404 || e.status === 400)) return undefined;
      throw e;
    }
    const points: Metric[] = (r.metrics ?? []).map(normalizeMetric);
    return new Set(points.map((p) => p.step)).size < MAX ? points : undefined;
  }

  async listArtifacts(runId: string, path = ''): Promise<FileInfo[]> {
    const out: FileInfo[] = [];
    let token: string | undefined;
    do {
      const r = await this.conn.api('GET', 'artifacts/list', { query: { run_id: runId, path: path || undefined, page_token: token } });
      out.push(
        ...(r.files ?? []).map((f: any) => ({ path: f.path, is_dir: !!f.is_dir, ...(f.file_size !== undefined ? { file_size: Number(f.file_size) } : {}) })),
      );
      token = r.next_page_token || undefined;
    } while (token);
    return out;
  }

  private async artifactRoot(runId: string): Promise<string> {
    return this.artifactRoots.get(runId) ?? (await this.getRun(runId)).info.artifact_uri;
  }

  async readArtifact(runId: string, path: string): Promise<Buffer> {
    const proxied = proxiedArtifactPath(await this.artifactRoot(runId));
    const res = proxied
      ? await this.conn.request('GET', `/api/2.0/mlflow-artifacts/artifacts/${encodePath(`${proxied}/${path}`)}`, { idempotent: true })
      : await this.conn.request('GET', '/get-artifact', { query: { run_uuid: runId, run_id: runId, path }, idempotent: true });
    return res.body;
  }

  async listRegisteredModels(): Promise<RegisteredModel[]> {
    const out: RegisteredModel[] = [];
    let token: string | undefined;
    do {
      const r = await this.conn.api('GET', 'registered-models/search', { query: { max_results: 1000, page_token: token } });
      out.push(...(r.registered_models ?? []).map(normalizeModel));
      token = r.next_page_token || undefined;
    } while (token);
    return out;
  }

  async getRegisteredModel(name: string): Promise<RegisteredModel> {
    return normalizeModel((await this.conn.api('GET', 'registered-models/get', { query: { name } })).registered_model);
  }

  async modelVersions(name: string): Promise<ModelVersion[]> {
    const out: ModelVersion[] = [];
    let token: string | undefined;
    const filter = `name = '${name.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
    do {
      const r = await this.conn.api('GET', 'model-versions/search', { query: { filter, max_results: 10000, page_token: token } });
      out.push(...(r.model_versions ?? []).map(normalizeVersion));
      token = r.next_page_token || undefined;
    } while (token);
    return out.sort((a, b) => Number(b.version) - Number(a.version));
  }

  async modelVersionByAlias(name: string, alias: string): Promise<ModelVersion | undefined> {
    try {
      const r = await this.conn.api('GET', 'registered-models/alias', { query: { name, alias } });
      return normalizeVersion(r.model_version);
    } catch (e) {
      if (isMissingAlias(e)) return undefined;
      throw e;
    }
  }

  async setModelVersionTag(name: string, version: string, key: string, value: string): Promise<void> {
    await this.conn.api('POST', 'model-versions/set-tag', { body: { name, version, key, value }, idempotent: true });
  }

  /** Points `alias` of a registered model at `version` (moving it if another version held it). */
  async setModelAlias(name: string, alias: string, version: string): Promise<void> {
    await this.conn.api('POST', 'registered-models/alias', { body: { name, alias, version }, idempotent: true });
  }

  async deleteModelAlias(name: string, alias: string): Promise<void> {
    await this.conn.api('DELETE', 'registered-models/alias', { body: { name, alias }, idempotent: true });
  }

  async transitionModelStage(name: string, version: string, stage: string, archiveExisting = false): Promise<ModelVersion> {
    const r = await this.conn.api('POST', 'model-versions/transition-stage', {
      body: { name, version, stage, archive_existing_versions: archiveExisting },
      idempotent: true,
    });
    return normalizeVersion(r.model_version);
  }

  /**
   * Registers `<run's artifact root>/<artifactPath>` as a new version of `name`, creating the model when it
   * does not exist yet, as MLflow's `register_model` does.
   */
  async registerModelVersion(name: string, runId: string, artifactPath: string, _userId?: string): Promise<ModelVersion> {
    try {
      await this.conn.api('POST', 'registered-models/create', { body: { name } });
    } catch (e) {
      if (!(e instanceof ServerError && e.code === 'RESOURCE_ALREADY_EXISTS')) throw e;
    }
    const run = await this.getRun(runId);
    const folder = artifactPath.replace(/^\/+|\/+$/g, '');
    const root = run.info.artifact_uri.replace(/\/+$/, '');
    const source = folder === '' || folder === '.' ? root : `${root}/${folder}`;
    const r = await this.conn.api('POST', 'model-versions/create', { body: { name, source, run_id: runId } });
    return normalizeVersion(r.model_version);
  }

  async createRun(o: { experiment_id: string; run_name?: string; start_time?: number; user_id?: string; tags: KeyValue[] }): Promise<Run> {
    const r = normalizeRun((await this.conn.api('POST', 'runs/create', { body: { start_time: Date.now(), ...o } })).run);
    this.artifactRoots.set(r.info.run_id, r.info.artifact_uri);
    return r;
  }

  async logBatch(runId: string, b: { params?: KeyValue[]; metrics?: MetricInput[]; tags?: KeyValue[] }): Promise<void> {
    await this.conn.api('POST', 'runs/log-batch', { body: { run_id: runId, ...b }, idempotent: true });
  }

  async logInputs(runId: string, datasets: DatasetInput[]): Promise<void> {
    await this.conn.api('POST', 'runs/log-inputs', { body: { run_id: runId, datasets }, idempotent: true });
  }

  async setTag(runId: string, key: string, value: string): Promise<void> {
    await this.conn.api('POST', 'runs/set-tag', { body: { run_id: runId, run_uuid: runId, key, value }, idempotent: true });
  }

  async updateRun(runId: string, o: { status?: RunStatus; end_time?: number; start_time?: number; run_name?: string }): Promise<void> {
    await this.conn.api('POST', 'runs/update', { body: { run_id: runId, run_uuid: runId, ...o }, idempotent: true });
  }

  async uploadArtifact(runId: string, path: string, file: string): Promise<void> {
    const root = await this.artifactRoot(runId);
    const proxied = proxiedArtifactPath(root);
    if (proxied === undefined)
      throw new ServerError(
        'INVALID_STATE',
        0,
        `the run's artifacts live at ${root}, which ${this.location} does not proxy: start the server with --serve-artifacts (the default since MLflow 2.0) to publish artifacts through it`,
      );
    await this.conn.request('PUT', `/api/2.0/mlflow-artifacts/artifacts/${encodePath(`${proxied}/${path}`)}`, {
      raw: () => fs.createReadStream(file),
      contentLength: fs.statSync(file).size,
      idempotent: true,
    });
  }
}
