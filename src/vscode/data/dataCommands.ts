import path from 'node:path';
import * as vscode from 'vscode';
import { DataRepo, type AddResult, type CommitResult } from '../../core/data';
import { GitRepo } from '../../core/git';
import type { CommandRegistry } from '../shared/commandRegistry';
import type { DataHost } from './dataHost';
import type { DataNode, DataTree } from './dataTree';
import { withDataProgress } from '../shared/progress';
import { CommandIds } from '../commandIds';

/** After add or commit: offer to stage the `.dvc` files and `.gitignore` changes with git. */
async function offerToStage(workspace: string, results: (AddResult | CommitResult)[]) {
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
  const choice = await vscode.window.showInformationMessage(`Stage ${list.join(', ')} in git?`, 'Stage', 'Not now');
  if (choice === 'Stage') await git.stage([...files]);
}

export function registerDataCommands(reg: CommandRegistry, data: DataHost, tree: DataTree) {
  const ws = data.workspace;
  const targetsOf = (node?: DataNode | vscode.Uri, nodes?: (DataNode | vscode.Uri)[]): string[] | undefined => {
    if (node instanceof vscode.Uri) return (nodes?.length ? nodes : [node]).map((u) => (u as vscode.Uri).fsPath);
    const t = tree.targets(node as DataNode | undefined, nodes as DataNode[] | undefined);
    return t.length ? t : undefined;
  };

  reg.register(
    CommandIds.dataInit,
    'Initialize Data Versioning',
    async () => {
      const r = DataRepo.init(ws);
      data.reset();
      void vscode.window.showInformationMessage(r.created ? `Data versioning initialized (DVC 3 compatible): ${r.files.join(', ')}` : 'This workspace already has a DVC repository; MLOps uses it as it is.');
      await data.refresh();
    },
    { needsTrust: true },
  );

  reg.register(
    CommandIds.dataAdd,
    'Version Data',
    async (node?: DataNode | vscode.Uri, nodes?: (DataNode | vscode.Uri)[]) => {
      const repo = data.repo() ?? (DataRepo.init(ws), data.reset(), data.requireRepo());
      let targets = targetsOf(node, nodes);
      if (!targets) {
        const picked = await vscode.window.showOpenDialog({ canSelectFiles: true, canSelectFolders: true, canSelectMany: true, defaultUri: vscode.Uri.file(ws), openLabel: 'Version' });
        if (!picked?.length) return;
        targets = picked.map((u) => u.fsPath);
      }
      const results = await withDataProgress(`Versioning ${targets.map((t) => path.relative(ws, t)).join(', ')}`, (o) => repo.add(targets!, o));
      await data.refresh();
      void offerToStage(ws, results);
    },
    { needsTrust: true },
  );

  reg.register(
    CommandIds.dataCommit,
    'Commit Data Changes',
    async (node?: DataNode, nodes?: DataNode[]) => {
      const repo = data.requireRepo();
      const results = await withDataProgress('Recording new data versions', (o) => repo.commit(targetsOf(node, nodes), o));
      await data.refresh();
      const changed = results.filter((r) => r.changed);
      void vscode.window.setStatusBarMessage(`${changed.length} output${changed.length === 1 ? '' : 's'} recorded`, 4000);
      void offerToStage(ws, changed);
    },
    { needsTrust: true },
  );

  reg.register(
    CommandIds.dataCheckout,
    'Checkout Data',
    async (node?: DataNode, nodes?: DataNode[]) => {
      const repo = data.requireRepo();
      const targets = targetsOf(node, nodes);
      const run = (force: boolean) => withDataProgress('Restoring data from the cache', (o) => repo.checkout(targets, { ...o, force }));
      try {
        const r = await run(false);
        void vscode.window.setStatusBarMessage(`Restored ${r.restored.length} file(s)`, 4000);
      } catch (e) {
        const paths = (e as { paths?: string[] }).paths;
        if (!paths) throw e;
        const ok = await vscode.window.showWarningMessage(
          `Checkout would overwrite ${paths.length} modified file(s) that are not in the cache: ${paths.slice(0, 5).join(', ')}${paths.length > 5 ? '…' : ''}. Their changes would be lost.`,
          { modal: true },
          'Overwrite',
        );
        if (ok === 'Overwrite') await run(true);
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
      const r = await withDataProgress('Pushing data', (o) => repo.push(targetsOf(node, nodes), o));
      void vscode.window.showInformationMessage(`Pushed ${r.transferred} object(s), ${r.skipped} already on the remote.`);
    },
    { needsTrust: true },
  );

  reg.register(
    CommandIds.dataPull,
    'Pull Data',
    async (node?: DataNode, nodes?: DataNode[]) => {
      const repo = data.requireRepo();
      const r = await withDataProgress('Pulling data', (o) => repo.pull(targetsOf(node, nodes), o));
      void vscode.window.showInformationMessage(`Pulled ${r.transferred} object(s); restored ${r.checkout.restored.length} file(s).`);
      await data.refresh();
    },
    { needsTrust: true },
  );

  reg.register(
    CommandIds.dataAddRemote,
    'Add Data Remote',
    async () => {
      const repo = data.repo() ?? (DataRepo.init(ws), data.reset(), data.requireRepo());
      const url = await vscode.window.showInputBox({ title: 'Data remote', prompt: 'A folder path (e.g. /mnt/shared/dvc-store). Other remote kinds come later.', placeHolder: '/path/to/remote' });
      if (!url) return;
      const name = await vscode.window.showInputBox({ title: 'Remote name', value: repo.remotes().length ? `remote${repo.remotes().length + 1}` : 'storage' });
      if (!name) return;
      repo.addRemote(name, url, { makeDefault: !repo.remotes().length });
      data.reset();
      void vscode.window.showInformationMessage(`Added remote "${name}" → ${url}`);
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
