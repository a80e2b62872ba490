import path from 'node:path';
import * as vscode from 'vscode';
import * as R from '../../core/registry';
import { modelFoldersIn } from '../../core/tracking/artifactDir';
import { runArtifactDir } from '../runs/artifacts';
import type { CommandRegistry } from '../shared/commandRegistry';
import type { ExperimentsNode, ExperimentsTree } from '../experiments/experimentsTree';
import type { ModelsNode, ModelsTree } from './modelsTree';
import type { StoreHost } from '../server/storeHost';
import { CommandIds } from '../commandIds';

function versionOf(tree: ModelsTree, node?: ModelsNode): R.ModelVersion {
  const v = tree.selectedVersions(node)[0];
  if (!v) throw new Error('select a model version in the Models view first');
  return v;
}

function modelName(tree: ModelsTree, node?: ModelsNode): string {
  const n = node ?? tree.view.selection[0];
  if (!n) throw new Error('select a model in the Models view first');
  return n.kind === 'model' ? n.model.name : n.version.name;
}

/** The model registry's operations, from the Models and Experiments views and the palette. */
export function registerRegistryCommands(reg: CommandRegistry, host: StoreHost, runs: ExperimentsTree, models: ModelsTree) {
  reg.register(CommandIds.registerModel, 'Register Model', async (node?: ExperimentsNode) => {
    const run = runs.selectedRuns(node)[0];
    if (!run) throw new Error('select a run in the Experiments view first');
    const store = await host.writable();
    const dir = runArtifactDir(host.workspace, run.artifact_uri);
    const folders = dir ? modelFoldersIn(dir) : [];
    if (!folders.length) {
      throw new Error(
        `run "${run.run_name}" has no artifact folder with an MLmodel file${dir ? ` (looked in ${path.relative(host.workspace, dir)})` : ''}; log a model first`,
      );
    }
    const folder =
      folders.length === 1
        ? folders[0]
        : (
            await vscode.window.showQuickPick(
              folders.map((f) => ({ label: f === '.' ? '(artifact root)' : f, folder: f })),
              { title: 'Which model folder?' },
            )
          )?.folder;
    if (folder === undefined) return undefined;
    const existing = R.listRegisteredModels(store).map((m) => m.name);
    const NEW = '$(add) New model…';
    const pick = await vscode.window.showQuickPick([NEW, ...existing], { title: `Register ${folder} of "${run.run_name}" as a version of` });
    if (!pick) return undefined;
    let name = pick;
    if (pick === NEW) {
      const typed = await vscode.window.showInputBox({
        title: 'New registered model',
        prompt: 'Model name',
        value: path.posix.basename(folder === '.' ? run.run_name : folder),
        validateInput: (v) => (!v.trim() ? 'The name cannot be empty' : existing.includes(v) ? 'That model exists: pick it from the list instead' : undefined),
      });
      if (!typed) return undefined;
      name = typed.trim();
      R.createRegisteredModel(store, { name });
    }
    const source = folder === '.' ? run.artifact_uri : `${run.artifact_uri}/${folder}`;
    const mv = R.createModelVersion(store, { name, source, run_id: run.run_id });
    void vscode.window.showInformationMessage(`Registered ${name} version ${mv.version} from run "${run.run_name}".`, 'Set Alias…').then((c) => {
      if (c) void vscode.commands.executeCommand(CommandIds.setModelAlias, { kind: 'version', version: mv });
    });
    return mv;
  });

  reg.register(CommandIds.setModelAlias, 'Set Model Alias', async (node?: ModelsNode) => {
    const v = versionOf(models, node);
    const store = await host.writable();
    const taken = R.getRegisteredModel(store, v.name).aliases;
    const alias = await vscode.window.showInputBox({
      title: `Alias for ${v.name} v${v.version}`,
      prompt: 'e.g. champion or @champion. An alias points at one version; setting it moves it here.',
      validateInput: (text) => {
        let a: string;
        try {
          a = R.aliasFromInput(text);
        } catch (e) {
          return (e as Error).message;
        }
        const cur = taken.find((t) => t.alias === a);
        return cur && cur.version !== v.version
          ? { message: `@${a} now points at v${cur.version}; it will move to v${v.version}`, severity: vscode.InputBoxValidationSeverity.Warning }
          : undefined;
      },
    });
    if (!alias) return;
    R.setRegisteredModelAlias(store, v.name, R.aliasFromInput(alias), v.version);
  });

  reg.register(CommandIds.removeModelAlias, 'Remove Model Alias', async (node?: ModelsNode) => {
    const v = versionOf(models, node);
    if (!v.aliases.length) return;
    const alias = v.aliases.length === 1 ? v.aliases[0] : await vscode.window.showQuickPick(v.aliases, { title: 'Remove which alias?' });
    if (!alias) return;
    R.deleteRegisteredModelAlias(await host.writable(), v.name, alias);
  });

  reg.register(CommandIds.transitionModelStage, 'Transition Stage (legacy)', async (node?: ModelsNode) => {
    const v = versionOf(models, node);
    const stage = await vscode.window.showQuickPick(
      R.STAGES.filter((s) => s !== v.current_stage).map((s) => ({ label: s })),
      { title: `Stage of ${v.name} v${v.version} (legacy: MLflow recommends aliases)` },
    );
    if (!stage) return;
    let archive = false;
    if (stage.label === 'Staging' || stage.label === 'Production') {
      const a = await vscode.window.showQuickPick(['Keep other versions where they are', `Archive other versions in ${stage.label}`], {
        title: 'Existing versions in that stage',
      });
      if (!a) return;
      archive = a.startsWith('Archive');
    }
    R.transitionModelVersionStage(await host.writable(), v.name, v.version, stage.label, archive);
  });

  reg.register(CommandIds.editModelDescription, 'Edit Model Description', async (node?: ModelsNode) => {
    const store = await host.writable();
    if (node?.kind === 'version') {
      const v = node.version;
      const d = await vscode.window.showInputBox({ title: `Description of ${v.name} v${v.version}`, value: v.description });
      if (d !== undefined) R.updateModelVersion(store, v.name, v.version, d);
      return;
    }
    const name = modelName(models, node);
    const d = await vscode.window.showInputBox({ title: `Description of ${name}`, value: R.getRegisteredModel(store, name).description });
    if (d !== undefined) R.updateRegisteredModel(store, name, d);
  });

  reg.register(CommandIds.setModelTag, 'Set Model Tag', async (node?: ModelsNode) => {
    const store = await host.writable();
    const key = await vscode.window.showInputBox({
      title: 'Tag name',
      validateInput: (v) => (/^[/\w.\- ]+$/.test(v) ? undefined : 'Use letters, digits, _ - . / and spaces'),
    });
    if (!key) return;
    const value = await vscode.window.showInputBox({ title: `Value of ${key}` });
    if (value === undefined) return;
    if (node?.kind === 'version') R.setModelVersionTag(store, node.version.name, node.version.version, key, value);
    else R.setRegisteredModelTag(store, modelName(models, node), key, value);
  });

  reg.register(CommandIds.deleteModelVersion, 'Delete Model Version', async (node?: ModelsNode, nodes?: ModelsNode[]) => {
    const vs = models.selectedVersions(node, nodes);
    if (!vs.length) return;
    const label = vs.length === 1 ? `${vs[0].name} version ${vs[0].version}` : `${vs.length} model versions`;
    const ok = await vscode.window.showWarningMessage(`Delete ${label}? This cannot be undone; its aliases are removed.`, { modal: true }, 'Delete');
    if (ok !== 'Delete') return;
    const store = await host.writable();
    for (const v of vs) R.deleteModelVersion(store, v.name, v.version);
  });

  reg.register(CommandIds.deleteModel, 'Delete Registered Model', async (node?: ModelsNode) => {
    const name = modelName(models, node);
    const ok = await vscode.window.showWarningMessage(
      `Delete registered model "${name}" and all its versions? This cannot be undone.`,
      { modal: true },
      'Delete',
    );
    if (ok === 'Delete') R.deleteRegisteredModel(await host.writable(), name);
  });

  reg.register(CommandIds.openSourceRun, 'Open Source Run', async (node?: ModelsNode) => {
    const v = versionOf(models, node);
    if (!v.run_id) throw new Error(`${v.name} v${v.version} was not registered from a run`);
    await runs.revealRun(v.run_id, 1);
    await vscode.commands.executeCommand(CommandIds.openRun, v.run_id);
  });

  reg.register(CommandIds.copyModelUri, 'Copy Model URI', async (node?: ModelsNode) => {
    const v = versionOf(models, node);
    const uri = v.aliases.length ? `models:/${v.name}@${v.aliases[0]}` : `models:/${v.name}/${v.version}`;
    await vscode.env.clipboard.writeText(uri);
    void vscode.window.setStatusBarMessage(`Copied ${uri}`, 3000);
  });
}
