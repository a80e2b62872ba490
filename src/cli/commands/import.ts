import type { Command } from 'commander';
import { importMlflow, openMlflowSource, type ImportCounts, type ImportSummary } from '../../core/import';
import { openStore } from '../../core/openStore';
import { StoreLocked } from '../../core/errors';
import { toJson } from '../format';
import { withInterrupt } from '../tracker';
import { workspaceDir, type WorkspaceOption } from '../workspace';

const LABELS: [keyof ImportCounts, string][] = [
  ['experiments', 'experiments'],
  ['runs', 'runs'],
  ['params', 'params'],
  ['tags', 'tags'],
  ['metricPoints', 'metric points'],
  ['inputs', 'dataset inputs'],
  ['models', 'registered models'],
  ['modelVersions', 'model versions'],
  ['aliases', 'aliases'],
  ['artifacts', 'artifact folders'],
];

export function formatSummary(s: ImportSummary): string {
  const lines = [`${s.cancelled ? 'Cancelled import of' : 'Imported'} ${s.source} (${s.kind}${s.schemaVersion ? `, schema ${s.schemaVersion}` : ''})`];
  const w = Math.max(...LABELS.map(([, l]) => l.length));
  lines.push(`  ${''.padEnd(w)}  ${'new'.padStart(9)}  ${'already there'.padStart(13)}`);
  for (const [k, label] of LABELS) {
    if (!s.created[k] && !s.skipped[k]) continue;
    lines.push(`  ${label.padEnd(w)}  ${String(s.created[k]).padStart(9)}  ${String(s.skipped[k]).padStart(13)}`);
  }
  if (s.updatedRuns) lines.push(`  ${s.updatedRuns} run(s) imported before got new data`);
  for (const [from, to] of Object.entries(s.experimentIds)) lines.push(`  experiment ${from} is ${to} here (its id was taken or too large)`);
  if (!Object.values(s.created).some((n) => n > 0)) lines.push('  nothing new: everything was imported already');
  if (s.cancelled) lines.push('  run the same import again to continue where it stopped');
  return lines.join('\n');
}

export function registerImportCommands(program: Command) {
  program
    .command('import')
    .description('import an MLflow mlflow.db (SQLite) or mlruns/ folder into the workspace store; importing again adds only what is new')
    .argument('<path>', 'an mlflow.db file, an mlruns folder, or a folder holding one of them')
    .option('--workspace <dir>', 'workspace folder (default: current folder)')
    .option('--json', 'print the summary as JSON')
    .option('--no-artifacts', 'do not copy local run artifacts into the workspace (runs keep their original artifact location)')
    .action(async (src: string, opts: WorkspaceOption & { json?: boolean; artifacts?: boolean }) => {
      const ws = workspaceDir(opts);
      // The source is read (and rejected) before the store is touched.
      const source = await openMlflowSource(src);
      try {
        let store;
        try {
          store = await openStore(ws, { lockWaitMs: 2000 });
        } catch (e) {
          if (e instanceof StoreLocked) {
            throw new Error(
              `the store in ${ws} is owned by process ${e.ownerPid}${e.serverUrl ? ` (serving ${e.serverUrl})` : ''}, and only its owner may write it. ` +
                'Run the import from that editor window (MLOps: Import mlflow.db or mlruns…), or stop `mlops server`, then run `mlops import` again.',
            );
          }
          throw e;
        }
        let lastPct = -1;
        let summary: ImportSummary;
        try {
          for (const w of source.warnings) process.stderr.write(`warning: ${w}\n`);
          const warned = source.warnings.length;
          summary = await withInterrupt(
            (signal) =>
              importMlflow(store, source, {
                signal,
                copyArtifacts: opts.artifacts !== false,
                onProgress: (done, total, what) => {
                  const pct = total ? Math.floor((100 * done) / total) : 100;
                  if (pct === lastPct) return;
                  lastPct = pct;
                  process.stderr.write(`[${String(pct).padStart(3)}%] ${what}\n`);
                },
              }),
            () => process.stderr.write('\nstopping after the current batch…\n'),
          );
          for (const w of summary.warnings.slice(warned)) process.stderr.write(`warning: ${w}\n`);
        } finally {
          store.close();
        }
        console.log(opts.json ? toJson(summary) : formatSummary(summary));
        if (summary.cancelled) process.exitCode = 130;
      } finally {
        source.close();
      }
    });
}
