import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { modelCommandGroup } from './modelGroup';
import { planWorkflow, writeWorkflow, type WorkflowOptions } from '../../core/ci/workflow';
import { promoteIfBetter, type PromoteDecision } from '../../core/ci/promote';
import { buildReport, reportJson, reportMarkdown } from '../../core/ci/report';
import { toJson } from '../format';
import { LocalBackend, type TrackingBackend } from '../../core/backend';
import type { Store } from '../../core/store/store';
import { teamServerUri, withTeamServer, type TrackingUriOption } from '../team';
import { TRACKING_URI_HELP } from './tracking';
import { withReadStore, withWriteStore, workspaceDir, type WorkspaceOption } from '../workspace';

/** Exit code of `mlops model promote` when the candidate is not better (not an error: CI goes on). */
export const NOT_BETTER_EXIT = 3;

function number(name: string) {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isFinite(n)) throw new Error(`${name} takes a number, not "${v}"`);
    return n;
  };
}

function mode(v: string): 'min' | 'max' {
  if (v !== 'min' && v !== 'max') throw new Error(`--mode must be min or max, not "${v}"`);
  return v;
}

/**
 * Runs `fn` on the team server when `--tracking-uri` or MLFLOW_TRACKING_URI names one (said on stderr), else on
 * the workspace's store: as its owner when `write`, read-only otherwise.
 */
async function onBackend<T>(ws: string, opts: WorkspaceOption & TrackingUriOption, write: boolean, fn: (b: TrackingBackend) => Promise<T>): Promise<T> {
  const uri = teamServerUri(ws, opts);
  if (uri) {
    console.error(`mlops: using the tracking server at ${uri}`);
    return withTeamServer(uri, fn);
  }
  const local = (store: Store) => fn(new LocalBackend(store, ws));
  return write ? withWriteStore(opts, local) : withReadStore(opts, local);
}

export function registerCiCommands(program: Command) {
  const ci = program.command('ci').description('continuous training: a GitHub Actions workflow that retrains and promotes only a better model');
  ci.command('init')
    .description(`write .github/workflows/mlops-retrain.yml for this workspace`)
    .requiredOption('--model <name>', 'registered model to promote')
    .requiredOption('--metric <key>', 'metric that decides promotion')
    .option('--mode <min|max>', 'min: lower is better; max: higher is better', mode, 'min')
    .option('--alias <alias>', 'alias of the model in use', 'champion')
    .option('--min-delta <x>', 'the candidate must be better by at least this much', number('--min-delta'))
    .option('--schedule <cron>', 'also retrain on a schedule (5-field cron, UTC)')
    .option('--branch <name>', 'branch whose pushes retrain and promote (default: the current branch)')
    .option('--no-pull-requests', 'do not retrain on pull requests')
    .option('--project <dir>', 'MLproject folder, relative to the workspace', '.')
    .option('--entry-point <name>', 'entry point to train with', 'main')
    .option('--experiment <name>', 'experiment the CI runs log into', 'ci')
    .option('--repro', 'train with `mlops repro` (dvc.yaml) instead of an entry point (default when dvc.yaml exists)')
    .option('--install <command>', 'how the runner installs mlops')
    .option('--python-version <v>', 'Python version for actions/setup-python', '3.11')
    .option('--print', 'print the workflow instead of writing it')
    .option('--force', 'replace an existing workflow file')
    .option('--workspace <dir>', 'workspace folder (default: current folder)')
    .action((opts: WorkspaceOption & WorkflowOptions & { print?: boolean; force?: boolean }) => {
      const ws = workspaceDir(opts);
      const plan = planWorkflow(ws, opts);
      if (opts.print) return void process.stdout.write(plan.yaml);
      const file = writeWorkflow(ws, plan, opts.force);
      console.log(`wrote ${path.relative(process.cwd(), file) || file}`);
      if (plan.secrets.length) console.log('repository secrets it reads (Settings → Secrets and variables → Actions):');
      for (const s of plan.secrets) console.log(`  ${s.name}${s.optional ? ' (optional)' : ''}: ${s.purpose}`);
      for (const n of plan.notes) console.log(`note: ${n}`);
    });

  const model = modelCommandGroup(program);
  model
    .command('promote')
    .description(
      `register a run's model and move the alias to it only if it beats the current holder (exit 0: promoted, ${NOT_BETTER_EXIT}: not better, 1: error)`,
    )
    .argument('<name>', 'registered model name (created when missing)')
    .requiredOption('--metric <key>', 'metric both runs are judged by')
    .option('--mode <min|max>', 'min: lower is better; max: higher is better', mode, 'min')
    .option('--alias <alias>', 'alias of the model in use', 'champion')
    .option('--min-delta <x>', 'the candidate must be better by at least this much', number('--min-delta'))
    .option('--run <id>', 'candidate run (default: the newest finished run that logged the metric)')
    .option('--artifact-path <dir>', "folder of the run's artifacts holding the model (default: the only MLmodel folder)")
    .option('--reason <text>', 'why (recorded on both versions), e.g. the CI run URL')
    .option('--dry-run', 'decide only: register, move and tag nothing')
    .option('--json', 'print the decision as JSON')
    .option('--tracking-uri <url>', "a team's MLflow server whose registry to promote on (default: MLFLOW_TRACKING_URI when it is http(s))")
    .option('--workspace <dir>', 'workspace folder (default: current folder)')
    .action(
      async (
        name: string,
        opts: WorkspaceOption &
          TrackingUriOption & {
            metric: string;
            mode: 'min' | 'max';
            alias: string;
            minDelta?: number;
            run?: string;
            artifactPath?: string;
            reason?: string;
            dryRun?: boolean;
            json?: boolean;
          },
      ) => {
        const ws = workspaceDir(opts);
        const decide = (b: TrackingBackend) =>
          promoteIfBetter(b, {
            name,
            alias: opts.alias,
            metric: opts.metric,
            mode: opts.mode,
            minDelta: opts.minDelta,
            runId: opts.run,
            artifactPath: opts.artifactPath,
            reason: opts.reason,
            dryRun: opts.dryRun,
          });
        const d = await onBackend(ws, opts, !opts.dryRun, decide);
        if (opts.json) console.log(toJson(d));
        else {
          console.log(d.summary);
          if (d.dataWarning) console.error(`warning: ${d.dataWarning}`);
        }
        if (d.dataWarning && opts.json) console.error(`warning: ${d.dataWarning}`);
        process.exitCode = d.promoted ? 0 : NOT_BETTER_EXIT;
      },
    );

  program
    .command('report')
    .description('a Markdown (or JSON) report of runs: params, metrics and data that differ, with history charts')
    .option('--runs <ids...>', 'runs to compare (ids or unique prefixes); the first is the baseline')
    .option('--vs <name@alias>', 'compare against the run of this model version (e.g. my-model@champion)')
    .option('--decision <file>', 'a decision written by `mlops model promote --json`: report on its candidate and champion')
    .option('--format <md|json>', 'output format', 'md')
    .option('--out <dir>', 'write the charts (SVG) into this folder; the Markdown links them relative to it')
    .option('--title <text>', 'report title')
    .option('--tracking-uri <url>', TRACKING_URI_HELP)
    .option('--workspace <dir>', 'workspace folder (default: current folder)')
    .action(
      async (opts: WorkspaceOption & TrackingUriOption & { runs?: string[]; vs?: string; decision?: string; format: string; out?: string; title?: string }) => {
        if (opts.format !== 'md' && opts.format !== 'json') throw new Error(`--format must be md or json, not "${opts.format}"`);
        let decision: PromoteDecision | undefined;
        if (opts.decision) {
          try {
            decision = JSON.parse(fs.readFileSync(opts.decision, 'utf8')) as PromoteDecision;
          } catch (e) {
            throw new Error(`cannot read the decision file ${opts.decision}: ${(e as Error).message}`);
          }
          if (!decision?.candidate?.runId) throw new Error(`${opts.decision} is not a decision written by "mlops model promote --json"`);
        }
        const ws = workspaceDir(opts);
        const report = await onBackend(ws, opts, false, (b) => buildReport(b, { runIds: opts.runs, vs: opts.vs, decision, title: opts.title }));
        if (opts.out) {
          fs.mkdirSync(path.join(opts.out, 'charts'), { recursive: true });
          for (const c of report.charts) fs.writeFileSync(path.join(opts.out, 'charts', c.file), c.svg);
        }
        process.stdout.write(opts.format === 'json' ? `${toJson(reportJson(report))}\n` : `${reportMarkdown(report, 'charts')}\n`);
      },
    );
}
