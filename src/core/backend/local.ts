import fs from 'node:fs';
import path from 'node:path';
import type { Store } from '../store/store';
import { isMissingAlias, NotFound } from '../errors';
import * as R from '../registry';
import { listArtifactDir, safeArtifactPath } from '../server/artifactStore';
import * as T from '../tracking';
import { getMetricHistory } from '../tracking/history';
import type { ModelVersion } from '../registry/types';
import type { DatasetInput, Experiment, KeyValue, Metric, Run, RunStatus, ViewType } from '../tracking/types';
import type { FileInfo, MetricInput, RunPage, RunQuery, TrackingBackend } from './types';

/** The workspace's own store behind the backend interface (reads and writes go straight to the store). */
export class LocalBackend implements TrackingBackend {
  readonly kind = 'local';

  constructor(
    readonly store: Store,
    readonly workspace: string,
    private readonly onClose?: () => void,
  ) {}

  get location(): string {
    return this.workspace;
  }

  async close(): Promise<void> {
    this.onClose?.();
  }

  async listExperiments(view: ViewType = 'ACTIVE_ONLY'): Promise<Experiment[]> {
    return T.listExperiments(this.store, view);
  }

  async getExperiment(id: string): Promise<Experiment> {
    return T.getExperiment(this.store, id);
  }

  async getExperimentByName(name: string): Promise<Experiment | undefined> {
    try {
      return T.getExperimentByName(this.store, name);
    } catch (e) {
      if (e instanceof NotFound) return undefined;
      throw e;
    }
  }

  async createExperiment(name: string): Promise<string> {
    return T.createExperiment(this.store, { name });
  }

  async searchRuns(q: RunQuery): Promise<RunPage> {
    return T.searchRuns(this.store, {
      experiment_ids: q.experimentIds,
      filter: q.filter,
      order_by: q.orderBy,
      max_results: q.maxResults ?? 1000,
      page_token: q.pageToken,
      run_view_type: q.view ?? 'ACTIVE_ONLY',
    });
  }

  async getRun(runId: string): Promise<Run> {
    return T.getRun(this.store, runId);
  }

  /** A run by id or by a unique prefix of it (what a user types on the command line). */
  findRun(idOrPrefix: string): Run {
    const matches = T.findRunsByPrefix(this.store, idOrPrefix);
    const exact = matches.find((r) => r.run_uuid === idOrPrefix);
    if (!exact && matches.length !== 1)
      throw new NotFound(
        matches.length ? `run id prefix "${idOrPrefix}" is ambiguous: ${matches.map((r) => r.run_uuid).join(', ')}` : `no run with id "${idOrPrefix}"`,
      );
    return T.assembleRun(this.store, exact ?? matches[0]);
  }

  async resolveRun(idOrPrefix: string): Promise<Run> {
    return this.findRun(idOrPrefix);
  }

  async metricHistory(runId: string, key: string): Promise<Metric[]> {
    const s = getMetricHistory(this.store, runId, key);
    const out: Metric[] = new Array(s.values.length);
    for (let i = 0; i < s.values.length; i++) out[i] = { key, value: s.values[i], timestamp: s.timestamps[i], step: s.steps[i] };
    return out;
  }

  async listArtifacts(runId: string, sub = ''): Promise<FileInfo[]> {
    return listArtifactDir(this.workspace, T.getRun(this.store, runId).info.artifact_uri, sub, true);
  }

  private artifactDir(runId: string): string {
    const uri = T.getRun(this.store, runId).info.artifact_uri;
    const dir = T.artifactDirOf(this.workspace, uri);
    if (!dir) throw new NotFound(`run ${runId} keeps its artifacts at ${uri}, outside this workspace`);
    return dir;
  }

  /** The file on disk behind an artifact path (contained in the run's folder). */
  artifactFile(runId: string, rel: string): string {
    return safeArtifactPath(this.artifactDir(runId), rel);
  }

  async readArtifact(runId: string, rel: string): Promise<Buffer> {
    return fs.promises.readFile(safeArtifactPath(this.artifactDir(runId), rel));
  }

  async listRegisteredModels() {
    return R.listRegisteredModels(this.store);
  }

  async getRegisteredModel(name: string) {
    return R.getRegisteredModel(this.store, name);
  }

  async modelVersions(name: string) {
    return R.listModelVersions(this.store, name);
  }

  async modelVersionByAlias(name: string, alias: string): Promise<ModelVersion | undefined> {
    try {
      return R.getModelVersionByAlias(this.store, name, alias);
    } catch (e) {
      if (isMissingAlias(e)) return undefined;
      throw e;
    }
  }

  async registerModelVersion(name: string, runId: string, artifactPath: string, userId?: string): Promise<ModelVersion> {
    const run = T.getRun(this.store, runId);
    const folder = artifactPath.replace(/^\/+|\/+$/g, '');
    const source = folder === '' || folder === '.' ? run.info.artifact_uri : `${run.info.artifact_uri.replace(/\/+$/, '')}/${folder}`;
    if (!R.listRegisteredModels(this.store).some((m) => m.name === name)) R.createRegisteredModel(this.store, { name });
    return R.createModelVersion(this.store, { name, source, run_id: runId, user_id: userId });
  }

  async setModelAlias(name: string, alias: string, version: string): Promise<void> {
    R.setRegisteredModelAlias(this.store, name, alias, version);
  }

  async setModelVersionTag(name: string, version: string, key: string, value: string): Promise<void> {
    R.setModelVersionTag(this.store, name, version, key, value);
  }

  async createRun(o: { experiment_id: string; run_name?: string; start_time?: number; user_id?: string; tags: KeyValue[] }): Promise<Run> {
    return T.createRun(this.store, o);
  }

  async logBatch(runId: string, b: { params?: KeyValue[]; metrics?: MetricInput[]; tags?: KeyValue[] }): Promise<void> {
    T.logBatch(this.store, runId, b);
  }

  async logInputs(runId: string, datasets: DatasetInput[]): Promise<void> {
    T.logInputs(this.store, runId, datasets);
  }

  async setTag(runId: string, key: string, value: string): Promise<void> {
    T.setTag(this.store, runId, key, value);
  }

  async updateRun(runId: string, o: { status?: RunStatus; end_time?: number; start_time?: number; run_name?: string }): Promise<void> {
    T.updateRun(this.store, runId, o);
  }

  async uploadArtifact(runId: string, rel: string, file: string): Promise<void> {
    const dest = safeArtifactPath(this.artifactDir(runId), rel);
    await fs.promises.mkdir(path.dirname(dest), { recursive: true });
    await fs.promises.copyFile(file, dest);
  }
}
