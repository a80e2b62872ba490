import * as vscode from 'vscode';
import { Aborted } from '../../core/data/errors';
import { MlopsError } from '../../core/errors';
import type { CommandId } from '../commandIds';
import type { DisposableStore } from './disposables';

/**
 * Registers commands through one wrapper: every failure becomes a message that says what failed, with the
 * details in the "MLOps" output channel. Commands that change files or run code are refused in a
 * restricted (untrusted) workspace.
 */
export class CommandRegistry {
  /** The last failures reported (title and message), newest last: for the log, and for tests that must tell a failed command from a quiet one. */
  readonly failures: { title: string; message: string }[] = [];

  constructor(
    private readonly owner: DisposableStore,
    readonly output: vscode.LogOutputChannel,
  ) {}

  register(id: CommandId, title: string, handler: (...args: any[]) => unknown, opts: { needsTrust?: boolean } = {}) {
    this.owner.add(
      vscode.commands.registerCommand(id, async (...args: unknown[]) => {
        if (opts.needsTrust && !vscode.workspace.isTrusted) {
          void vscode.window.showWarningMessage(`${title} is not available in Restricted Mode. Trust this workspace to use it.`);
          return undefined;
        }
        try {
          return await handler(...args);
        } catch (e) {
          this.report(title, e);
          return undefined;
        }
      }),
    );
  }

  report(title: string, e: unknown) {
    if (e instanceof Aborted) {
      // The user asked for it: not an error.
      this.output.info(`${title}: ${e.message}`);
      void vscode.window.showInformationMessage(`${title} was cancelled.`);
      return;
    }
    const err = e instanceof Error ? e : new Error(String(e));
    this.failures.push({ title, message: err.message });
    if (this.failures.length > 50) this.failures.shift();
    this.output.error(`${title} failed: ${err.message}${err.stack ? `\n${err.stack}` : ''}`);
    const detail = e instanceof MlopsError ? err.message : `${err.message}`;
    void vscode.window.showErrorMessage(`MLOps: ${title} failed: ${detail}`, 'Show Log').then((c) => {
      if (c) this.output.show(true);
    });
  }
}
