import * as vscode from 'vscode';
import { compileRunFilter, SearchSyntaxError } from '../../core/search';
import { latestMetricKeys } from '../../core/tracking';
import type { CommandRegistry } from '../shared/commandRegistry';
import type { ExperimentsTree } from './experimentsTree';
import type { ModelsTree } from '../models/modelsTree';
import type { StoreHost } from '../server/storeHost';
import { CommandIds } from '../commandIds';

/** Filter, sort and show-deleted for the Experiments view. */
export function registerViewCommands(reg: CommandRegistry, host: StoreHost, tree: ExperimentsTree, models: ModelsTree) {
  reg.register(CommandIds.refresh, 'Refresh', () => {
    tree.refresh();
    models.refresh();
  });

  reg.register(CommandIds.filterRuns, 'Filter Runs', async () => {
    const filter = await vscode.window.showInputBox({
      title: 'Filter runs (MLflow search syntax)',
      prompt: "e.g. metrics.rmse < 0.7 and params.alpha = '0.5'   ·   tags.`mlflow.user` = 'me'   ·   attributes.status = 'FINISHED'",
      value: tree.options.filter ?? '',
      validateInput: (v) => {
        if (!v.trim()) return undefined;
        try {
          compileRunFilter(v);
          return undefined;
        } catch (e) {
          const pos = e instanceof SearchSyntaxError ? e.position : undefined;
          return { message: pos !== undefined ? `${(e as Error).message}` : (e as Error).message, severity: vscode.InputBoxValidationSeverity.Error };
        }
      },
    });
    if (filter === undefined) return;
    tree.setOptions({ ...tree.options, filter: filter.trim() || undefined });
  });

  reg.register(CommandIds.clearRunFilter, 'Clear Run Filter', () => tree.setOptions({ ...tree.options, filter: undefined }));

  reg.register(CommandIds.sortRuns, 'Sort Runs', async () => {
    const store = host.store;
    const metricKeys = store ? latestMetricKeys(store) : [];
    const items: (vscode.QuickPickItem & { sortBy?: string })[] = [
      { label: 'Start time', sortBy: 'start_time' },
      { label: 'Name', sortBy: 'name' },
      ...(metricKeys.length ? [{ label: 'Metrics', kind: vscode.QuickPickItemKind.Separator }] : []),
      ...metricKeys.map((k) => ({ label: k, description: 'latest value', sortBy: `metric:${k}` })),
    ];
    const by = await vscode.window.showQuickPick(items, { title: 'Sort runs by' });
    if (!by?.sortBy) return;
    const dir = await vscode.window.showQuickPick(
      [
        { label: 'Descending', description: by.sortBy === 'start_time' ? 'newest first' : 'largest first', descending: true },
        { label: 'Ascending', description: by.sortBy === 'start_time' ? 'oldest first' : 'smallest first', descending: false },
      ],
      { title: `Sort by ${by.label}` },
    );
    if (!dir) return;
    tree.setOptions({ ...tree.options, sortBy: by.sortBy as never, descending: dir.descending });
  });

  reg.register(CommandIds.showDeletedRuns, 'Show Deleted Runs', () => tree.setOptions({ ...tree.options, showDeleted: true }));
  reg.register(CommandIds.hideDeletedRuns, 'Hide Deleted Runs', () => tree.setOptions({ ...tree.options, showDeleted: false }));
}
