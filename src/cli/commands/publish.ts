import type { Command } from 'commander';
import { allRuns, LocalBackend, PENDING_TAG, PUBLISHED_TAG, publishedTags, publishRuns, type PublishedRun } from '../../core/backend';
import type { Run } from '../../core/tracking';
import { openStore } from '../../core/openStore';
import { cancellable } from '../cancellable';
import { table, toJson } from '../format';
import { setLocalTags, teamServerUri, withTeamServer } from '../team';
import { requireStore, type WorkspaceOption } from '../workspace';

interface PublishOpts extends WorkspaceOption {
  to?: string;
  experiment?: string[];
  all?: boolean;
  pending?: boolean;
  json?: boolean;
}

const tagOf = (r: Run, key: string) => r.data.tags.find((t) => t.key === key)?.value;

/** The local runs the arguments name: run ids (or unique prefixes), whole experiments, every run, or those waiting to be published. */
async function chooseRuns(local: LocalBackend, ids: string[], o: PublishOpts): Promise<Run[]> {
  const chosen = new Map<string, Run>();
  for (const id of ids) {
    const r = local.findRun(id);
    chosen.set(r.info.run_id, r);
  }
  const exps = await local.listExperiments('ACTIVE_ONLY');
  let scope: string[] = [];
  if (o.all || o.pending) scope = exps.map((e) => e.experiment_id);
  for (const name of o.experiment ?? []) {
    const e = exps.find((x) => x.name === name || x.experiment_id === name);
    if (!e) throw new Error(`no experiment named "${name}" in the local store (known: ${exps.map((x) => x.name).join(', ') || 'none'})`);
    scope.push(e.experiment_id);
  }
  scope = [...new Set(scope)];
  if (scope.length) {
    for await (const r of allRuns(local, { experimentIds: scope, orderBy: ['attributes.start_time ASC'] })) {
      if (o.pending && !o.all && !o.experiment?.length && !(tagOf(r, PENDING_TAG) && !tagOf(r, PUBLISHED_TAG))) continue;
      chosen.set(r.info.run_id, r);
    }
  }
  return [...chosen.values()];
}

/** Where to publish: --to, else MLFLOW_TRACKING_URI, else (for --pending) the server the waiting runs were meant for. */
function target(ws: string, o: PublishOpts, runs: Run[]): string {
  const uri = teamServerUri(ws, { trackingUri: o.to });
  if (uri) return uri;
  const meant = [...new Set(runs.map((r) => tagOf(r, PENDING_TAG)).filter((u): u is string => !!u))];
  if (meant.length === 1 && runs.every((r) => tagOf(r, PENDING_TAG) === meant[0])) return meant[0];
  if (meant.length > 1) throw new Error(`the runs wait for different servers (${meant.join(', ')}): publish them with --to <url>, one server at a time`);
  throw new Error('no team server: pass --to <url> or set MLFLOW_TRACKING_URI to the MLflow server to publish to');
}

function summary(p: PublishedRun): string {
  const a = p.added;
  const parts = [
    a.params && `${a.params} params`,
    a.tags && `${a.tags} tags`,
    a.points && `${a.points} points`,
    a.inputs && `${a.inputs} inputs`,
    a.artifacts && `${a.artifacts} files`,
  ].filter(Boolean);
  return parts.length ? parts.join(', ') : 'nothing new';
}

export function registerPublishCommand(program: Command): void {
  program
    .command('publish')
    .description("copy local runs to a team's MLflow server: params, metric histories, tags, dataset inputs, artifacts; again adds only what is new")
    .argument('[run...]', 'run ids (a unique prefix is enough)')
    .option('--workspace <dir>', 'workspace folder (default: current folder)')
    .option('--to <url>', 'the MLflow tracking server (default: MLFLOW_TRACKING_URI)')
    .option('--experiment <name>', 'every run of this experiment (repeatable)', (v: string, prev: string[] = []) => [...prev, v])
    .option('--all', 'every active run')
    .option('--pending', 'the runs logged locally while the team server was unreachable')
    .option('--json', 'print JSON: one entry per run published')
    .action(async (ids: string[], o: PublishOpts) => {
      const ws = requireStore(o);
      if (!ids.length && !o.all && !o.pending && !o.experiment?.length)
        throw new Error('name runs to publish, or pass --experiment <name>, --all or --pending');
      const store = await openStore(ws, { readOnly: true });
      const local = new LocalBackend(store, ws);
      const { signal, done } = cancellable();
      let published: PublishedRun[] = [];
      let uri: string;
      try {
        const runs = await chooseRuns(local, ids, o);
        if (!runs.length) {
          console.log(o.json ? '[]' : o.pending ? 'No runs wait to be published.' : 'No runs to publish.');
          return;
        }
        uri = target(ws, o, runs);
        const interactive = !o.json && process.stderr.isTTY;
        published = await withTeamServer(uri, (remote) =>
          publishRuns(
            local,
            remote,
            runs.map((r) => r.info.run_id),
            {
              signal,
              onProgress: (p) => {
                if (interactive) process.stderr.write(`\r\x1b[Kpublishing ${p.done + 1}/${p.total} ${p.run}: ${p.step}`);
              },
            },
          ),
        ).finally(() => interactive && process.stderr.write('\r\x1b[K'));
      } catch (e) {
        if (signal.aborted) throw new Error('publishing cancelled; what was sent stays on the server, and publishing again carries on from there');
        throw e;
      } finally {
        done();
        store.close();
      }
      await setLocalTags(ws, publishedTags(published, uri)).catch((e: Error) => console.error(`mlops: warning: ${e.message}`));
      for (const p of published) for (const w of p.warnings) console.error(`mlops: warning: run ${p.sourceRunId}: ${w}`);
      if (o.json) return console.log(toJson(published));
      console.log(
        table(
          ['LOCAL RUN', 'TEAM RUN', 'EXPERIMENT', '', 'ADDED'],
          published.map((p) => [p.sourceRunId, p.remoteRunId, p.experiment, p.created ? 'new' : 'updated', summary(p)]),
        ),
      );
      console.log(`\nPublished ${published.length} run${published.length === 1 ? '' : 's'} to ${uri}.`);
    });
}
