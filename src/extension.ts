import * as vscode from 'vscode';
import { Workbench } from './vscode/workbench';

/** Returns at once: the store opens in the background while the views say "Loading…" (see Workbench.open). */
export function activate(context: vscode.ExtensionContext) {
  const workbench = Workbench.open(context);
  context.subscriptions.push(workbench);
  return workbench.api;
}

export function deactivate() {
  // Every resource is owned by the Workbench, which context.subscriptions disposes.
}
