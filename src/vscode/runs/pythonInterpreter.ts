import { PVSC_EXTENSION_ID, PythonExtension } from '@vscode/python-extension';
import * as vscode from 'vscode';

/**
 * The interpreter launched runs use: the one selected in the Python extension when it is installed, else
 * the `python.defaultInterpreterPath` setting, else undefined (the core then looks for python3/python on
 * PATH and says what to install when there is none).
 */
export async function selectedPython(resource?: vscode.Uri, log?: vscode.LogOutputChannel): Promise<string | undefined> {
  if (vscode.extensions.getExtension(PVSC_EXTENSION_ID)) {
    try {
      const api = await PythonExtension.api();
      const active = api.environments.getActiveEnvironmentPath(resource);
      const env = await api.environments.resolveEnvironment(active);
      const exe = env?.executable.uri?.fsPath;
      if (exe) return exe;
    } catch (e) {
      log?.warn(`Python extension: no interpreter (${(e as Error).message}); falling back to settings and PATH`);
    }
  }
  const configured = vscode.workspace.getConfiguration('python', resource).get<string>('defaultInterpreterPath');
  return configured && configured !== 'python' ? configured : undefined;
}
