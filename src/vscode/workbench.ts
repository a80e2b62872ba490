import * as vscode from 'vscode';

export interface WorkbenchApi {
  readonly version: string;
}

/** The composition root: creates every service in order and owns their disposal. */
export class Workbench implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];
  readonly api: WorkbenchApi;

  private constructor(readonly context: vscode.ExtensionContext) {
    this.api = { version: context.extension.packageJSON.version };
  }

  static async open(context: vscode.ExtensionContext): Promise<Workbench> {
    return new Workbench(context);
  }

  dispose() {
    for (const d of this.disposables.splice(0).reverse()) d.dispose();
  }
}
