import path from 'node:path';
import type { Command } from 'commander';
import { modelCommandGroup } from './modelGroup';
import { openStore, Store } from '../../core/openStore';
import { findPython, runProgram } from '../../core/exec/interpreter';
import { checkServingPython, listDeployments, resolveModelUri, serve, type TrafficMode } from '../../core/serving';
import { table, toJson } from '../format';
import { withInterrupt } from '../tracker';
import { workspaceDir, type WorkspaceOption } from '../workspace';

/** Serving reads the registry only: it never takes the store from its owner (the editor, `mlops server`). */
async function withRegistry<T>(ws: string, fn: (store: Store) => Promise<T>): Promise<T> {
  if (!Store.exists(ws)) throw new Error(`no MLOps store in ${ws}: register a model first (or pass --workspace)`);
  const store = await openStore(ws, { readOnly: true });
  try {
    return await fn(store);
  } finally {
    store.close();
  }
}

function ms(v: number | undefined): string {
  return v === undefined ? '' : v < 10 ? v.toFixed(2) : v.toFixed(0);
}

export function registerModelServingCommands(program: Command) {
  const model = modelCommandGroup(program);
  model
    .command('serve')
    .description("serve a model version with MLflow's scoring server behind a recording proxy (prints the URL and token)")
    .argument('<model-uri>', 'models:/NAME@ALIAS or models:/NAME/VERSION')
    .option('--port <n>', 'port of the proxy users call (default: a free one)', (v) => Number(v))
    .option('--python <path>', "interpreter with mlflow installed (default: the runner's: python3 on PATH)")
    .option('--challenger <model-uri>', 'a second version to compare (models:/NAME@ALIAS)')
    .option('--mode <shadow|split>', 'shadow: the challenger sees a copy of every request; split: it answers a share', 'shadow')
    .option('--split <percent>', "split mode: the challenger's share of requests", (v) => Number(v), 10)
    .option('--workspace <dir>', 'workspace folder (default: current folder)')
    .action(async (uri: string, opts: WorkspaceOption & { port?: number; python?: string; challenger?: string; mode: string; split: number }) => {
      if (opts.mode !== 'shadow' && opts.mode !== 'split') throw new Error(`--mode must be shadow or split, not "${opts.mode}"`);
      if (opts.port !== undefined && !(Number.isInteger(opts.port) && opts.port > 0 && opts.port < 65536))
        throw new Error('--port takes a port number (1-65535)');
      if (!(opts.split >= 0 && opts.split <= 100)) throw new Error('--split takes a percentage (0-100)');
      const ws = workspaceDir(opts);
      const python = findPython({ preferred: opts.python });
      await withRegistry(ws, (store) =>
        withInterrupt(async (signal) => {
          const d = await serve({
            store,
            workspace: ws,
            python,
            champion: uri,
            challenger: opts.challenger,
            mode: opts.mode as TrafficMode,
            splitPercent: opts.split,
            port: opts.port,
            signal,
            onProgress: (m) => console.error(m),
            onLog: (which, line) => console.error(`[${which}] ${line}`),
          });
          console.log(`serving ${uri}${opts.challenger ? ` with ${opts.challenger} (${opts.mode})` : ''} at ${d.info.url}/invocations`);
          console.log(`export MLOPS_SERVING_URL=${d.info.url}`);
          console.log(`export MLOPS_SERVING_TOKEN=${d.proxy.token}`);
          console.log(`deployment ${d.info.id}; Ctrl-C stops it`);
          await new Promise<void>((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true })));
          await d.stop();
          const s = d.stats();
          console.error(`stopped after ${s.requests} request(s), ${s.errors} error(s)`);
        }),
      );
    });

  model
    .command('deployments')
    .description('list deployments with requests, latency p50/p95, errors and input drift per feature')
    .option('--json', 'print JSON')
    .option('--workspace <dir>', 'workspace folder (default: current folder)')
    .action(async (opts: WorkspaceOption & { json?: boolean }) => {
      const ws = workspaceDir(opts);
      const list = Store.exists(ws) ? await withRegistry(ws, (store) => listDeployments(store, ws)) : await listDeployments(undefined, ws);
      if (opts.json) return console.log(toJson(list));
      if (!list.length) return console.log('No deployments yet. Serve one with "mlops model serve models:/NAME@ALIAS".');
      console.log(
        table(
          ['ID', 'MODEL', 'STATE', 'REQUESTS', 'ERRORS', 'P50 MS', 'P95 MS', 'DRIFT'],
          list.map((d) => {
            const c = d.stats.byRoute.champion;
            const drifted = d.stats.drift.filter((f) => f.level === 'drift').map((f) => f.feature);
            return [
              d.id,
              `${d.champion.name} v${d.champion.version}${d.challenger ? ` + v${d.challenger.version} (${d.mode})` : ''}`,
              d.serving ? `serving ${d.url}` : 'stopped',
              d.stats.requests,
              d.stats.errors,
              ms(c?.p50),
              ms(c?.p95),
              d.stats.drift.length ? (drifted.length ? `drift: ${drifted.join(', ')}` : 'none') : '',
            ];
          }),
        ),
      );
    });

  model
    .command('dockerfile')
    .description("write a Dockerfile and build context for a model version with MLflow's own generator")
    .argument('<model-uri>', 'models:/NAME@ALIAS or models:/NAME/VERSION')
    .argument('<dir>', 'output folder')
    .option('--python <path>', 'interpreter with mlflow installed (default: python3 on PATH)')
    .option('--workspace <dir>', 'workspace folder (default: current folder)')
    .action(async (uri: string, dir: string, opts: WorkspaceOption & { python?: string }) => {
      const ws = workspaceDir(opts);
      const python = findPython({ preferred: opts.python });
      await checkServingPython(python);
      const ref = await withRegistry(ws, async (store) => resolveModelUri(store, ws, uri));
      const out = path.resolve(dir);
      const r = await runProgram(python, ['-m', 'mlflow', 'models', 'generate-dockerfile', '-m', ref.dir, '-d', out, '--env-manager', 'virtualenv'], {
        timeoutMs: 600_000,
      });
      if (r.code !== 0) throw new Error(`mlflow models generate-dockerfile failed:\n${r.output.trim().split('\n').slice(-15).join('\n')}`);
      console.log(
        `wrote ${path.join(out, 'Dockerfile')} for ${ref.name} version ${ref.version.version}; build it with: docker build -t ${ref.name.toLowerCase().replace(/[^a-z0-9_.-]+/g, '-')}:${ref.version.version} ${out}`,
      );
    });
}
