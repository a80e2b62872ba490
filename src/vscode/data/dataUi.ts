import * as vscode from 'vscode';

export interface Shown {
  kind: 'info' | 'warning';
  message: string;
  items: string[];
  modal: boolean;
}

/**
 * The messages and questions of the data features, in one place: what was shown is kept (the last 100, for tests
 * and the log), and `answer` can stand in for the user (extension-host tests, automation) instead of a toast.
 */
export class DataUi {
  readonly shown: Shown[] = [];
  /** When set, questions go here instead of to the user; return undefined to dismiss, or never settle. */
  answer: ((s: Shown) => Thenable<string | undefined> | string | undefined) | undefined;
  /** When set, quick picks go here: return the labels to pick. */
  pick: ((title: string, labels: string[]) => string[] | undefined) | undefined;

  constructor(private readonly output: vscode.LogOutputChannel) {}

  info(message: string, ...items: string[]): Thenable<string | undefined> {
    return this.show({ kind: 'info', message, items, modal: false });
  }

  warn(message: string, opts: { modal?: boolean; detail?: string } = {}, ...items: string[]): Thenable<string | undefined> {
    return this.show({ kind: 'warning', message, items, modal: !!opts.modal }, opts.detail);
  }

  private show(s: Shown, detail?: string): Thenable<string | undefined> {
    this.shown.push(s);
    if (this.shown.length > 100) this.shown.shift();
    this.output.info(`${s.kind}: ${s.message}${s.items.length ? ` [${s.items.join(' | ')}]` : ''}`);
    if (this.answer && (s.items.length || s.modal)) return Promise.resolve(this.answer(s));
    const show = s.kind === 'info' ? vscode.window.showInformationMessage : vscode.window.showWarningMessage;
    return s.modal ? show(s.message, { modal: true, detail }, ...s.items) : show(s.message, ...s.items);
  }

  async pickMany(title: string, labels: string[]): Promise<string[] | undefined> {
    if (this.pick) return this.pick(title, labels);
    const picked = await vscode.window.showQuickPick(
      labels.map((label) => ({ label })),
      { title, canPickMany: true },
    );
    return picked?.map((p) => p.label);
  }
}
