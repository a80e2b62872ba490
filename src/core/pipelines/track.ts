import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gitInfo, type GitInfo, type RunTracker } from '../launch';
import { mlflowKey } from '../exec/dvclive';
import { artifactDirOf } from '../tracking/artifactDir';
import type { DatasetInput, KeyValue, RunStatus } from '../tracking/types';
import type { Hashed } from './hashing';
import { readMetricsFile } from './metricsFiles';
import { pyStr, type PyValue } from './pyvalue';
import type { Stage } from './types';

/** Where stage runs are recorded: a tracker (in-process store or the owner's server) and the workspace. */
export interface PipelineTracking {
  tracker: RunTracker;
  workspace: string;
  experimentName?: string;
  experimentId?: string;
}

export interface TrackedRunRef {
  runId: string;
  experimentId: string;
  artifactDir?: string;
}

function baseTags(git: GitInfo, sourceName: string): KeyValue[] {
  const tags: KeyValue[] = [
    { key: 'mlflow.source.type', value: 'LOCAL' },
    { key: 'mlflow.source.name', value: sourceName },
    { key: 'mlflow.user', value: os.userInfo().username },
  ];
  if (git.commit) tags.push({ key: 'mlflow.source.git.commit', value: git.commit });
  if (git.branch) tags.push({ key: 'mlflow.source.git.branch', value: git.branch });
  if (git.repoURL) tags.push({ key: 'mlflow.source.git.repoURL', value: git.repoURL });
  return tags;
}

export class PipelineRecorder {
  private git: GitInfo = {};
  private experimentId = '0';
  parent?: TrackedRunRef;

  constructor(
    readonly t: PipelineTracking,
    readonly root: string,
  ) {}

  async startPipeline(name: string, dvcFiles: string[]): Promise<TrackedRunRef> {
    this.git = await gitInfo(this.root);
    this.experimentId = await this.t.tracker.experimentId(this.t.experimentName, this.t.experimentId);
    const tags = [...baseTags(this.git, dvcFiles.join(', ')), { key: 'mlops.pipeline', value: dvcFiles.join(', ') }];
    this.parent = await this.create(name, tags);
    return this.parent;
  }

  private async create(runName: string, tags: KeyValue[]): Promise<TrackedRunRef> {
    const r = await this.t.tracker.createRun({ experiment_id: this.experimentId, run_name: runName, tags });
    return { runId: r.run_id, experimentId: this.experimentId, artifactDir: artifactDirOf(this.t.workspace, r.artifact_uri) };
  }

  /** A child run for one stage, with its params and its deps' hashes as dataset inputs, before the command starts. */
  async startStage(stage: Stage, params: { [file: string]: { [k: string]: PyValue } }, deps: { path: string; hash: Hashed }[]): Promise<TrackedRunRef> {
    const cmd = Array.isArray(stage.cmd) ? stage.cmd.join('\n') : stage.cmd;
    const tags = [
      ...baseTags(this.git, path.relative(this.root, stage.dvcFile) || 'dvc.yaml'),
      { key: 'mlops.pipeline.stage', value: stage.name },
      { key: 'mlops.command', value: cmd.slice(0, 8000) },
    ];
    if (this.parent) tags.push({ key: 'mlflow.parentRunId', value: this.parent.runId });
    const run = await this.create(stage.name, tags);
    const kv: KeyValue[] = [];
    for (const [file, values] of Object.entries(params)) {
      for (const [k, v] of Object.entries(values)) kv.push({ key: mlflowKey(file === 'params.yaml' ? k : `${file}/${k}`), value: pyStr(v).slice(0, 6000) });
    }
    for (let i = 0; i < kv.length; i += 100) await this.t.tracker.logBatch(run.runId, { params: kv.slice(i, i + 100) });
    const inputs: DatasetInput[] = deps
      .filter((d) => d.hash?.md5)
      .map((d) => ({
        tags: [{ key: 'mlflow.data.context', value: 'input' }],
        dataset: {
          name: d.path,
          digest: d.hash!.md5!.replace(/\.dir$/, ''),
          source_type: 'dvc',
          source: JSON.stringify({ path: d.path, md5: d.hash!.md5, size: d.hash!.size, nfiles: d.hash!.nfiles, stage: stage.name }),
        },
      }));
    if (inputs.length) await this.t.tracker.logInputs(run.runId, inputs);
    return run;
  }

  /** Environment a stage's command gets so `mlflow` logs into its run. */
  env(run: TrackedRunRef): Record<string, string> {
    const s = this.t.tracker.server;
    return { MLFLOW_TRACKING_URI: s.url, MLFLOW_TRACKING_TOKEN: s.token, MLFLOW_EXPERIMENT_ID: run.experimentId, MLFLOW_RUN_ID: run.runId };
  }

  /** Logs the stage's metrics files as metrics and copies its metrics and plots files into the run's artifacts. */
  async recordOutputs(run: TrackedRunRef, stage: Stage, say: (s: string) => void): Promise<void> {
    const now = Date.now();
    for (const o of stage.outs.filter((x) => x.kind === 'metrics')) {
      try {
        const pts = fs.existsSync(o.abs) && fs.statSync(o.abs).isFile() ? readMetricsFile(o.abs) : [];
        const metrics = pts.map((p) => ({ key: p.key, value: p.value, step: p.step, timestamp: now }));
        for (let i = 0; i < metrics.length; i += 1000) await this.t.tracker.logBatch(run.runId, { metrics: metrics.slice(i, i + 1000) });
      } catch (e) {
        say(`[mlops] metrics ${o.path}: ${(e as Error).message}\n`);
      }
    }
    if (!run.artifactDir) return;
    for (const o of stage.outs.filter((x) => x.kind !== 'outs')) {
      if (!fs.existsSync(o.abs)) continue;
      const dest = path.join(run.artifactDir, o.kind, ...o.path.split('/').filter((p) => p && p !== '..' && p !== '.'));
      fs.mkdirSync(path.dirname(dest), { recursive: true });
      fs.cpSync(o.abs, dest, { recursive: true });
    }
  }

  async finish(run: TrackedRunRef, status: RunStatus, reason?: string): Promise<void> {
    if (reason) await this.t.tracker.setTag(run.runId, 'mlops.failureReason', reason.slice(0, 8000)).catch(() => undefined);
    await this.t.tracker.updateRun(run.runId, { status, end_time: Date.now() });
  }

  async tag(run: TrackedRunRef, key: string, value: string): Promise<void> {
    await this.t.tracker.setTag(run.runId, key, value);
  }
}
