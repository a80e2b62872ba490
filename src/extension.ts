import * as vscode from 'vscode';
import { Workbench } from './vscode/workbench';

export async function activate(context: vscode.ExtensionContext) {
  const workbench = await Workbench.open(context);
  context.subscriptions.push(workbench);
  return workbench.api;
}

export function deactivate() {
  // Every resource is owned by the Workbench, which context.subscriptions disposes.
}
