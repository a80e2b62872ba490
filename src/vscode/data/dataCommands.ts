import path from 'node:path';
import * as vscode from 'vscode';
import { DataRepo, type AddResult, type CommitResult } from '../../core/data';
import { GitRepo } from '../../core/git';
import type { CommandRegistry } from '../shared/commandRegistry';
import type { DataHost } from './dataHost';
import type { DataNode, DataTree } from './dataTree';
import type { DataUi } from './dataUi';
import { withDataProgress } from '../shared/progress';
import { CommandIds } from '../commandIds';

/** Runs the workspace-writing part of a command so the watcher does not ask about our own writes. */
export type Mute = <T>(fn: () => PromiseLike<T>) => Promise<T>;

/** After add or commit: offer to stage the `.dvc` files and `.gitignore` changes with git. */
async function offerToStage(workspace: string, ui: DataUi, results: (AddResult | CommitResult)[]) {
  const files = new Set<string>();
  for (const r of results) {
    const a = r as AddResult;
    if (a.dvcFile) files.add(path.resolve(workspace, a.dvcFile));
    if (a.gitignore) files.add(path.resolve(workspace, a.gitignore));
    const c = r as CommitResult;
    if (c.output?.dvcFileAbs) files.add(c.output.dvcFileAbs);
  }
  if (!files.size) return;
  const git = await GitRepo.tryOpen(workspace);
  if (!git) return;
  const list = [...files].map((f) => path.relative(workspace, f));
  const choice = await ui.info(`Stage ${list.join(', ')} in git?`, 'Stage', 'Not now');
  if (choice === 'Stage') await git.stage([...files]);
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** Names for a message: the targets a right-click chose, or "all N outputs". */
function scope(ws: string, repo: DataRepo, targets: string[] | undefined): string {
  if (!targets) return `all ${plural(repo.outputs().length, 'output')}`;
  const names = targets.map((t) => path.relative(ws, t) || '.');
  return names.length > 3 ? `${names.slice(0, 3).join(', ')} and ${names.length - 3} more` : names.join(', ');
}

/**
 * Git tracks some of the targets (the quickstart commits its data): DVC cannot version those. Offers to stop
 * tracking them in git first; false when the user declines.
 */
async function untrackFromGit(ws: string, ui: DataUi, targets: string[]): Promise<boolean> {
  const git = await GitRepo.tryOpen(ws);
  const inGit = git ? await git.tracked(targets) : [];
  if (!git || !inGit.length) return true;
  const names = inGit.slice(0, 5).join(', ') + (inGit.length > 5 ? ` and ${inGit.length - 5} more` : '');
  const choice = await ui.warn(
    `${names} ${inGit.length === 1 ? 'is' : 'are'} tracked by git. Versioned data is kept out of git (its .dvc file is committed instead).`,
    {
      modal: true,
      detail:
        'Stop tracking it in git first? This runs "git rm -r --cached": the files stay on disk, and the next git commit records them as removed from git.',
    },
    'Stop Tracking in Git and Version',
  );
  if (choice !== 'Stop Tracking in Git and Version') return false;
  const owning = targets.filter((t) => inGit.some((f) => path.resolve(git.root, f) === t || path.resolve(git.root, f).startsWith(t + path.sep)));
  await git.untrack(owning);
  return true;
}

export function registerDataCommands(reg: CommandRegistry, data: DataHost, tree: DataTree, ui: DataUi, mute: Mute) {
  const ws = data.workspace;
  /** Explicit targets of a context-menu or Explorer invocation; undefined (everything) from the toolbar or palette. */
  const targetsOf = (node?: DataNode | vscode.Uri, nodes?: (DataNode | vscode.Uri)[]): string[] | undefined => {
    if (node instanceof vscode.Uri) return (nodes?.length ? nodes : [node]).map((u) => (u as vscode.Uri).fsPath);
    const t = tree.targets(node as DataNode | undefined, nodes as DataNode[] | undefined);
    return t.length ? t : undefined;
  };
  const initRepo = () => data.repo() ?? (DataRepo.init(ws), data.reset(), data.requireRepo());

  reg.register(
    CommandIds.dataInit,
    'Initialize Data Versioning',
    async () => {
      const r = DataRepo.init(ws);
      data.reset();
      void ui.info(
        r.created
          ? `Data versioning initialized (DVC 3 compatible): ${r.files.join(', ')}`
          : 'This workspace already has a DVC repository; MLOps uses it as it is.',
      );
      await data.refresh();
    },
    { needsTrust: true },
  );

  reg.register(
    CommandIds.dataAdd,
    'Version Data',
    async (node?: DataNode | vscode.Uri, nodes?: (DataNode | vscode.Uri)[]) => {
      const repo = initRepo();
      let targets = targetsOf(node, nodes);
      if (!targets) {
        const picked = await vscode.window.showOpenDialog({
          canSelectFiles: true,
          canSelectFolders: true,
          canSelectMany: true,
          defaultUri: vscode.Uri.file(ws),
          openLabel: 'Version',
        });
        if (!picked?.length) return;
        targets = picked.map((u) => u.fsPath);
      }
      if (!(await untrackFromGit(ws, ui, targets))) return;
      const results = await mute(() => withDataProgress(`Versioning ${scope(ws, repo, targets)}`, (o) => repo.add(targets!, o)));
      await data.refresh();
      void offerToStage(ws, ui, results);
    },
    { needsTrust: true },
  );

  reg.register(
    CommandIds.dataCommit,
    'Commit Data Changes',
    async (node?: DataNode, nodes?: DataNode[]) => {
      const repo = data.requireRepo();
      const targets = targetsOf(node, nodes);
      const results = await mute(() => withDataProgress('Recording new data versions', (o) => repo.commit(targets, o)));
      await data.refresh();
      const changed = results.filter((r) => r.changed);
      const names = changed.map((r) => r.output.path).join(', ');
      const of = targets ? '' : ` (${changed.length} of ${scope(ws, repo, targets)})`;
      void ui.info(
        changed.length
          ? `Recorded ${changed.length === 1 ? 'a new version' : 'new versions'} of ${names}${of}.`
          : `Nothing to commit: ${scope(ws, repo, targets)} already recorded.`,
      );
      void offerToStage(ws, ui, changed);
    },
    { needsTrust: true },
  );

  reg.register(
    CommandIds.dataCheckout,
    'Checkout Data',
    async (node?: DataNode, nodes?: DataNode[]) => {
      const repo = data.requireRepo();
      const targets = targetsOf(node, nodes);
      const run = (force: boolean) => mute(() => withDataProgress('Restoring data from the cache', (o) => repo.checkout(targets, { ...o, force })));
      const said = (r: { restored: string[]; removed: string[] }) =>
        void ui.info(
          r.restored.length || r.removed.length
            ? `Restored ${plural(r.restored.length, 'file')}${r.removed.length ? `, removed ${r.removed.length}` : ''} of ${scope(ws, repo, targets)}.`
            : `${scope(ws, repo, targets)} already match the recorded versions.`,
        );
      try {
        said(await run(false));
      } catch (e) {
        const paths = (e as { paths?: string[] }).paths;
        if (!paths) throw e;
        const ok = await ui.warn(
          `Checkout would overwrite ${plural(paths.length, 'modified file')} that are not in the cache: ${paths.slice(0, 5).join(', ')}${paths.length > 5 ? '…' : ''}. Their changes would be lost.`,
          { modal: true },
          'Overwrite',
        );
        if (ok === 'Overwrite') said(await run(true));
      }
      await data.refresh();
    },
    { needsTrust: true },
  );

  reg.register(
    CommandIds.dataPush,
    'Push Data',
    async (node?: DataNode, nodes?: DataNode[]) => {
      const repo = data.requireRepo();
      if (!repo.remotes().length) return void vscode.commands.executeCommand(CommandIds.dataAddRemote);
      const targets = targetsOf(node, nodes);
      const r = await withDataProgress('Pushing data', (o) => repo.push(targets, o));
      const missing = r.missing.length
        ? ` ${plural(r.missing.length, 'object')} missing from the cache: ${r.missing
            .slice(0, 3)
            .map((m) => m.output)
            .join(', ')}.`
        : '';
      void ui.info(`Pushed ${plural(r.transferred, 'object')} of ${scope(ws, repo, targets)}; ${r.skipped} already on the remote.${missing}`);
    },
    { needsTrust: true },
  );

  reg.register(
    CommandIds.dataPull,
    'Pull Data',
    async (node?: DataNode, nodes?: DataNode[]) => {
      const repo = data.requireRepo();
      const targets = targetsOf(node, nodes);
      const r = await mute(() => withDataProgress('Pulling data', (o) => repo.pull(targets, o)));
      void ui.info(`Pulled ${plural(r.transferred, 'object')} of ${scope(ws, repo, targets)}; restored ${plural(r.checkout.restored.length, 'file')}.`);
      await data.refresh();
    },
    { needsTrust: true },
  );

  reg.register(CommandIds.dataStatus, 'Refresh Data Status', async () => {
    await vscode.commands.executeCommand('mlops.data.focus');
    const s = await data.refresh();
    if (!s) return;
    const changed = s.outputs.filter((o) => o.state !== 'unchanged');
    void vscode.window.setStatusBarMessage(changed.length ? `${changed.length} data output(s) changed` : 'Data is up to date', 4000);
  });
}
