import type { Command } from 'commander';
import { openStore } from '../../core/openStore';
import { readServerInfo, startServer } from '../../core/server';
import { StoreLocked } from '../../core/errors';
import { workspaceDir, type WorkspaceOption } from '../workspace';

export function registerServerCommands(program: Command) {
  program
    .command('server')
    .description('serve the MLflow REST API for this workspace on 127.0.0.1 (the mlflow client logs into it)')
    .option('--workspace <dir>', 'workspace folder (default: current folder)')
    .option('--port <n>', 'port (default: a free one)', (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`--port must be 0-65535, got "${v}"`);
      return n;
    })
    .option('--token <token>', 'bearer token clients must send (default: random)')
    .action(async (opts: WorkspaceOption & { port?: number; token?: string }) => {
      const ws = workspaceDir(opts);
      let store;
      try {
        store = await openStore(ws);
      } catch (e) {
        if (e instanceof StoreLocked) {
          const info = readServerInfo(ws);
          if (info) {
            console.log(`The store is already served by process ${info.pid} at ${info.url}`);
            console.log(`export MLFLOW_TRACKING_URI=${info.url}\nexport MLFLOW_TRACKING_TOKEN=${info.token}`);
            process.exitCode = 1;
            return;
          }
        }
        throw e;
      }
      const server = await startServer({ store, workspace: ws, port: opts.port, token: opts.token });
      console.log(`MLOps tracking server for ${ws}\nlistening on ${server.url} (Ctrl-C to stop)\n`);
      console.log(`export MLFLOW_TRACKING_URI=${server.url}\nexport MLFLOW_TRACKING_TOKEN=${server.token}`);
      const stop = async () => {
        await server.close();
        store.close();
        process.exit(0);
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
}
