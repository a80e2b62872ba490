import path from 'node:path';
import type { Command } from 'commander';
import { launchTrackedRun, prepareRun, RestTracker, StoreTracker, type RunTracker } from '../../core/launch';
import { openStore, type Store } from '../../core/openStore';
import { parseDashPEntries } from '../../core/project';
import { readServerInfo, startServer, type RunningServer } from '../../core/server';
import { StoreLocked } from '../../core/store/errors';

interface RunOptions {
  entryPoint: string;
  param: string[];
  experimentName?: string;
  experimentId?: string;
  runName?: string;
  envManager?: 'local' | 'project';
  workspace?: string;
  dryRun?: boolean;
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
    .action(async (dir: string, opts: RunOptions) => {
      const projectDir = path.resolve(dir);
      const ws = path.resolve(opts.workspace ?? process.cwd());
      const params = Object.fromEntries(parseDashPEntries(opts.param));
      const req = { projectDir, entryPoint: opts.entryPoint, params, experimentName: opts.experimentName, experimentId: opts.experimentId, runName: opts.runName, envManager: opts.envManager, cwd: process.cwd() };
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
      let store: Store | undefined;
      let server: RunningServer | undefined;
      let tracker: RunTracker;
      try {
        store = await openStore(ws);
        server = await startServer({ store, workspace: ws });
        tracker = new StoreTracker(store, server);
      } catch (e) {
        if (!(e instanceof StoreLocked)) throw e;
        const info = readServerInfo(ws);
        if (!info) throw new Error(`${e.message} It runs no server, so this run cannot be recorded; start one with "mlops server" there, or close that process.`);
        tracker = new RestTracker(info);
        console.error(`logging through the store's owner at ${info.url}`);
      }
      const ac = new AbortController();
      const onSignal = () => ac.abort();
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      try {
        const out = await launchTrackedRun({
          ...req,
          tracker,
          workspace: ws,
          signal: ac.signal,
          onRunCreated: (id) => console.error(`run ${id} started`),
          onOutput: (chunk) => process.stdout.write(chunk.replace(/\r\n/g, '\n')),
        });
        console.error(`run ${out.runId} ${out.status}${out.reason ? `: ${out.reason}` : ''}`);
        process.exitCode = out.status === 'FINISHED' ? 0 : out.status === 'KILLED' ? 130 : 1;
      } finally {
        process.removeListener('SIGINT', onSignal);
        process.removeListener('SIGTERM', onSignal);
        await server?.close();
        store?.close();
      }
    });
}
