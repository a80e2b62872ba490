import * as vscode from 'vscode';
import { countRuns } from '../../core/tracking';
import type { DisposableStore } from '../shared/disposables';
import type { StoreHost } from './storeHost';
import { CommandIds } from '../commandIds';

/** The status-bar item: the tracking server and the number of running runs; it opens a quick menu. */
export class StatusBar {
  private readonly item: vscode.StatusBarItem;
  serverUrl: string | undefined;

  constructor(
    private readonly host: StoreHost,
    owner: DisposableStore,
  ) {
    this.item = owner.add(vscode.window.createStatusBarItem('mlops.status', vscode.StatusBarAlignment.Left, 50));
    this.item.name = 'MLOps';
    this.item.command = CommandIds.statusMenu;
    owner.add(host.onDidChange(() => this.update()));
    this.update();
  }

  update() {
    const store = this.host.store;
    if (!store) {
      this.item.hide();
      return;
    }
    const running = countRuns(store, { activeWithStatus: 'RUNNING' });
    const server = this.serverUrl ? '$(radio-tower)' : '$(beaker)';
    this.item.text = `${server} MLOps${running ? ` · $(sync~spin) ${running} running` : ''}${this.host.readOnly ? ' (read-only)' : ''}`;
    this.item.tooltip = new vscode.MarkdownString(
      [
        this.serverUrl ? `Tracking server: \`${this.serverUrl}\`` : 'Tracking server: not running',
        `${running} run${running === 1 ? '' : 's'} running`,
        this.host.readOnly ? 'Another window owns this store; this one follows it read-only.' : '',
      ]
        .filter(Boolean)
        .join('\n\n'),
    );
    this.item.show();
  }
}
