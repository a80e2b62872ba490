import fs from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import { importMlflow, openMlflowSource, type ImportSummary } from '../../core/import';
import { importDvcLiveFolder } from '../../core/exec';
import type { CommandRegistry } from '../shared/commandRegistry';
import type { StoreHost } from '../server/storeHost';
import { CommandIds } from '../commandIds';
import { withCancellableProgress } from '../shared/progress';

/** Asks for an mlflow.db or mlruns folder: what the workspace has at its top first, then a file or folder dialog. */
async function pickSource(workspace: string): Promise<string | undefined> {
  type Item = vscode.QuickPickItem & { path?: string; choose?: 'file' | 'folder' };
  const items: Item[] = [];
  for (const [name, desc] of [
    ['mlflow.db', 'MLflow SQLite database in this folder'],
    ['mlruns', 'MLflow file store in this folder'],
  ]) {
    const p = path.join(workspace, name);
    if (fs.existsSync(p)) items.push({ label: `$(database) ${name}`, description: desc, path: p });
  }
  items.push({ label: '$(file) Choose an mlflow.db file…', choose: 'file' }, { label: '$(folder) Choose an mlruns folder…', choose: 'folder' });
  const pick = await vscode.window.showQuickPick(items, { title: 'Import from MLflow', placeHolder: 'What should be imported into this workspace?' });
  if (!pick) return undefined;
  if (pick.path) return pick.path;
  const uris = await vscode.window.showOpenDialog({
    title: pick.choose === 'file' ? 'Import an mlflow.db' : 'Import an mlruns folder',
    canSelectFiles: pick.choose === 'file',
    canSelectFolders: pick.choose === 'folder',
    canSelectMany: false,
    defaultUri: vscode.Uri.file(workspace),
    openLabel: 'Import',
    ...(pick.choose === 'file' ? { filters: { 'MLflow database': ['db', 'sqlite', 'sqlite3'], 'All files': ['*'] } } : {}),
  });
  return uris?.[0]?.fsPath;
}

function describe(s: ImportSummary): string {
  const c = s.created;
  const parts = [
    c.experiments && `${c.experiments} experiment(s)`,
    c.runs && `${c.runs} run(s)`,
    c.metricPoints && `${c.metricPoints.toLocaleString()} metric point(s)`,
    c.models && `${c.models} model(s)`,
    c.modelVersions && `${c.modelVersions} version(s)`,
    c.artifacts && `${c.artifacts} artifact folder(s)`,
  ].filter(Boolean);
  const already = s.skipped.runs + s.skipped.experiments + s.skipped.models;
  const what = parts.length ? `imported ${parts.join(', ')}` : 'found nothing new';
  return `${path.basename(s.source)}: ${what}${already ? ` (${already} experiment(s), run(s) and model(s) were there already)` : ''}${s.updatedRuns ? `; ${s.updatedRuns} run(s) got new data` : ''}.`;
}

/**
 * "Import mlflow.db or mlruns…": copies an MLflow backend into the workspace store with a cancellable
 * progress notification. Importing again adds only what is new, so a cancelled import is simply run again.
 */
export function registerImportCommand(reg: CommandRegistry, host: StoreHost) {
  reg.register(
    CommandIds.importMlflow,
    'Import mlflow.db or mlruns',
    async (arg?: vscode.Uri | string) => {
      const chosen = arg instanceof vscode.Uri ? arg.fsPath : typeof arg === 'string' ? arg : await pickSource(host.workspace);
      if (!chosen) return undefined;
      // Read the source first: a file that is not MLflow's is refused before the store is created or touched.
      const source = await openMlflowSource(chosen);
      try {
        const store = await host.writable();
        for (const w of source.warnings) reg.output.warn(`import: ${w}`);
        const wal = source.warnings.find((w) => /WAL mode/.test(w));
        if (wal) void vscode.window.showWarningMessage(`MLOps: ${wal}`);
        const warned = source.warnings.length;
        const summary = await withCancellableProgress(`Importing ${path.basename(chosen)}`, (p) =>
          importMlflow(store, source, { signal: p.signal, onProgress: (done, total, what) => p.report(`${what} (${done}/${total})`, done, total) }),
        );
        for (const w of summary.warnings.slice(warned)) reg.output.warn(`import: ${w}`);
        reg.output.info(
          `import of ${summary.source}: ${JSON.stringify({ created: summary.created, skipped: summary.skipped, updatedRuns: summary.updatedRuns })}`,
        );
        const more = summary.warnings.length - (wal ? 1 : 0);
        const text = summary.cancelled
          ? `MLOps: import cancelled; ${describe(summary)} Run the import again to continue.`
          : `MLOps: ${describe(summary)}${more > 0 ? ` ${more} warning(s) in the MLOps log.` : ''}`;
        void vscode.window.showInformationMessage(text, ...(more > 0 ? ['Show Log'] : [])).then((c) => {
          if (c) reg.output.show(true);
        });
        return summary;
      } finally {
        source.close();
      }
    },
    { needsTrust: false },
  );
}

/** "Import DVCLive Folder…": a DVCLive output folder becomes a run (metrics, params, plots). */
export function registerDvcLiveImportCommand(reg: CommandRegistry, host: StoreHost, output: vscode.LogOutputChannel) {
  reg.register(
    CommandIds.importDvcLive,
    'Import DVCLive Folder',
    async () => {
      const picked = await vscode.window.showOpenDialog({
        canSelectFolders: true,
        canSelectFiles: false,
        defaultUri: vscode.Uri.file(host.workspace),
        openLabel: 'Import',
        title: 'DVCLive output folder (holds metrics.json, plots/metrics)',
      });
      if (!picked?.length) return;
      const dir = picked[0].fsPath;
      const store = await host.writable();
      const out = await withCancellableProgress(`Importing ${path.basename(dir)}`, (p) =>
        importDvcLiveFolder(store, dir, { signal: p.signal, onProgress: (done, total) => p.report(`${done}/${total} points`, done, total) }),
      );
      for (const w of out.warnings) output.warn(`DVCLive import: ${w}`);
      void vscode.window.showInformationMessage(
        `Imported ${out.points} points and ${out.params} params into run ${out.runName}.${out.warnings.length ? ` ${out.warnings.length} warning(s) in the MLOps log.` : ''}`,
      );
    },
    { needsTrust: true },
  );
}
