import type { Command } from 'commander';
import { modelCommandGroup } from './modelGroup';
import * as R from '../../core/registry';
import { formatTime, table, toJson } from '../format';
import { withReadStore, withReadStoreOrEmpty, type WorkspaceOption } from '../workspace';
import { onTeamServer, printEmpty, TRACKING_URI_HELP } from './tracking';
import type { TrackingUriOption } from '../team';

type Opts = WorkspaceOption & TrackingUriOption & { json?: boolean };

function short(text: string, max = 60): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > max ? line.slice(0, max - 1) + '…' : line;
}

function aliasesOf(m: R.RegisteredModel, version?: string): string {
  return m.aliases
    .filter((a) => version === undefined || a.version === version)
    .map((a) => (version === undefined ? `@${a.alias}→v${a.version}` : `@${a.alias}`))
    .join(' ');
}

function printModel(m: R.RegisteredModel, versions: R.ModelVersion[]): void {
  console.log(`Model ${m.name}`);
  if (m.description) console.log(`  description  ${m.description.replace(/\n/g, '\n               ')}`);
  console.log(`  created      ${formatTime(m.creation_timestamp)}`);
  console.log(`  updated      ${formatTime(m.last_updated_timestamp)}`);
  if (m.aliases.length) console.log(`  aliases      ${aliasesOf(m)}`);
  if (m.tags.length) console.log(`  tags         ${m.tags.map((t) => `${t.key}=${t.value}`).join(', ')}`);
  if (!versions.length) return console.log('\nNo versions.');
  console.log('\nVersions');
  const rows = versions.map((v) => [v.version, v.current_stage, v.status, aliasesOf(m, v.version), v.run_id, formatTime(v.creation_timestamp), v.source]);
  console.log(table(['VERSION', 'STAGE', 'STATUS', 'ALIASES', 'RUN ID', 'CREATED', 'SOURCE'], rows).replace(/^/gm, '  '));
}

/** `mlops models list|show`: the model registry, as the Models view shows it. */
export function registerModelListCommands(program: Command): void {
  const models = modelCommandGroup(program);
  models
    .command('list')
    .description('list registered models with their latest version and aliases')
    .option('--workspace <dir>', 'workspace folder (default: current folder)')
    .option('--json', "print JSON (MLflow's registered model shape)")
    .option('--tracking-uri <url>', TRACKING_URI_HELP)
    .action(async (opts: Opts) => {
      const print = (list: R.RegisteredModel[]) => {
        if (opts.json) return console.log(toJson(list));
        if (!list.length) return console.log('No registered models.');
        const latest = (m: R.RegisteredModel) => m.latest_versions.reduce((a, v) => Math.max(a, Number(v.version)), 0);
        const rows = list.map((m) => [m.name, latest(m) || '', aliasesOf(m), formatTime(m.last_updated_timestamp), short(m.description ?? '')]);
        console.log(table(['NAME', 'LATEST', 'ALIASES', 'UPDATED', 'DESCRIPTION'], rows));
      };
      if (await onTeamServer(opts, async (b) => print(await b.listRegisteredModels()))) return;
      await withReadStoreOrEmpty(
        opts,
        (store) => print(R.listRegisteredModels(store)),
        (ws) => printEmpty(opts, `No registered models in ${ws} (no store yet).`),
      );
    });
  models
    .command('show')
    .description('show one registered model and its versions')
    .argument('<name>', 'registered model name')
    .option('--workspace <dir>', 'workspace folder (default: current folder)')
    .option('--json', 'print JSON: { registered_model, model_versions }')
    .option('--tracking-uri <url>', TRACKING_URI_HELP)
    .action(async (name: string, opts: Opts) => {
      const remote = await onTeamServer(opts, async (b) => {
        const m = await b.getRegisteredModel(name);
        const versions = await b.modelVersions(name);
        if (opts.json) return console.log(toJson({ registered_model: m, model_versions: versions }));
        printModel(m, versions);
      });
      if (remote) return;
      await withReadStore(opts, (store) => {
        const m = R.getRegisteredModel(store, name);
        const versions = R.listModelVersions(store, name);
        if (opts.json) return console.log(toJson({ registered_model: m, model_versions: versions }));
        printModel(m, versions);
      });
    });
}
