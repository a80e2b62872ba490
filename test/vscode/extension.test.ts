import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { api, EXTENSION_ID } from './helpers';

describe('MLOps Workbench in a real extension host', () => {
  it('activates and exports its API', async () => {
    const a = await api();
    assert.equal(typeof a.version, 'string');
    assert.ok(a.workspace, 'a workspace folder is open');
    assert.ok(vscode.extensions.getExtension(EXTENSION_ID)?.isActive);
  });

  it('activates without waiting for the store or the server, which open in the background', async () => {
    const a = await api();
    assert.equal(a.storeOpenedDuringActivation, false, 'activate() returned before the store finished opening');
    await a.whenReady();
    // Once ready, the trees answer from the store (the quickstart has none yet: nothing to list, no error).
    assert.ok(Array.isArray(a.experimentsTree!.getChildren()));
    assert.ok(Array.isArray(a.modelsTree!.getChildren()));
  });

  it('runs where Codespaces runs it: a remote workspace extension host', () => {
    // In code-server the extension host is remote and the UI is a browser, as in Codespaces.
    if (process.env.MLOPS_TEST_WORKSPACE) {
      assert.ok(vscode.env.remoteName, 'remoteName is set');
      assert.equal(vscode.env.uiKind, vscode.UIKind.Web);
    }
    assert.equal(vscode.extensions.getExtension(EXTENSION_ID)?.extensionKind, vscode.ExtensionKind.Workspace);
  });

  it('contributes every command it registers, all in the MLOps category', async () => {
    const pkg = vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON as { contributes: { commands: { command: string; category: string }[] } };
    const registered = new Set((await vscode.commands.getCommands(true)).filter((c) => c.startsWith('mlops.')));
    for (const c of pkg.contributes.commands) {
      assert.equal(c.category, 'MLOps', c.command);
      assert.ok(registered.has(c.command), `${c.command} is contributed but not registered`);
    }
  });
});
