import fs from 'node:fs';
import path from 'node:path';
import type { RemoteBackend } from '../backend/remote';
import type { MetricInput } from '../tracking/metrics';
import type { DatasetInput, KeyValue, RunStatus } from '../tracking/types';
import type { RunTracker, ServerInfo } from './tracker';

/**
 * A launched run that logs straight to a team's MLflow server. The script gets the server's URI (and the
 * user's own MLFLOW_TRACKING_* credentials from the environment); files the launcher writes for the run
 * (stdout.log, git-diff.patch) are staged locally and uploaded when the run ends.
 */
export class RemoteTracker implements RunTracker {
  readonly server: ServerInfo;

  constructor(readonly backend: RemoteBackend) {
    const a = backend.conn.auth;
    this.server = { url: backend.location, token: a.kind === 'bearer' ? a.token : '' };
  }

  async experimentId(name?: string, id?: string): Promise<string> {
    if (!name) return id ?? '0';
    const got = await this.backend.getExperimentByName(name);
    return got?.experiment_id ?? (await this.backend.createExperiment(name));
  }
  async createRun(o: { experiment_id: string; run_name?: string; tags: KeyValue[] }) {
    const r = await this.backend.createRun(o);
    return { run_id: r.info.run_id, artifact_uri: r.info.artifact_uri };
  }
  async logBatch(runId: string, b: { params?: KeyValue[]; metrics?: MetricInput[]; tags?: KeyValue[] }) {
    await this.backend.logBatch(runId, b);
  }
  async logInputs(runId: string, d: DatasetInput[]) {
    await this.backend.logInputs(runId, d);
  }
  async setTag(runId: string, key: string, value: string) {
    await this.backend.setTag(runId, key, value);
  }
  async updateRun(runId: string, o: { status: RunStatus; end_time?: number; start_time?: number }) {
    await this.backend.updateRun(runId, o);
  }
  async params(runId: string) {
    return Object.fromEntries((await this.backend.getRun(runId)).data.params.map((p) => [p.key, p.value]));
  }
  async info(runId: string) {
    const i = (await this.backend.getRun(runId)).info;
    return { experiment_id: i.experiment_id, artifact_uri: i.artifact_uri };
  }

  /** Uploads every file of a local staging folder as the run's artifacts, then removes the folder. */
  async uploadStaged(runId: string, dir: string): Promise<void> {
    const walk = async (sub: string): Promise<void> => {
      for (const e of await fs.promises.readdir(path.join(dir, sub), { withFileTypes: true }).catch(() => [])) {
        const rel = sub ? `${sub}/${e.name}` : e.name;
        if (e.isDirectory()) await walk(rel);
        else if (e.isFile()) await this.backend.uploadArtifact(runId, rel, path.join(dir, rel));
      }
    };
    await walk('');
    await fs.promises.rm(dir, { recursive: true, force: true });
  }
}
