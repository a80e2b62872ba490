import type { Store } from '../store/store';
import { MlopsError, type ErrorCode } from '../errors';
import { ensureExperiment, getExperiment } from '../tracking/experiments';
import { logBatch, type MetricInput } from '../tracking/metrics';
import { createRun, getRun, logInputs, setTag, updateRun } from '../tracking/runs';
import type { DatasetInput, KeyValue, RunStatus } from '../tracking/types';

export interface ServerInfo {
  url: string;
  token: string;
}

/**
 * What a launched run needs from tracking. The owner of the store writes it directly; any other process
 * (the CLI while the editor owns the store) goes through the owner's REST server, never the files.
 */
export interface RunTracker {
  readonly server: ServerInfo;
  experimentId(name?: string, id?: string): Promise<string>;
  createRun(o: { experiment_id: string; run_name?: string; tags: KeyValue[] }): Promise<{ run_id: string; artifact_uri: string }>;
  logBatch(runId: string, b: { params?: KeyValue[]; metrics?: MetricInput[]; tags?: KeyValue[] }): Promise<void>;
  logInputs(runId: string, datasets: DatasetInput[]): Promise<void>;
  setTag(runId: string, key: string, value: string): Promise<void>;
  updateRun(runId: string, o: { status: RunStatus; end_time?: number; start_time?: number }): Promise<void>;
  params(runId: string): Promise<Record<string, string>>;
  info(runId: string): Promise<{ experiment_id: string; artifact_uri: string }>;
  /**
   * For a tracker whose server keeps artifacts elsewhere (a team server): uploads the files the launcher wrote
   * to the run's local folder (stdout.log, git-diff.patch) when the run ends.
   */
  uploadStaged?(runId: string, dir: string): Promise<void>;
}

export class StoreTracker implements RunTracker {
  constructor(
    readonly store: Store,
    readonly server: ServerInfo,
  ) {}
  async experimentId(name?: string, id?: string) {
    if (name) return ensureExperiment(this.store, name);
    return getExperiment(this.store, id ?? '0').experiment_id;
  }
  async createRun(o: { experiment_id: string; run_name?: string; tags: KeyValue[] }) {
    const r = createRun(this.store, o);
    return { run_id: r.info.run_id, artifact_uri: r.info.artifact_uri };
  }
  async logBatch(runId: string, b: { params?: KeyValue[]; metrics?: MetricInput[]; tags?: KeyValue[] }) {
    logBatch(this.store, runId, b);
  }
  async logInputs(runId: string, d: DatasetInput[]) {
    logInputs(this.store, runId, d);
  }
  async setTag(runId: string, key: string, value: string) {
    setTag(this.store, runId, key, value);
  }
  async updateRun(runId: string, o: { status: RunStatus; end_time?: number; start_time?: number }) {
    updateRun(this.store, runId, o);
  }
  async params(runId: string) {
    return Object.fromEntries(getRun(this.store, runId).data.params.map((p) => [p.key, p.value]));
  }
  async info(runId: string) {
    const i = getRun(this.store, runId).info;
    return { experiment_id: i.experiment_id, artifact_uri: i.artifact_uri };
  }
}

/** The same operations through the owner's MLflow REST API. */
export class RestTracker implements RunTracker {
  constructor(readonly server: ServerInfo) {}

  private async call(method: string, path: string, body?: unknown): Promise<any> {
    const res = await fetch(`${this.server.url}/api/2.0/mlflow/${path}`, {
      method,
      headers: { Authorization: `Bearer ${this.server.token}`, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v)),
    });
    const json = await res.json().catch(() => ({}));
    if (!res.ok)
      throw new MlopsError(
        (json.error_code ?? 'INTERNAL_ERROR') as ErrorCode,
        `${json.message ?? res.statusText} (from the store's owner at ${this.server.url})`,
      );
    return json;
  }
  async experimentId(name?: string, id?: string) {
    if (!name) return (await this.call('GET', `experiments/get?experiment_id=${encodeURIComponent(id ?? '0')}`)).experiment.experiment_id;
    const got = await fetch(`${this.server.url}/api/2.0/mlflow/experiments/get-by-name?experiment_name=${encodeURIComponent(name)}`, {
      headers: { Authorization: `Bearer ${this.server.token}` },
    });
    if (got.ok) return (await got.json()).experiment.experiment_id;
    return (await this.call('POST', 'experiments/create', { name })).experiment_id;
  }
  async createRun(o: { experiment_id: string; run_name?: string; tags: KeyValue[] }) {
    const r = (await this.call('POST', 'runs/create', { ...o, start_time: Date.now() })).run;
    return { run_id: r.info.run_id, artifact_uri: r.info.artifact_uri };
  }
  async logBatch(runId: string, b: { params?: KeyValue[]; metrics?: MetricInput[]; tags?: KeyValue[] }) {
    await this.call('POST', 'runs/log-batch', { run_id: runId, ...b });
  }
  async logInputs(runId: string, datasets: DatasetInput[]) {
    await this.call('POST', 'runs/log-inputs', { run_id: runId, datasets });
  }
  async setTag(runId: string, key: string, value: string) {
    await this.call('POST', 'runs/set-tag', { run_id: runId, key, value });
  }
  async updateRun(runId: string, o: { status: RunStatus; end_time?: number; start_time?: number }) {
    await this.call('POST', 'runs/update', { run_id: runId, ...o });
  }
  async info(runId: string) {
    const i = (await this.call('GET', `runs/get?run_id=${runId}`)).run.info;
    return { experiment_id: i.experiment_id, artifact_uri: i.artifact_uri };
  }
  async params(runId: string) {
    const r = (await this.call('GET', `runs/get?run_id=${runId}`)).run;
    return Object.fromEntries((r.data.params ?? []).map((p: KeyValue) => [p.key, p.value]));
  }
}
