import type { Command } from 'commander';
import * as T from '../../core/tracking';
import type { ViewType } from '../../core/tracking';
import { formatDuration, formatNumber, formatTime, table, toJson } from '../format';
import { withReadStore, withReadStoreOrEmpty, workspaceDir, type WorkspaceOption } from '../workspace';
import { allRuns, LocalBackend, type TrackingBackend } from '../../core/backend';
import type { Run } from '../../core/tracking';
import { teamServerUri, withTeamServer, type TrackingUriOption } from '../team';

export const TRACKING_URI_HELP = 'an MLflow tracking server to read instead of the local store (default: MLFLOW_TRACKING_URI when it is http(s))';

/**
 * Runs `fn` on the team server when `--tracking-uri` or MLFLOW_TRACKING_URI names one, and says so on stderr;
 * false when the command reads the local store.
 */
export async function onTeamServer(opts: WorkspaceOption & TrackingUriOption, fn: (b: TrackingBackend) => Promise<void>): Promise<boolean> {
  const uri = teamServerUri(workspaceDir(opts), opts);
  if (!uri) return false;
  console.error(`mlops: reading the tracking server at ${uri}`);
  await withTeamServer(uri, fn);
  return true;
}

/** The runs table of `runs list`, the same for the local store and a team server. */
function printRunTable(
  rows: {
    run_id: string;
    run_name: string;
    experiment_id: string;
    status: string;
    start_time: number;
    end_time?: number | null;
    metrics: { key: string; value: number }[];
  }[],
  experimentNames: Map<string, string>,
): void {
  console.log(
    table(
      ['RUN ID', 'NAME', 'EXPERIMENT', 'STATUS', 'STARTED', 'DURATION', 'METRICS'],
      rows.map((r) => [
        r.run_id,
        r.run_name,
        experimentNames.get(r.experiment_id),
        r.status,
        formatTime(r.start_time),
        formatDuration(r.start_time, r.end_time),
        metricSummary(r.metrics),
      ]),
    ),
  );
}

function metricSummary(metrics: { key: string; value: number }[]): string {
  return metrics
    .slice(0, 3)
    .map((m) => `${m.key}=${formatNumber(m.value)}`)
    .join(' ');
}

/** Experiments named or numbered by `--experiment` (all when it is absent), with an error naming the known ones. */
function chooseExperiments<E extends { name: string; experiment_id: string }>(exps: E[], wanted: string | undefined): E[] {
  if (wanted === undefined) return exps;
  const chosen = exps.filter((e) => e.name === wanted || e.experiment_id === wanted);
  if (!chosen.length) throw new Error(`no experiment named "${wanted}" (known: ${exps.map((e) => e.name).join(', ')})`);
  return chosen;
}

function printRunDetails(run: Run, experimentName: string | undefined): void {
  const i = run.info;
  console.log(`Run ${i.run_id}  ${i.run_name}`);
  console.log(`  experiment  ${experimentName ?? '?'} (${i.experiment_id})`);
  console.log(`  status      ${i.status}${i.lifecycle_stage === 'deleted' ? ' (deleted)' : ''}`);
  console.log(`  started     ${formatTime(i.start_time)}${i.end_time ? `, took ${formatDuration(i.start_time, i.end_time)}` : ''}`);
  console.log(`  artifacts   ${i.artifact_uri}`);
  const section = (title: string, rows: string[][]) => {
    if (!rows.length) return;
    console.log(`\n${title}`);
    console.log(table(['KEY', 'VALUE'], rows).replace(/^/gm, '  '));
  };
  section(
    'Params',
    run.data.params.map((p) => [p.key, p.value]),
  );
  section(
    'Metrics (latest)',
    run.data.metrics.map((m) => [m.key, `${formatNumber(m.value)}  (step ${m.step})`]),
  );
  section(
    'Tags',
    run.data.tags.map((t) => [t.key, t.value.length > 80 ? t.value.slice(0, 77) + '...' : t.value]),
  );
  section(
    'Inputs',
    run.inputs.dataset_inputs.map((d) => [d.dataset.name, d.dataset.digest]),
  );
}

function view(opts: { all?: boolean; deleted?: boolean }): ViewType {
  return opts.all ? 'ALL' : opts.deleted ? 'DELETED_ONLY' : 'ACTIVE_ONLY';
}

/** What a list command prints for a workspace with no store: `[]` with --json, else one sentence. */
export function printEmpty(opts: { json?: boolean }, sentence: string): void {
  console.log(opts.json ? '[]' : sentence);
}

export function registerTrackingCommands(program: Command) {
  const experiments = program.command('experiments').description('list and inspect experiments');
  experiments
    .command('list')
    .description('list experiments')
    .option('--workspace <dir>', 'workspace folder (default: current folder)')
    .option('--json', 'print JSON')
    .option('--all', 'include deleted experiments')
    .option('--deleted', 'only deleted experiments')
    .option('--tracking-uri <url>', TRACKING_URI_HELP)
    .action(async (opts: WorkspaceOption & TrackingUriOption & { json?: boolean; all?: boolean; deleted?: boolean }) => {
      const remote = await onTeamServer(opts, async (b) => {
        const list = await b.listExperiments(view(opts));
        if (opts.json) return console.log(toJson(list));
        console.log(
          table(
            ['ID', 'NAME', 'STAGE', 'CREATED'],
            list.map((e) => [e.experiment_id, e.name, e.lifecycle_stage, formatTime(e.creation_time)]),
          ),
        );
      });
      if (remote) return;
      await withReadStoreOrEmpty(
        opts,
        (store) => {
          const list = T.listExperiments(store, view(opts));
          if (opts.json) return console.log(toJson(list));
          const counts = new Map(
            store
              .all<{ experiment_id: number; n: number }>(
                "SELECT experiment_id, count(*) AS n FROM runs WHERE lifecycle_stage = 'active' GROUP BY experiment_id",
              )
              .map((r) => [String(r.experiment_id), r.n]),
          );
          console.log(
            table(
              ['ID', 'NAME', 'RUNS', 'STAGE', 'CREATED'],
              list.map((e) => [e.experiment_id, e.name, counts.get(e.experiment_id) ?? 0, e.lifecycle_stage, formatTime(e.creation_time)]),
            ),
          );
        },
        (ws) => printEmpty(opts, `No experiments in ${ws} yet (no store: log a run first).`),
      );
    });

  const runs = program.command('runs').description('list and inspect runs');
  runs
    .command('list')
    .description('list runs, newest first')
    .option('--workspace <dir>', 'workspace folder (default: current folder)')
    .option('--experiment <name>', 'experiment name or id (default: all experiments)')
    .option('--json', 'print JSON')
    .option('--all', 'include deleted runs')
    .option('--deleted', 'only deleted runs')
    .option('--filter <expr>', 'MLflow search filter, e.g. "metrics.rmse < 0.8 and params.lr = \'0.1\'"')
    .option('--tracking-uri <url>', TRACKING_URI_HELP)
    .action(async (opts: WorkspaceOption & TrackingUriOption & { experiment?: string; filter?: string; json?: boolean; all?: boolean; deleted?: boolean }) => {
      const listVia = async (b: TrackingBackend) => {
        const exps = await b.listExperiments('ALL');
        const chosen = chooseExperiments(exps, opts.experiment);
        const names = new Map(exps.map((e) => [e.experiment_id, e.name]));
        const runs: Run[] = [];
        const q = { experimentIds: chosen.map((e) => e.experiment_id), filter: opts.filter, orderBy: ['attributes.start_time DESC'], view: view(opts) };
        if (q.experimentIds.length) for await (const r of allRuns(b, q)) runs.push(r);
        if (opts.json) return console.log(toJson(runs));
        printRunTable(
          runs.map(({ info, data }) => ({ ...info, metrics: data.metrics })),
          names,
        );
      };
      const remote = await onTeamServer(opts, listVia);
      if (remote) return;
      // A filter is MLflow's search over the local store, through the same backend interface.
      if (opts.filter !== undefined)
        return withReadStoreOrEmpty(
          opts,
          (store) => listVia(new LocalBackend(store, workspaceDir(opts))),
          (ws) => printEmpty(opts, `No runs in ${ws} yet (no store: log a run first).`),
        );
      await withReadStoreOrEmpty(
        opts,
        (store) => {
          const exps = T.listExperiments(store, 'ALL');
          const chosen = chooseExperiments(exps, opts.experiment);
          const rows = T.runsNewestFirst(
            store,
            chosen.map((e) => e.experiment_id),
            view(opts),
          );
          if (opts.json) return console.log(toJson(T.assembleRuns(store, rows)));
          const names = new Map(exps.map((e) => [e.experiment_id, e.name]));
          printRunTable(
            rows.map((r) => ({ ...r, metrics: r.metricList })),
            names,
          );
        },
        (ws) => printEmpty(opts, `No runs in ${ws} yet (no store: log a run first).`),
      );
    });
  runs
    .command('show')
    .description('show one run: params, latest metrics, tags')
    .argument('<run-id>', 'run id (a unique prefix is enough)')
    .option('--workspace <dir>', 'workspace folder (default: current folder)')
    .option('--json', 'print JSON')
    .option('--tracking-uri <url>', TRACKING_URI_HELP)
    .action(async (runId: string, opts: WorkspaceOption & TrackingUriOption & { json?: boolean }) => {
      const remote = await onTeamServer(opts, async (b) => {
        const run = await b.getRun(runId);
        if (opts.json) return console.log(toJson(run));
        const exp = (await b.listExperiments('ALL')).find((e) => e.experiment_id === run.info.experiment_id);
        printRunDetails(run, exp?.name);
      });
      if (remote) return;
      await withReadStore(opts, (store) => {
        const matches = T.findRunsByPrefix(store, runId);
        const exact = matches.find((r) => r.run_uuid === runId);
        if (!exact && matches.length !== 1) {
          throw new Error(matches.length ? `run id prefix "${runId}" is ambiguous: ${matches.map((r) => r.run_uuid).join(', ')}` : `no run with id "${runId}"`);
        }
        const run = T.assembleRun(store, exact ?? matches[0]);
        if (opts.json) return console.log(toJson(run));
        printRunDetails(run, T.getExperiment(store, run.info.experiment_id).name);
      });
    });
}
