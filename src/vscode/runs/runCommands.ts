import path from 'node:path';
import * as vscode from 'vscode';
import * as T from '../../core/tracking';
import type { CommandRegistry } from '../shared/commandRegistry';
import type { ExperimentsNode, ExperimentsTree } from '../experiments/experimentsTree';
import type { RunDocuments } from './runDocument';
import type { RunNotes } from './runNotes';
import type { StoreHost } from '../server/storeHost';
import { CommandIds } from '../commandIds';
import { artifactPath } from '../experiments/artifactNodes';

/** Commands on runs: open, rename, delete/restore, tags, notes, copy id. Each calls one core function. */
export function registerRunCommands(reg: CommandRegistry, host: StoreHost, tree: ExperimentsTree, docs: RunDocuments, notes: RunNotes) {
  const one = (node?: ExperimentsNode) => {
    const runs = tree.selectedRuns(node);
    if (!runs.length) throw new Error('select a run in the Experiments view first');
    return runs[0];
  };

  reg.register(CommandIds.openRun, 'Open Run', async (node?: ExperimentsNode | string) => {
    if (typeof node === 'string') return docs.show(node);
    const run = one(node);
    // Ctrl/Shift-clicks that build a multi-selection (to compare) do not open pages over what is open.
    const selected = tree.selectedRuns();
    if (selected.length > 1 && selected.some((r) => r.run_id === run.run_id)) return undefined;
    return docs.show(run.run_id);
  });

  reg.register(CommandIds.renameRun, 'Rename Run', async (node?: ExperimentsNode) => {
    const run = one(node);
    const name = await vscode.window.showInputBox({
      title: 'Rename run',
      value: run.run_name,
      validateInput: (v) => (v.trim() ? undefined : 'The name cannot be empty'),
    });
    if (name === undefined) return;
    T.updateRun(await host.writable(), run.run_id, { run_name: name.trim() });
  });

  reg.register(CommandIds.deleteRun, 'Delete Run', async (node?: ExperimentsNode, nodes?: ExperimentsNode[]) => {
    const runs = tree.selectedRuns(node, nodes).filter((r) => r.lifecycle_stage === 'active');
    if (!runs.length) return;
    const label = runs.length === 1 ? `run "${runs[0].run_name}"` : `${runs.length} runs`;
    const ok = await vscode.window.showWarningMessage(
      `Delete ${label}? Deleted runs can be restored (show deleted runs in the view).`,
      { modal: true },
      'Delete',
    );
    if (ok !== 'Delete') return;
    const store = await host.writable();
    for (const r of runs) T.deleteRun(store, r.run_id);
  });

  reg.register(CommandIds.restoreRun, 'Restore Run', async (node?: ExperimentsNode, nodes?: ExperimentsNode[]) => {
    const store = await host.writable();
    for (const r of tree.selectedRuns(node, nodes).filter((x) => x.lifecycle_stage === 'deleted')) T.restoreRun(store, r.run_id);
  });

  reg.register(CommandIds.setRunTag, 'Set Run Tag', async (node?: ExperimentsNode) => {
    const run = one(node);
    const key = await vscode.window.showInputBox({
      title: `Tag run "${run.run_name}"`,
      prompt: 'Tag name',
      validateInput: (v) => (/^[/\w.\- ]+$/.test(v) ? undefined : 'Use letters, digits, _ - . / and spaces'),
    });
    if (!key) return;
    const value = await vscode.window.showInputBox({ title: `Tag ${key}`, prompt: 'Value', value: run.tags[key] ?? '' });
    if (value === undefined) return;
    T.setTag(await host.writable(), run.run_id, key, value);
  });

  // The note opens as a Markdown document; saving it writes mlflow.note.content (see RunNotes).
  reg.register(CommandIds.editRunNote, 'Edit Run Note', async (node?: ExperimentsNode | string) => {
    const store = await host.ensure();
    const id = typeof node === 'string' ? node : one(node).run_id;
    return notes.edit(id, T.getRun(store, id).info.run_name);
  });

  reg.register(CommandIds.copyRunId, 'Copy Run ID', async (node?: ExperimentsNode) => {
    const id = one(node).run_id;
    await vscode.env.clipboard.writeText(id);
    void vscode.window.setStatusBarMessage(`Copied run id ${id}`, 3000);
  });

  reg.register(CommandIds.openArtifact, 'Open Artifact', async (node?: unknown) => {
    await vscode.commands.executeCommand('vscode.open', vscode.Uri.file(artifactPath(node)));
  });

  reg.register(CommandIds.revealArtifact, 'Reveal Artifact', async (node?: unknown) => {
    const uri = vscode.Uri.file(artifactPath(node));
    const inWorkspace = !path.relative(host.workspace, uri.fsPath).startsWith('..');
    await vscode.commands.executeCommand(inWorkspace ? 'revealInExplorer' : 'revealFileInOS', uri);
  });

  reg.register(CommandIds.copyArtifactPath, 'Copy Artifact Path', async (node?: unknown) => {
    const p = artifactPath(node);
    await vscode.env.clipboard.writeText(p);
    void vscode.window.setStatusBarMessage(`Copied ${p}`, 3000);
    return p;
  });

  reg.register(CommandIds.showMoreRuns, 'Show More Runs', (node: ExperimentsNode) => tree.showMore(node));
}
