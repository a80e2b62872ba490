import fs from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import { isProjectFileName, mlprojectScaffold } from '../../core/project';
import type { CommandRegistry } from '../shared/commandRegistry';
import type { DisposableStore } from '../shared/disposables';
import { CommandIds } from '../commandIds';

const PATTERN = '**/[Mm][Ll][Pp]roject';
const EXCLUDE = '**/{node_modules,.mlops,.git}/**';

/**
 * Keeps the `mlops.hasMLproject` context key (the welcome offers "Run Entry Point…" only where there is an
 * MLproject, "Create an MLproject" elsewhere) and registers the command that writes a starter file.
 */
export function registerMLprojectScaffold(reg: CommandRegistry, workspace: string, owner: DisposableStore) {
  // The folder itself first (file search may not be ready while the window starts), then the whole tree.
  const atRoot = () => {
    try {
      return fs.readdirSync(workspace).some((f) => isProjectFileName(f));
    } catch {
      return false;
    }
  };
  const update = async () => {
    const found = atRoot() || (await vscode.workspace.findFiles(PATTERN, EXCLUDE, 1)).length > 0;
    await vscode.commands.executeCommand('setContext', 'mlops.hasMLproject', found);
  };
  const watcher = owner.add(vscode.workspace.createFileSystemWatcher(PATTERN));
  owner.add(watcher.onDidCreate(() => void update()));
  owner.add(watcher.onDidDelete(() => void update()));
  void update();

  reg.register(
    CommandIds.createMLproject,
    'Create an MLproject',
    async () => {
      const file = path.join(workspace, 'MLproject');
      if (!fs.existsSync(file)) fs.writeFileSync(file, mlprojectScaffold(workspace), { flag: 'wx' });
      await vscode.window.showTextDocument(vscode.Uri.file(file));
      await update();
      return file;
    },
    { needsTrust: true },
  );
}
