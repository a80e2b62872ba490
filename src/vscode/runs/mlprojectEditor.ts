import path from 'node:path';
import * as vscode from 'vscode';
import { isProjectFileName, parseProject } from '../../core/project';
import type { DisposableStore } from '../shared/disposables';
import { CommandIds } from '../commandIds';

const selector: vscode.DocumentSelector = { scheme: 'file', pattern: '**/[Mm][Ll][Pp]roject' };

function toRange(r: { start: { line: number; character: number }; end: { line: number; character: number } }) {
  return new vscode.Range(r.start.line, r.start.character, r.end.line, r.end.character);
}

/**
 * MLproject files in the editor: problems (bad YAML, unknown types, undeclared placeholders) as diagnostics
 * on the right lines, and "Run" / "Run with…" code lenses above each entry point.
 */
export class MlprojectEditor implements vscode.CodeLensProvider {
  private readonly diagnostics: vscode.DiagnosticCollection;

  constructor(owner: DisposableStore) {
    this.diagnostics = owner.add(vscode.languages.createDiagnosticCollection('mlproject'));
    owner.add(vscode.languages.registerCodeLensProvider(selector, this));
    const check = (doc: vscode.TextDocument) => {
      if (doc.uri.scheme === 'file' && isProjectFileName(path.basename(doc.uri.fsPath))) this.check(doc);
    };
    owner.add(vscode.workspace.onDidOpenTextDocument(check));
    owner.add(vscode.workspace.onDidChangeTextDocument((e) => check(e.document)));
    owner.add(vscode.workspace.onDidCloseTextDocument((d) => this.diagnostics.delete(d.uri)));
    vscode.workspace.textDocuments.forEach(check);
  }

  check(doc: vscode.TextDocument) {
    const { diagnostics } = parseProject(doc.getText(), path.dirname(doc.uri.fsPath), doc.uri.fsPath);
    this.diagnostics.set(
      doc.uri,
      diagnostics.map((d) => {
        const diag = new vscode.Diagnostic(
          toRange(d.range),
          d.message,
          d.severity === 'error' ? vscode.DiagnosticSeverity.Error : vscode.DiagnosticSeverity.Warning,
        );
        diag.source = 'MLproject';
        if (d.code) diag.code = d.code;
        return diag;
      }),
    );
  }

  provideCodeLenses(doc: vscode.TextDocument): vscode.CodeLens[] {
    if (!vscode.workspace.isTrusted) return [];
    const dir = path.dirname(doc.uri.fsPath);
    const { project } = parseProject(doc.getText(), dir, doc.uri.fsPath);
    if (!project) return [];
    return project.entryPoints.flatMap((e) => {
      const range = toRange(e.range);
      return [
        new vscode.CodeLens(range, { title: `$(play) Run ${e.name}`, command: CommandIds.runEntryPointDefaults, arguments: [dir, e.name] }),
        new vscode.CodeLens(range, { title: 'Run with…', command: CommandIds.runEntryPoint, arguments: [dir, e.name] }),
      ];
    });
  }
}
