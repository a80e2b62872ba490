import path from 'node:path';
import type { Command } from 'commander';
import { launchTrackedRun, parseSweepValues, prepareRun, runSweep, sweepGrid } from '../../core/launch';
import { parseDashPEntries } from '../../core/project';
import { forStream } from '../format';
import { withInterrupt } from '../tracker';
import { openLaunchTracker } from '../team';

interface RunOptions {
  entryPoint: string;
  param: string[];
  experimentName?: string;
  experimentId?: string;
  runName?: string;
  envManager?: 'local' | 'project';
  workspace?: string;
  dryRun?: boolean;
  trackingUri?: string;
  offline?: boolean;
}

export function registerRunCommands(program: Command) {
  program
    .command('run')
    .description('run an MLproject entry point as a tracked run (compatible with `mlflow run` for local projects)')
    .argument('[dir]', 'project folder', '.')
    .option('-e, --entry-point <name>', 'entry point', 'main')
    .option('-P, --param <key=value>', 'a parameter (repeatable)', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('--experiment-name <name>', 'experiment to log into (created when missing)')
    .option('--experiment-id <id>', 'experiment id to log into')
    .option('--run-name <name>', 'name of the run')
    .option('--env-manager <kind>', "'local' ignores the project's environment and uses this machine's python", (v) => {
      if (v !== 'local' && v !== 'project') throw new Error(`--env-manager must be local or project, got "${v}"`);
      return v;
    })
    .option('--workspace <dir>', 'workspace holding .mlops (default: current folder)')
    .option('--dry-run', 'print the resolved command and parameters without running')
    .option('--tracking-uri <url>', "a team's MLflow server to log to (default: MLFLOW_TRACKING_URI when it is http(s); the local store otherwise)")
    .option('--no-offline', 'fail when the team server does not answer, instead of logging to the local store to publish later (what CI wants)')
    .action(async (dir: string, opts: RunOptions) => {
      const projectDir = path.resolve(dir);
      const ws = path.resolve(opts.workspace ?? process.cwd());
      const params = Object.fromEntries(parseDashPEntries(opts.param));
      const req = {
        projectDir,
        entryPoint: opts.entryPoint,
        params,
        experimentName: opts.experimentName,
        experimentId: opts.experimentId,
        runName: opts.runName,
        envManager: opts.envManager,
        cwd: process.cwd(),
      };
      const prep = prepareRun(undefined, req);
      if (opts.dryRun) {
        console.log(`project:     ${prep.project.name} (${prep.project.dir})`);
        console.log(`entry point: ${prep.resolved.entryPoint}`);
        console.log(`environment: ${prep.project.env.kind}${prep.project.env.file ? ` (${prep.project.env.file})` : ''}`);
        console.log('parameters:');
        for (const [k, v] of Object.entries({ ...prep.resolved.params, ...prep.resolved.extraParams })) console.log(`  ${k} = ${v}`);
        console.log(`command:\n  ${prep.resolved.command}`);
        return;
      }
      const { tracker, close } = await openLaunchTracker(ws, { trackingUri: opts.trackingUri, offline: opts.offline });
      try {
        const out = await withInterrupt((signal) =>
          launchTrackedRun({
            ...req,
            tracker,
            workspace: ws,
            signal,
            onRunCreated: (id) => console.error(`run ${id} started`),
            onOutput: (chunk) => process.stdout.write(forStream(process.stdout, chunk.replace(/\r\n/g, '\n'))),
          }),
        );
        console.error(`run ${out.runId} ${out.status}${out.reason ? `: ${out.reason}` : ''}`);
        process.exitCode = out.status === 'FINISHED' ? 0 : out.status === 'KILLED' ? 130 : 1;
      } finally {
        await close();
      }
    });
}

interface SweepOptions {
  entryPoint: string;
  param: string[];
  experimentName?: string;
  experimentId?: string;
  concurrency: string;
  workspace?: string;
  dryRun?: boolean;
  json?: boolean;
  trackingUri?: string;
  offline?: boolean;
}

export function registerSweepCommand(program: Command) {
  program
    .command('sweep')
    .description('run the grid of parameter values as child runs of one parent run')
    .argument('[dir]', 'project folder', '.')
    .option('-e, --entry-point <name>', 'entry point', 'main')
    .option(
      '-P, --param <key=values>',
      'values of a parameter: a list 0.1,0.2, a range 1:5 or 0:1:0.25, or one value (repeatable)',
      (v: string, acc: string[]) => [...acc, v],
      [] as string[],
    )
    .option('--experiment-name <name>', 'experiment to log into (created when missing)')
    .option('--experiment-id <id>', 'experiment id to log into')
    .option('-j, --concurrency <n>', 'how many runs at a time', '1')
    .option('--workspace <dir>', 'workspace holding .mlops (default: current folder)')
    .option('--dry-run', 'print the combinations without running')
    .option('--tracking-uri <url>', "a team's MLflow server to log to (default: MLFLOW_TRACKING_URI when it is http(s); the local store otherwise)")
    .option('--no-offline', 'fail when the team server does not answer, instead of logging to the local store to publish later (what CI wants)')
    .option('--json', 'print the outcome as JSON')
    .action(async (dir: string, opts: SweepOptions) => {
      const projectDir = path.resolve(dir);
      const ws = path.resolve(opts.workspace ?? process.cwd());
      const concurrency = Number(opts.concurrency);
      if (!Number.isInteger(concurrency) || concurrency < 1) throw new Error(`--concurrency must be a positive integer, got "${opts.concurrency}"`);
      const values: Record<string, string[]> = {};
      for (const [k, v] of parseDashPEntries(opts.param)) values[k] = parseSweepValues(k, v);
      const grid = sweepGrid(values);
      if (opts.dryRun) {
        for (const g of grid) prepareRun(undefined, { projectDir, entryPoint: opts.entryPoint, params: g, cwd: process.cwd() });
        console.log(`${grid.length} combination${grid.length === 1 ? '' : 's'} of ${opts.entryPoint}:`);
        for (const g of grid)
          console.log(
            `  ${Object.entries(g)
              .map(([k, v]) => `${k}=${v}`)
              .join(' ')}`,
          );
        return;
      }
      const { tracker, close } = await openLaunchTracker(ws, { trackingUri: opts.trackingUri, offline: opts.offline });
      try {
        const out = await withInterrupt((signal) =>
          runSweep({
            projectDir,
            entryPoint: opts.entryPoint,
            values,
            tracker,
            workspace: ws,
            concurrency,
            experimentName: opts.experimentName,
            experimentId: opts.experimentId,
            cwd: process.cwd(),
            signal,
            onScheduled: (parent, children) => console.error(`sweep ${parent}: ${children.length} runs scheduled, ${concurrency} at a time`),
            onChildDone: (id, status, done, total) => console.error(`[${done}/${total}] run ${id} ${status}`),
            onOutput: opts.json ? undefined : (_id, chunk) => process.stdout.write(forStream(process.stdout, chunk.replace(/\r\n/g, '\n'))),
          }),
        );
        if (opts.json) console.log(JSON.stringify(out, null, 2));
        else console.error(`sweep ${out.parentRunId} ${out.status}`);
        process.exitCode = out.status === 'FINISHED' ? 0 : out.status === 'KILLED' ? 130 : 1;
      } finally {
        await close();
      }
    });
}
