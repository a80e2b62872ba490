import path from 'node:path';
import type { RunStatus } from '../tracking/types';
import { runQueue, sweepGrid } from './sweep';
import { createTrackedRun, launchTrackedRun, prepareRun, type RunRequest } from './trackedRun';
import type { RunTracker } from './tracker';

export interface SweepRequest {
  projectDir: string;
  entryPoint: string;
  /** parameter → the values to try (see parseSweepValues) */
  values: Record<string, string[]>;
  tracker: RunTracker;
  workspace: string;
  /** how many children run at once (default 1) */
  concurrency?: number;
  experimentName?: string;
  experimentId?: string;
  python?: string;
  cwd?: string;
  signal?: AbortSignal;
  /** Called once the parent and every child exist (children SCHEDULED), before any process starts. */
  onScheduled?: (parentRunId: string, childRunIds: string[]) => void;
  onChildDone?: (runId: string, status: RunStatus, done: number, total: number) => void;
  onOutput?: (runId: string, chunk: string) => void;
}

export interface SweepOutcome {
  parentRunId: string;
  children: { runId: string; params: Record<string, string>; status: RunStatus }[];
  status: RunStatus;
}

/**
 * A parameter sweep: the grid of combinations runs as child runs (`mlflow.parentRunId`) of one parent run.
 * Every parameter of every child is validated, and every child is created SCHEDULED, before the first
 * process starts, so a bad value fails fast and the queue is visible in the tree. A cancelled sweep kills
 * the running children and marks the ones that never started KILLED.
 */
export async function runSweep(req: SweepRequest): Promise<SweepOutcome> {
  const grid = sweepGrid(req.values);
  const base: RunRequest = {
    projectDir: req.projectDir,
    entryPoint: req.entryPoint,
    experimentName: req.experimentName,
    experimentId: req.experimentId,
    python: req.python,
    cwd: req.cwd ?? req.projectDir,
  };
  const preps = grid.map((params) => prepareRun(undefined, { ...base, params }));
  const { tracker } = req;
  const experimentId = await tracker.experimentId(req.experimentName, req.experimentId ?? preps[0]?.experimentId);
  const parent = await tracker.createRun({
    experiment_id: experimentId,
    run_name: `sweep-${req.entryPoint}-${new Date().toISOString().slice(11, 19)}`,
    tags: [
      { key: 'mlops.sweep', value: JSON.stringify(req.values).slice(0, 8000) },
      { key: 'mlflow.source.type', value: 'PROJECT' },
      { key: 'mlflow.project.entryPoint', value: req.entryPoint },
      { key: 'mlflow.source.name', value: path.relative(req.workspace, req.projectDir) || '.' },
    ],
  });
  const parentRunId = parent.run_id;
  const children: string[] = [];
  for (let i = 0; i < grid.length; i++) {
    const r = { ...base, experimentId, experimentName: undefined, params: grid[i], parentRunId };
    children.push(await createTrackedRun(tracker, r, preps[i], req.workspace, 'SCHEDULED'));
  }
  req.onScheduled?.(parentRunId, children);
  let done = 0;
  const statuses = await runQueue(
    grid.map((params, i) => async () => {
      const out = await launchTrackedRun({
        ...base,
        experimentId,
        experimentName: undefined,
        params,
        parentRunId,
        runId: children[i],
        tracker,
        workspace: req.workspace,
        signal: req.signal,
        onOutput: req.onOutput && ((s) => req.onOutput!(children[i], s)),
      });
      req.onChildDone?.(children[i], out.status, ++done, grid.length);
      return out.status;
    }),
    Math.max(1, req.concurrency ?? 1),
    req.signal,
  );
  const now = Date.now();
  const final: RunStatus[] = [];
  for (let i = 0; i < children.length; i++) {
    const s = statuses[i];
    if (s === undefined) await tracker.updateRun(children[i], { status: 'KILLED', end_time: now });
    final.push(s ?? 'KILLED');
  }
  const status: RunStatus = req.signal?.aborted ? 'KILLED' : final.every((s) => s === 'FINISHED') ? 'FINISHED' : 'FAILED';
  await tracker.updateRun(parentRunId, { status, end_time: Date.now() });
  return { parentRunId, status, children: children.map((runId, i) => ({ runId, params: grid[i], status: final[i] })) };
}
