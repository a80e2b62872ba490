import type { Command } from 'commander';
import { DataRepo } from '../../core/data';
import { PipelineRepo, dagJson, dagText, describeChange, reproduce, selectStages, type Change, type StageStatus } from '../../core/pipelines';
import { toJson } from '../format';
import { openCliTracker, withInterrupt } from '../tracker';
import { workspaceDir, type WorkspaceOption } from '../workspace';

/*
 * `mlops repro`, `mlops status`, `mlops dag`: DVC 3 pipelines (dvc.yaml / dvc.lock) without the Python CLI.
 * Exit codes: 0 success (status: everything up to date); 1 failure or, for status, something changed;
 * 130 cancelled; 2 usage errors.
 */

interface ReproCli extends WorkspaceOption {
  force?: boolean;
  dry?: boolean;
  downstream?: boolean;
  singleItem?: boolean;
  jobs: string;
  runCache: boolean;
  track: boolean;
  experimentName?: string;
  json?: boolean;
}

function open(opts: WorkspaceOption): PipelineRepo {
  return PipelineRepo.load(DataRepo.open(workspaceDir(opts)));
}

const PAD = 20;

function dvcStatusLines(s: StageStatus): string[] {
  const lines = [`${s.stage.name}:`];
  const deps = s.changes.filter((c) => c.kind === 'dep' || c.kind === 'param');
  const outs = s.changes.filter((c) => c.kind === 'out');
  const entry = (indent: string, c: Change, name: string) => `${indent}${`${c.state}:`.padEnd(PAD)}${name}`;
  if (deps.length) {
    lines.push('\tchanged deps:');
    for (const c of deps.filter((d) => d.kind === 'dep' || !d.key)) lines.push(entry('\t\t', c, c.path!));
    const byFile = new Map<string, Change[]>();
    for (const c of deps.filter((d) => d.kind === 'param' && d.key)) byFile.set(c.path!, [...(byFile.get(c.path!) ?? []), c]);
    for (const [file, cs] of byFile) {
      lines.push(`\t\t${file}:`);
      for (const c of cs) lines.push(entry('\t\t\t', c, c.key!));
    }
  }
  if (outs.length) {
    lines.push('\tchanged outs:');
    for (const c of outs) lines.push(entry('\t\t', c, c.path!));
  }
  if (s.changes.some((c) => c.kind === 'always')) lines.push('\talways changed');
  if (s.changes.some((c) => c.kind === 'cmd')) lines.push('\tchanged command');
  return lines;
}

function statusJson(s: StageStatus) {
  return { stage: s.stage.name, file: s.stage.dvcFile, state: s.state, changes: s.changes, summary: s.changes.map(describeChange) };
}

export function registerPipelineCommands(program: Command) {
  program
    .command('repro')
    .description('reproduce dvc.yaml stages whose deps, params or command changed (DVC 3 compatible); each stage is a tracked run')
    .argument('[stages...]', 'stages to reproduce, with the stages they depend on (default: every stage)')
    .option('-f, --force', 'run the selected stages even when nothing changed')
    .option('--dry', 'print what would run, run nothing')
    .option('--downstream', 'start from the given stages and run the ones after them')
    .option('-s, --single-item', 'only the given stages, not their dependencies')
    .option('-j, --jobs <n>', 'independent stages run at once', '1')
    .option('--no-run-cache', 'always run changed stages instead of restoring outputs of an identical earlier run')
    .option('--no-track', 'do not record stage runs in the workspace store')
    .option('--experiment-name <name>', 'experiment the runs go to (created when missing)')
    .option('--workspace <dir>', 'repository and workspace (default: current folder)')
    .option('--json', 'print the outcome of every stage as JSON')
    .action(async (stages: string[], opts: ReproCli) => {
      const jobs = Number(opts.jobs);
      if (!Number.isInteger(jobs) || jobs < 1) throw new Error(`--jobs must be a positive integer, got "${opts.jobs}"`);
      const repo = open(opts);
      const ws = workspaceDir(opts);
      const tracking = opts.track && !opts.dry ? await openCliTracker(ws) : undefined;
      const multi = jobs > 1;
      try {
        const result = await withInterrupt(
          (signal) =>
            reproduce(repo, {
              targets: stages,
              force: opts.force,
              dry: opts.dry,
              downstream: opts.downstream,
              singleItem: opts.singleItem,
              jobs,
              runCache: opts.runCache,
              signal,
              tracking: tracking && { tracker: tracking.tracker, workspace: ws, experimentName: opts.experimentName },
              // With --json, stdout carries only the JSON; the stages' output goes to stderr.
              onOutput: (stage, chunk) => (opts.json ? process.stderr : process.stdout).write(multi ? chunk.replace(/^(?=.)/gm, `[${stage}] `) : chunk),
              onEvent: (e) => {
                if (e.type !== 'stage-end' || opts.json) return;
                const o = e.outcome;
                if (o.action === 'skipped') console.log(`Stage '${o.stage}' didn't change, skipping`);
                if (o.action === 'would-run')
                  console.log(`Would run stage '${o.stage}'${o.changes.length ? ` (${o.changes.map(describeChange).join(', ')})` : ''}`);
              },
            }),
          () => process.stderr.write('\ncancelling: stopping the running stage (dvc.lock keeps its last state)…\n'),
        );
        if (opts.json) console.log(toJson(result));
        else if (!result.ok)
          console.error(
            result.outcomes
              .filter((o) => o.reason)
              .map((o) => `mlops: ${o.stage}: ${o.action}${o.reason ? ` (${o.reason})` : ''}`)
              .join('\n'),
          );
        else if (!opts.dry && result.outcomes.every((o) => o.action === 'skipped')) console.log('Data and pipelines are up to date.');
        if (result.pipelineRunId) console.error(`pipeline run ${result.pipelineRunId}`);
        process.exitCode = result.ok ? 0 : result.outcomes.some((o) => o.action === 'killed') ? 130 : 1;
      } finally {
        await tracking?.close();
      }
    });

  program
    .command('status')
    .description('pipeline status (dvc status): which stages changed and why; exits 1 when anything changed')
    .argument('[stages...]', 'stages to check (default: every stage)')
    .option('--workspace <dir>', 'repository (default: current folder)')
    .option('--json', 'machine-readable output')
    .action(async (stages: string[], opts: WorkspaceOption & { json?: boolean }) => {
      const repo = open(opts);
      const status = await repo.status(stages);
      const changed = status.filter((s) => s.state !== 'up-to-date' && s.state !== 'frozen');
      if (opts.json) console.log(toJson(status.map(statusJson)));
      else if (!changed.length) console.log(repo.stages.length ? 'Data and pipelines are up to date.' : 'There are no stages (no dvc.yaml).');
      else console.log(changed.flatMap(dvcStatusLines).join('\n'));
      process.exitCode = changed.length ? 1 : 0;
    });

  program
    .command('dag')
    .description('the stage graph of dvc.yaml (text, or --json for nodes and edges)')
    .argument('[stage]', 'only this stage and the stages it depends on')
    .option('--workspace <dir>', 'repository (default: current folder)')
    .option('--json', 'nodes and edges as JSON')
    .option('--status', "with --json: include each stage's status")
    .action(async (stage: string | undefined, opts: WorkspaceOption & { json?: boolean; status?: boolean }) => {
      const repo = open(opts);
      let dag = repo.dag;
      if (stage) {
        const keep = new Set(selectStages(dag, [stage]));
        const sub = (m: Map<string, Set<string>>) =>
          new Map([...m].filter(([k]) => keep.has(k)).map(([k, v]) => [k, new Set([...v].filter((x) => keep.has(x)))]));
        dag = { ...dag, order: dag.order.filter((n) => keep.has(n)), upstream: sub(dag.upstream), downstream: sub(dag.downstream) };
      }
      if (opts.json) console.log(toJson(dagJson(dag, repo.root, opts.status ? await repo.status(stage ? [stage] : []) : undefined)));
      else process.stdout.write(dagText(dag));
    });
}
