import * as vscode from 'vscode';
import { formatNumber } from '../../core/format';
import { listExperiments } from '../../core/tracking';
import type { CommandRegistry } from '../shared/commandRegistry';
import { MAX_COMPARE_RUNS, type ComparePanels } from './comparePanel';
import type { ExperimentsNode, ExperimentsTree } from '../experiments/experimentsTree';
import type { StoreHost } from '../server/storeHost';
import type { RunDocuments } from '../runs/runDocument';
import { CommandIds } from '../commandIds';

/**
 * "Compare Runs" from the tree's multi-selection, from the palette (a multi-select QuickPick of runs, the
 * tree's selection picked already) or with run ids; "Compare All Runs" from an experiment.
 */
export function registerCompareCommands(reg: CommandRegistry, host: StoreHost, tree: ExperimentsTree, panels: ComparePanels, docs: RunDocuments) {
  reg.register(CommandIds.compareRuns, 'Compare Runs', async (node?: ExperimentsNode | string[], nodes?: ExperimentsNode[]) => {
    if (Array.isArray(node) && node.every((x) => typeof x === 'string')) return panels.open(node as string[]).info;
    let ids = node ? tree.selectedRuns(node as ExperimentsNode, nodes).map((r) => r.run_id) : [];
    if (ids.length < 2) {
      const picked = await pickRuns(host, tree, ids.length ? ids : tree.selectedRuns().map((r) => r.run_id));
      if (!picked) return undefined;
      ids = picked;
    }
    // A click that selected a run also opened its page: let it land first, so the panel is on top of it.
    await docs.settled();
    return panels.open(ids).info;
  });

  reg.register(CommandIds.compareExperiment, 'Compare All Runs', async (node?: ExperimentsNode) => {
    let experimentId: string | undefined;
    if (node?.kind === 'experiment') experimentId = node.experiment.experiment_id;
    else {
      const store = await host.ensure();
      const pick = await vscode.window.showQuickPick(
        listExperiments(store).map((e) => ({ label: e.name, description: `id ${e.experiment_id}`, id: e.experiment_id })),
        { title: 'Compare all runs of an experiment' },
      );
      experimentId = pick?.id;
    }
    if (experimentId === undefined) return undefined;
    const runs = tree.runsOfExperiment(experimentId).sort((a, b) => b.start_time - a.start_time);
    if (!runs.length) throw new Error('the experiment has no runs');
    if (runs.length > MAX_COMPARE_RUNS)
      void vscode.window.showInformationMessage(`MLOps: comparing the ${MAX_COMPARE_RUNS} most recent of ${runs.length} runs.`);
    return panels.open(runs.slice(0, MAX_COMPARE_RUNS).map((r) => r.run_id)).info;
  });
}

async function pickRuns(host: StoreHost, tree: ExperimentsTree, preselected: string[]): Promise<string[] | undefined> {
  const store = await host.ensure();
  const selected = new Set(preselected);
  type Item = vscode.QuickPickItem & { runId?: string };
  const items: Item[] = [];
  for (const e of listExperiments(store)) {
    const runs = tree.runsOfExperiment(e.experiment_id).sort((a, b) => b.start_time - a.start_time);
    if (!runs.length) continue;
    items.push({ label: e.name, kind: vscode.QuickPickItemKind.Separator });
    for (const r of runs) {
      const metrics = r.metricList
        .slice(0, 3)
        .map((m) => `${m.key} ${formatNumber(m.value, 4)}`)
        .join(' · ');
      items.push({
        label: r.run_name || r.run_id.slice(0, 8),
        description: `${r.status.toLowerCase()}${metrics ? ` · ${metrics}` : ''}`,
        detail: undefined,
        runId: r.run_id,
        picked: selected.has(r.run_id),
      });
    }
  }
  if (!items.some((i) => i.runId)) throw new Error('there are no runs to compare yet');
  const picks = await vscode.window.showQuickPick(items, {
    title: 'Compare runs',
    placeHolder: 'Pick the runs to compare',
    canPickMany: true,
    matchOnDescription: true,
  });
  const ids = picks?.map((p) => p.runId).filter((x): x is string => !!x);
  if (!ids?.length) return undefined;
  if (ids.length > MAX_COMPARE_RUNS) throw new Error(`compare at most ${MAX_COMPARE_RUNS} runs at a time`);
  return ids;
}
