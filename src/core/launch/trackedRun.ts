import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DataRepo } from '../data';
import { GitRepo } from '../git';
import { loadProject, resolveEntryPoint, type Project, type ResolvedEntryPoint } from '../project';
import { DvcLiveTailer, launch, prepareEnvironment, toMetricInput, type PreparedEnv } from '../exec';
import type { Store } from '../store/store';
import { artifactDirOf } from '../tracking/artifactDir';
import { ensureExperiment, getExperiment } from '../tracking/experiments';
import type { DatasetInput, KeyValue, RunStatus } from '../tracking/types';
import type { RunTracker } from './tracker';
import { workspacePaths } from '../paths';

export interface RunRequest {
  projectDir: string;
  entryPoint?: string;
  params?: Record<string, string>;
  experimentName?: string;
  experimentId?: string;
  runName?: string;
  parentRunId?: string;
  /** Interpreter chosen in the Python extension, if any. */
  python?: string;
  envManager?: 'local' | 'project';
  /** Where relative `path` parameters resolve from (mlflow run: the caller's folder). Default: the project folder. */
  cwd?: string;
}

export interface PreparedRun {
  project: Project;
  resolved: ResolvedEntryPoint;
  experimentId: string;
}

/** Resolves the entry point and validates every parameter before anything is created or started. */
export function prepareRun(store: Store | undefined, req: RunRequest): PreparedRun {
  const project = loadProject(req.projectDir);
  if (project.errors.length) throw new Error(`${project.file ?? project.dir}: ${project.errors.join('; ')}`);
  const resolved = resolveEntryPoint(project, req.entryPoint ?? 'main', req.params ?? {}, { cwd: req.cwd ?? project.dir });
  let experimentId = req.experimentId ?? '0';
  if (store && req.experimentName) experimentId = ensureExperiment(store, req.experimentName);
  else if (store && req.experimentId) getExperiment(store, req.experimentId);
  return { project, resolved, experimentId };
}

/** The md5 of every DVC-tracked output of the project's repository: the run's data lineage. */
export function dataInputs(projectDir: string): DatasetInput[] {
  let repo: DataRepo;
  try {
    repo = DataRepo.open(projectDir, { statCacheFile: false });
  } catch {
    return [];
  }
  return repo
    .outputs()
    .filter((o) => o.out.md5)
    .map((o) => ({
      tags: [{ key: 'mlflow.data.context', value: 'input' }],
      dataset: {
        name: o.path,
        digest: o.out.md5!.replace(/\.dir$/, ''),
        source_type: 'dvc',
        source: JSON.stringify({ path: o.path, dvc_file: o.dvcFile, md5: o.out.md5, size: o.out.size, nfiles: o.out.nfiles }),
      },
    }));
}

export interface GitInfo {
  commit?: string;
  branch?: string;
  dirty?: boolean;
  repoURL?: string;
  diff?: string;
}

/**
 * The commit a run comes from. Our own files (the workspace's `.mlops/`: store, artifacts, environments) do
 * not make the tree dirty; pass the workspace to leave them out.
 */
export async function gitInfo(dir: string, workspace?: string): Promise<GitInfo> {
  const git = await GitRepo.tryOpen(dir);
  if (!git) return {};
  const ours = [workspacePaths.store(workspace ?? dir)];
  const [commit, branch, dirty, repoURL] = await Promise.all([git.commit(), git.branch(), git.dirty(ours), git.repoURL()]);
  const diff = dirty ? await git.diff().catch(() => '') : undefined;
  return { commit, branch, dirty, repoURL, diff };
}

export interface LaunchRequest extends RunRequest {
  tracker: RunTracker;
  workspace: string;
  onOutput?: (chunk: string) => void;
  signal?: AbortSignal;
  /** Called once the run exists, before the process starts. */
  onRunCreated?: (runId: string) => void;
  /** Launch this already scheduled run (a sweep's queue) instead of creating one. */
  runId?: string;
  /** How often DVCLive output is imported while the script runs (ms). Default 1000. */
  dvcLiveIntervalMs?: number;
}

export interface LaunchOutcome {
  runId: string;
  status: RunStatus;
  exitCode: number | null;
  /** Why the run failed before or around the process (missing interpreter, bad environment). */
  reason?: string;
}

/** Creates the run with its lineage (source, commit, data versions, params) before any process starts. */
export async function createTrackedRun(
  tracker: RunTracker,
  req: RunRequest,
  prep: PreparedRun,
  workspace: string,
  status: RunStatus = 'RUNNING',
): Promise<string> {
  const git = await gitInfo(req.projectDir, workspace);
  const tags: KeyValue[] = [
    { key: 'mlflow.source.type', value: 'PROJECT' },
    { key: 'mlflow.source.name', value: prep.project.file ? path.relative(workspace, prep.project.dir) || '.' : prep.project.dir },
    { key: 'mlflow.project.entryPoint', value: prep.resolved.entryPoint },
    { key: 'mlflow.project.backend', value: 'local' },
    { key: 'mlflow.project.env', value: prep.project.env.kind },
    { key: 'mlflow.user', value: os.userInfo().username },
    { key: 'mlops.command', value: prep.resolved.command.slice(0, 8000) },
  ];
  if (git.commit) tags.push({ key: 'mlflow.source.git.commit', value: git.commit });
  if (git.branch) tags.push({ key: 'mlflow.source.git.branch', value: git.branch });
  if (git.repoURL) tags.push({ key: 'mlflow.source.git.repoURL', value: git.repoURL });
  if (git.dirty !== undefined) tags.push({ key: 'mlops.git.dirty', value: String(git.dirty) });
  if (req.parentRunId) tags.push({ key: 'mlflow.parentRunId', value: req.parentRunId });
  const experimentId = await tracker.experimentId(req.experimentName, req.experimentId ?? prep.experimentId);
  const run = await tracker.createRun({ experiment_id: experimentId, run_name: req.runName, tags });
  const params = Object.entries({ ...prep.resolved.params, ...prep.resolved.extraParams }).map(([key, value]) => ({ key, value }));
  for (let i = 0; i < params.length; i += 100) await tracker.logBatch(run.run_id, { params: params.slice(i, i + 100) });
  const inputs = dataInputs(req.projectDir);
  if (inputs.length) await tracker.logInputs(run.run_id, inputs);
  if (status !== 'RUNNING') await tracker.updateRun(run.run_id, { status });
  const dir = tracker.uploadStaged ? stagingDir(workspace, run.run_id) : artifactDirOf(workspace, run.artifact_uri);
  if (dir) {
    fs.mkdirSync(dir, { recursive: true });
    if (git.dirty && git.diff) fs.writeFileSync(path.join(dir, 'git-diff.patch'), git.diff);
  }
  return run.run_id;
}

/** Where a run on a team server keeps the files the launcher writes (git-diff.patch, stdout.log) until they are uploaded. */
function stagingDir(workspace: string, runId: string): string {
  return workspacePaths.staging(workspace, runId);
}

/**
 * Runs an MLproject entry point as a tracked run: creates the run with its lineage, prepares the project's
 * environment, starts the command with MLFLOW_* set so `mlflow.start_run()` attaches to this run, streams
 * output to the caller and to a `stdout.log` artifact, imports DVCLive output live, and records FINISHED,
 * FAILED or KILLED from how the process ended.
 */
export async function launchTrackedRun(req: LaunchRequest): Promise<LaunchOutcome> {
  const { tracker } = req;
  const prep = prepareRun(undefined, req);
  const runId = req.runId ?? (await createTrackedRun(tracker, req, prep, req.workspace));
  // A queued (sweep) run starts now, when its process starts: its time in the queue is not run time.
  if (req.runId) await tracker.updateRun(runId, { status: 'RUNNING', start_time: Date.now() });
  req.onRunCreated?.(runId);
  const say = (s: string) => req.onOutput?.(s);
  // Set once the run's folder is known; a run killed before that has nothing staged.
  const staged: { dir?: string } = {};
  const finish = async (status: RunStatus, exitCode: number | null, reason?: string): Promise<LaunchOutcome> => {
    if (reason) await tracker.setTag(runId, 'mlops.failureReason', reason.slice(0, 8000)).catch(() => undefined);
    if (tracker.uploadStaged && staged.dir) {
      const end = Date.now();
      await tracker.uploadStaged(runId, staged.dir).catch((e: Error) => say(`\r\n[mlops] the run's log was not uploaded: ${e.message}\r\n`));
      await tracker.updateRun(runId, { status, end_time: end });
      return { runId, status, exitCode, reason };
    }
    await tracker.updateRun(runId, { status, end_time: Date.now() });
    return { runId, status, exitCode, reason };
  };
  if (req.signal?.aborted) return finish('KILLED', null);
  const { experiment_id: experimentId, artifact_uri } = await tracker.info(runId);
  // A run on a team server stages its files in a folder of its own, uploaded and removed when it ends.
  const artifactDir = tracker.uploadStaged
    ? stagingDir(req.workspace, runId)
    : (artifactDirOf(req.workspace, artifact_uri) ?? path.join(workspacePaths.artifacts(req.workspace), experimentId, runId, 'artifacts'));
  staged.dir = artifactDir;
  fs.mkdirSync(artifactDir, { recursive: true });
  let env: PreparedEnv;
  try {
    env = await prepareEnvironment(prep.project.env, {
      projectDir: prep.project.dir,
      cacheDir: workspacePaths.envs(req.workspace),
      python: req.python,
      envManager: req.envManager,
      baseEnv: {
        ...process.env,
        MLFLOW_TRACKING_URI: tracker.server.url,
        // A team server's basic-auth credentials pass through from the environment; a bearer token replaces them.
        ...(tracker.server.token ? { MLFLOW_TRACKING_TOKEN: tracker.server.token } : {}),
        MLFLOW_EXPERIMENT_ID: experimentId,
        MLFLOW_RUN_ID: runId,
      },
      onOutput: say,
      signal: req.signal,
    });
  } catch (e) {
    const msg = (e as Error).message;
    say(`\r\n${msg}\r\n`);
    return finish(req.signal?.aborted ? 'KILLED' : 'FAILED', null, msg);
  }
  say(`\x1b[2m${env.description}\x1b[0m\r\n\x1b[1m$ ${prep.resolved.command}\x1b[0m\r\n`);
  const tailer = new DvcLiveTailer(path.join(prep.project.dir, 'dvclive'));
  let importing = Promise.resolve();
  const importLive = () =>
    (importing = importing.then(async () => {
      try {
        const data = tailer.read();
        for (let i = 0; i < data.metrics.length; i += 1000) {
          await tracker.logBatch(runId, { metrics: data.metrics.slice(i, i + 1000).map(toMetricInput) });
        }
        const keys = Object.keys(data.params);
        if (keys.length) {
          const existing = await tracker.params(runId);
          const fresh = keys
            .filter((k) => !(k.replace(/[^\w.\- /]/g, '_') in existing))
            .map((k) => ({ key: k.replace(/[^\w.\- /]/g, '_'), value: data.params[k] }));
          for (let i = 0; i < fresh.length; i += 100) await tracker.logBatch(runId, { params: fresh.slice(i, i + 100) });
        }
      } catch (e) {
        say(`\r\n[mlops] DVCLive import: ${(e as Error).message}\r\n`);
      }
    }));
  const timer = setInterval(() => void importLive(), req.dvcLiveIntervalMs ?? 1000);
  try {
    const result = await launch({
      command: env.wrapCommand(prep.resolved.command),
      cwd: prep.project.dir,
      env: env.env,
      onOutput: (chunk) => say(chunk.replace(/\r?\n/g, '\r\n')),
      logFile: path.join(artifactDir, 'stdout.log'),
      signal: req.signal,
    });
    clearInterval(timer);
    await importLive();
    if (result.killed) return await finish('KILLED', result.exitCode);
    if (result.exitCode === 0) return await finish('FINISHED', 0);
    return await finish('FAILED', result.exitCode, result.signal ? `ended by ${result.signal}` : `exit code ${result.exitCode}`);
  } catch (e) {
    clearInterval(timer);
    return finish('FAILED', null, (e as Error).message);
  }
}
