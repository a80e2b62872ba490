import fs from 'node:fs';
import * as vscode from 'vscode';
import { checkRemote, DataRepo, isUnusable, type RemoteConfig } from '../../core/data';
import type { CommandRegistry } from '../shared/commandRegistry';
import type { DataHost } from './dataHost';
import type { DataNode } from './dataTree';
import type { DataUi } from './dataUi';
import { CommandIds } from '../commandIds';

/**
 * Checks a local folder before it becomes a remote: refuses a file or an unwritable folder, offers to create a
 * missing one, and asks before using a folder that holds other files. False when the user backs out.
 */
async function confirmUrl(ui: DataUi, url: string, ws: string): Promise<boolean> {
  const c = checkRemote(url, ws);
  if (!c.local) return true;
  if (isUnusable(c)) throw new Error(`cannot use ${url} as a data remote: ${c.message}`);
  if (c.state === 'missing') {
    const choice = await ui.warn(`${c.message}.`, { modal: true }, 'Create Folder', 'Add Without Creating');
    if (choice === 'Create Folder') fs.mkdirSync(c.path, { recursive: true });
    return choice !== undefined;
  }
  if (c.state === 'other-files') return (await ui.warn(`${c.message}`, { modal: true }, 'Use It Anyway')) === 'Use It Anyway';
  return true;
}

/** The remote a command acts on: the right-clicked node, a name passed by a caller, else picked from the list. */
async function remoteOf(repo: DataRepo, ui: DataUi, arg: DataNode | string | undefined, title: string): Promise<RemoteConfig | undefined> {
  const all = repo.remotes();
  if (arg && typeof arg === 'object' && arg.kind === 'remote') return arg.remote;
  if (typeof arg === 'string') {
    const r = all.find((x) => x.name === arg);
    if (!r) throw new Error(`no data remote named "${arg}"`);
    return r;
  }
  if (!all.length) {
    if ((await ui.info('No data remotes are configured.', 'Add Data Remote…')) === 'Add Data Remote…')
      void vscode.commands.executeCommand(CommandIds.dataAddRemote);
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(
    all.map((r) => ({ label: r.name, description: `${r.rawUrl}${r.isDefault ? ' · default' : ''}`, remote: r })),
    { title },
  );
  return picked?.remote;
}

export function registerDataRemoteCommands(reg: CommandRegistry, data: DataHost, ui: DataUi) {
  const ws = data.workspace;
  const changed = async (message: string) => {
    data.reset();
    await data.refresh();
    void ui.info(message);
  };

  reg.register(
    CommandIds.dataAddRemote,
    'Add Data Remote',
    async (urlArg?: unknown, nameArg?: unknown) => {
      const repo = data.repo() ?? (DataRepo.init(ws), data.reset(), data.requireRepo());
      const url =
        typeof urlArg === 'string'
          ? urlArg
          : await vscode.window.showInputBox({
              title: 'Data remote',
              prompt:
                'A folder path, absolute or relative to the workspace (e.g. /mnt/shared/dvc-store), or an S3 bucket (s3://bucket/prefix; credentials from the AWS chain or `mlops data remote modify NAME access_key_id … --local`).',
              placeHolder: '/path/to/remote or s3://bucket/prefix',
            });
      if (!url) return;
      if (!(await confirmUrl(ui, url, ws))) return;
      const name =
        typeof nameArg === 'string'
          ? nameArg
          : await vscode.window.showInputBox({ title: 'Remote name', value: repo.remotes().length ? `remote${repo.remotes().length + 1}` : 'storage' });
      if (!name) return;
      const first = !repo.remotes().length;
      repo.addRemote(name, url, { makeDefault: first, cwd: ws });
      await changed(`Added data remote "${name}" → ${url}${first ? ' (the default)' : ''}.`);
    },
    { needsTrust: true },
  );

  reg.register(
    CommandIds.dataModifyRemote,
    'Change Data Remote URL',
    async (arg?: DataNode | string, urlArg?: unknown) => {
      const repo = data.requireRepo();
      const r = await remoteOf(repo, ui, arg, 'Change the URL of which remote?');
      if (!r) return;
      const url = typeof urlArg === 'string' ? urlArg : await vscode.window.showInputBox({ title: `URL of remote "${r.name}"`, value: r.rawUrl });
      if (!url || url === r.rawUrl) return;
      if (!(await confirmUrl(ui, url, ws))) return;
      repo.config.modifyRemote(r.name, 'url', url, { cwd: ws });
      await changed(`Data remote "${r.name}" now points to ${url}.`);
    },
    { needsTrust: true },
  );

  reg.register(
    CommandIds.dataSetDefaultRemote,
    'Set Default Data Remote',
    async (arg?: DataNode | string) => {
      const repo = data.requireRepo();
      const r = await remoteOf(repo, ui, arg, 'Push and pull use which remote by default?');
      if (!r) return;
      repo.config.setDefaultRemote(r.name);
      await changed(`"${r.name}" is the default data remote.`);
    },
    { needsTrust: true },
  );

  reg.register(
    CommandIds.dataRemoveRemote,
    'Remove Data Remote',
    async (arg?: DataNode | string) => {
      const repo = data.requireRepo();
      const r = await remoteOf(repo, ui, arg, 'Remove which remote?');
      if (!r) return;
      const ok = await ui.warn(
        `Remove data remote "${r.name}" (${r.rawUrl})?`,
        { modal: true, detail: 'Only the configuration is removed; the data stored there stays where it is.' },
        'Remove',
      );
      if (ok !== 'Remove') return;
      repo.config.removeRemote(r.name);
      await changed(`Removed data remote "${r.name}"${r.isDefault ? '; there is no default remote now' : ''}.`);
    },
    { needsTrust: true },
  );
}
