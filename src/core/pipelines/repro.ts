import { GitRepo } from '../git';
import { selectStages, type SelectOptions } from './dag';
import { PipelineFileError, StageFailed } from './errors';
import { commitOuts, removeOuts, restoreOuts, runCommands } from './execStage';
import type { PathHasher } from './hashing';
import { writeLock, type LockStage } from './lockfile';
import type { PipelineRepo } from './project';
import { RunCache, canRunCache } from './runCache';
import { stageStatus, type Change } from './status';
import { lockInputs, withOuts } from './stageLock';
import { PipelineRecorder, type PipelineTracking, type TrackedRunRef } from './track';
import type { Stage } from './types';

export type StageAction = 'skipped' | 'ran' | 'restored' | 'would-run' | 'failed' | 'killed' | 'not-run';

export interface StageOutcome {
  stage: string;
  action: StageAction;
  /** Why it ran (or would): what changed; empty when forced. */
  changes: Change[];
  runId?: string;
  reason?: string;
}

export type ReproEvent = { type: 'stage-start'; stage: string; changes: Change[] } | { type: 'stage-end'; outcome: StageOutcome };

export interface ReproOptions extends SelectOptions {
  targets?: string[];
  force?: boolean;
  dry?: boolean;
  /** Stages run at once when independent (default 1). */
  jobs?: number;
  /** Restore outputs of an identical earlier run instead of running (default true). */
  runCache?: boolean;
  signal?: AbortSignal;
  onOutput?: (stage: string, chunk: string) => void;
  onEvent?: (e: ReproEvent) => void;
  /** Record every stage run as a child run of one pipeline run. */
  tracking?: PipelineTracking;
}

export interface ReproResult {
  outcomes: StageOutcome[];
  pipelineRunId?: string;
  ok: boolean;
}

class Repro {
  private h: PathHasher;
  private runCache: RunCache;
  private recorder?: PipelineRecorder;
  private git?: Promise<GitRepo | undefined>;
  private lockWrites = Promise.resolve();
  private failed = false;
  private outcomes = new Map<string, StageOutcome>();

  constructor(
    readonly repo: PipelineRepo,
    readonly o: ReproOptions,
  ) {
    this.h = repo.hasher(o.signal);
    this.runCache = new RunCache(repo.data.config.cacheDir());
    if (o.tracking && !o.dry) this.recorder = new PipelineRecorder(o.tracking, repo.root);
  }

  /** Opened the first time an output is committed (a no-change repro never starts git). */
  private gitRepo(): Promise<GitRepo | undefined> {
    return (this.git ??= GitRepo.tryOpen(this.repo.root));
  }

  private say(stage: string, s: string) {
    this.o.onOutput?.(stage, s);
  }

  async run(): Promise<ReproResult> {
    const names = selectStages(this.repo.dag, this.o.targets ?? [], this.o);
    const parent = this.recorder
      ? await this.recorder.startPipeline(
          `repro ${(this.o.targets ?? []).join(' ') || 'all'}`.trim(),
          this.repo.pipelines.map((p) => p.file),
        )
      : undefined;
    try {
      await this.schedule(names);
    } finally {
      await this.lockWrites;
      this.repo.flush();
    }
    const outcomes = names.map((n) => this.outcomes.get(n) ?? { stage: n, action: 'not-run' as const, changes: [] });
    const killed = outcomes.some((x) => x.action === 'killed') || !!this.o.signal?.aborted;
    const ok = !outcomes.some((x) => x.action === 'failed' || x.action === 'killed');
    if (parent) await this.recorder!.finish(parent, killed ? 'KILLED' : ok ? 'FINISHED' : 'FAILED');
    return { outcomes, pipelineRunId: parent?.runId, ok: ok && !killed };
  }

  /** Starts every stage whose selected upstream stages are done, up to `jobs` at a time, until all are done. */
  private async schedule(names: string[]): Promise<void> {
    const jobs = Math.max(1, this.o.jobs ?? 1);
    const selected = new Set(names);
    const done = new Set<string>();
    const started = new Set<string>();
    const running = new Map<string, Promise<void>>();
    for (;;) {
      const stop = this.failed || !!this.o.signal?.aborted;
      if (!stop) {
        for (const n of names) {
          if (running.size >= jobs) break;
          if (started.has(n)) continue;
          const ups = [...this.repo.dag.upstream.get(n)!].filter((u) => selected.has(u));
          if (!ups.every((u) => done.has(u))) continue;
          if (ups.some((u) => ['failed', 'killed', 'not-run'].includes(this.outcomes.get(u)?.action ?? ''))) continue;
          started.add(n);
          const p = this.stage(this.repo.dag.byName.get(n)!).finally(() => {
            running.delete(n);
            done.add(n);
          });
          running.set(n, p);
        }
      }
      if (!running.size) return;
      await Promise.race(running.values());
    }
  }

  private record(outcome: StageOutcome): void {
    this.outcomes.set(outcome.stage, outcome);
    if (outcome.action === 'failed' || outcome.action === 'killed') this.failed = true;
    this.o.onEvent?.({ type: 'stage-end', outcome });
  }

  private upstreamWouldRun(stage: Stage): boolean {
    return [...this.repo.dag.upstream.get(stage.name)!].some((u) => this.outcomes.get(u)?.action === 'would-run');
  }

  private async stage(stage: Stage): Promise<void> {
    try {
      const st = await stageStatus(stage, this.repo.lock(stage), this.h);
      const changed = st.state === 'changed' || st.state === 'never-run';
      if (stage.frozen) {
        const missing = st.changes.filter((c) => c.kind === 'out' && c.state === 'deleted');
        if (missing.length) throw new StageFailed(stage.name, `is frozen and its output ${missing.map((m) => `'${m.path}'`).join(', ')} is missing`);
        return this.record({ stage: stage.name, action: 'skipped', changes: [] });
      }
      if (!this.o.force && !changed && !(this.o.dry && this.upstreamWouldRun(stage))) return this.record({ stage: stage.name, action: 'skipped', changes: [] });
      if (this.o.dry) return this.record({ stage: stage.name, action: 'would-run', changes: st.changes });
      this.o.onEvent?.({ type: 'stage-start', stage: stage.name, changes: st.changes });
      await this.execute(stage, st.changes);
    } catch (e) {
      const reason = (e as Error).message;
      this.say(stage.name, `${reason}\n`);
      this.record({ stage: stage.name, action: this.o.signal?.aborted ? 'killed' : 'failed', changes: [], reason });
    }
  }

  private async execute(stage: Stage, changes: Change[]): Promise<void> {
    const say = (s: string) => this.say(stage.name, s);
    for (const d of stage.deps) this.h.forget(d.abs);
    const inputs = await lockInputs(stage, this.h);
    if (!this.o.force && this.o.runCache !== false && canRunCache(stage)) {
      const cached = this.runCache.load(inputs);
      const restored = cached && (await restoreOuts(stage, cached, this.repo.lockFileOf(stage), this.h));
      if (restored) {
        say(`Stage '${stage.name}' is cached - skipping run, checking out outputs\n`);
        const outs = await commitOuts(stage, this.h, await this.gitRepo());
        await this.saveLock(stage, withOuts(inputs, outs));
        const run = await this.recorder?.startStage(
          stage,
          inputs.params,
          inputs.deps.map((d) => ({ path: d.path, hash: d })),
        );
        if (run) {
          await this.recorder!.tag(run, 'mlops.pipeline.restored', 'true');
          await this.recorder!.recordOutputs(run, stage, say);
          await this.recorder!.finish(run, 'FINISHED');
        }
        return this.record({ stage: stage.name, action: 'restored', changes, runId: run?.runId });
      }
    }
    say(`Running stage '${stage.name}':\n`);
    const run = await this.recorder?.startStage(
      stage,
      inputs.params,
      inputs.deps.map((d) => ({ path: d.path, hash: d })),
    );
    const result = await this.runTracked(stage, run, say);
    if (result !== 'ok') {
      const killed = result === 'killed';
      const reason = killed ? 'cancelled' : result.failed;
      if (run) await this.recorder!.finish(run, killed ? 'KILLED' : 'FAILED', killed ? undefined : reason);
      if (!killed) say(`${reason}\n`);
      return this.record({ stage: stage.name, action: killed ? 'killed' : 'failed', changes, runId: run?.runId, reason });
    }
    try {
      const outs = await commitOuts(stage, this.h, await this.gitRepo());
      for (const d of stage.deps) this.h.forget(d.abs);
      const lock = withOuts(await lockInputs(stage, this.h), outs);
      await this.saveLock(stage, lock);
      if (canRunCache(stage) && stage.outs.every((o) => o.cache || o.kind !== 'outs')) {
        for (const o of stage.outs.filter((x) => !x.cache)) await this.h.commit(o.abs);
        this.runCache.save(lock);
      }
      if (run) {
        await this.recorder!.recordOutputs(run, stage, say);
        await this.recorder!.finish(run, 'FINISHED');
      }
      this.record({ stage: stage.name, action: 'ran', changes, runId: run?.runId });
    } catch (e) {
      if (run) await this.recorder!.finish(run, 'FAILED', (e as Error).message);
      throw e;
    }
  }

  private async runTracked(stage: Stage, run: TrackedRunRef | undefined, say: (s: string) => void) {
    await removeOuts(stage, this.h, this.repo.data.dvcDir, say);
    const env: NodeJS.ProcessEnv = { ...process.env, DVC_ROOT: this.repo.root, DVC_STAGE: stage.name, ...(run ? this.recorder!.env(run) : {}) };
    return runCommands(stage, { env, signal: this.o.signal, onOutput: say, logDir: run?.artifactDir });
  }

  /** Updates this stage's entry and writes dvc.lock; writes are serialized so parallel stages never lose one. */
  private saveLock(stage: Stage, entry: LockStage): Promise<void> {
    const next = this.lockWrites.then(() => {
      const lock = this.repo.lock(stage);
      lock.stages.set(stage.key, entry);
      writeLock(lock);
    });
    this.lockWrites = next.catch(() => undefined);
    return next;
  }
}

/** `dvc repro`: runs the selected stages that changed, in dependency order, and records them in dvc.lock. */
export function reproduce(repo: PipelineRepo, opts: ReproOptions = {}): Promise<ReproResult> {
  if (opts.jobs !== undefined && (!Number.isInteger(opts.jobs) || opts.jobs < 1)) throw new PipelineFileError({ file: '--jobs' }, 'must be a positive integer');
  return new Repro(repo, opts).run();
}
