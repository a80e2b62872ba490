import * as vscode from 'vscode';
import * as T from '../../core/tracking';
import type { CommandRegistry } from '../shared/commandRegistry';
import type { ExperimentsNode } from './experimentsTree';
import type { StoreHost } from '../server/storeHost';
import { CommandIds } from '../commandIds';

function experimentOf(node?: ExperimentsNode): T.Experiment {
  if (node?.kind !== 'experiment') throw new Error('select an experiment in the Experiments view first');
  return node.experiment;
}

export function registerExperimentCommands(reg: CommandRegistry, host: StoreHost) {
  reg.register(
    CommandIds.createExperiment,
    'Create Experiment',
    async () => {
      const store = await host.writable();
      const name = await vscode.window.showInputBox({
        title: 'Create experiment',
        prompt: 'Experiment name',
        validateInput: (v) => {
          if (!v.trim()) return 'The name cannot be empty';
          try {
            T.getExperimentByName(store, v);
            return `An experiment named "${v}" already exists`;
          } catch {
            return undefined;
          }
        },
      });
      if (!name) return undefined;
      return T.createExperiment(store, { name });
    },
    { needsTrust: false },
  );

  reg.register(CommandIds.renameExperiment, 'Rename Experiment', async (node?: ExperimentsNode) => {
    const e = experimentOf(node);
    const name = await vscode.window.showInputBox({
      title: 'Rename experiment',
      value: e.name,
      validateInput: (v) => (v.trim() ? undefined : 'The name cannot be empty'),
    });
    if (!name || name === e.name) return;
    T.renameExperiment(await host.writable(), e.experiment_id, name.trim());
  });

  reg.register(CommandIds.deleteExperiment, 'Delete Experiment', async (node?: ExperimentsNode) => {
    const e = experimentOf(node);
    const ok = await vscode.window.showWarningMessage(`Delete experiment "${e.name}" and its runs? It can be restored.`, { modal: true }, 'Delete');
    if (ok === 'Delete') T.deleteExperiment(await host.writable(), e.experiment_id);
  });

  reg.register(CommandIds.restoreExperiment, 'Restore Experiment', async (node?: ExperimentsNode) => {
    T.restoreExperiment(await host.writable(), experimentOf(node).experiment_id);
  });
}
