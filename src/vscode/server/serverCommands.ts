import * as vscode from 'vscode';
import { CommandIds } from '../commandIds';
import type { CommandRegistry } from '../shared/commandRegistry';
import type { ServerHost } from './serverHost';

/** The status bar item's menu: copy the environment for a terminal, the URL, start or stop the server. */
export function registerServerCommands(reg: CommandRegistry, servers: ServerHost, output: vscode.LogOutputChannel) {
  reg.register(CommandIds.statusMenu, 'Tracking Server Menu', async () => {
    const info = servers.info;
    const items = info
      ? [
          { label: '$(copy) Copy environment for a terminal', id: 'env' },
          { label: '$(link) Copy server URL', description: info.url, id: 'url' },
          { label: '$(debug-stop) Stop tracking server', id: 'stop' },
        ]
      : [{ label: '$(play) Start tracking server', id: 'start' }];
    items.push({ label: '$(output) Show MLOps log', id: 'log' });
    const pick = await vscode.window.showQuickPick(items, { title: 'MLOps tracking server' });
    if (pick?.id === 'env' && info)
      await vscode.env.clipboard.writeText(`export MLFLOW_TRACKING_URI=${info.url}\nexport MLFLOW_TRACKING_TOKEN=${info.token}\n`);
    if (pick?.id === 'url' && info) await vscode.env.clipboard.writeText(info.url);
    if (pick?.id === 'stop') await servers.stop();
    if (pick?.id === 'start') await servers.ensure();
    if (pick?.id === 'log') output.show();
  });
}
