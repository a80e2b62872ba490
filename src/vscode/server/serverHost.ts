import * as vscode from 'vscode';
import { readServerInfo, startServer, type RunningServer } from '../../core/server';
import type { ServerInfo } from '../../core/launch';
import type { DisposableStore } from '../shared/disposables';
import type { StatusBar } from './statusBar';
import type { StoreHost } from './storeHost';

/**
 * The tracking server of this window: started when the window owns a store (and the workspace is trusted),
 * advertised in .mlops/server.json, and put into the integrated terminals' environment so `python train.py`
 * logs into it. A follower window uses the owner's server.
 */
export class ServerHost {
  private server: RunningServer | undefined;
  private starting: Promise<ServerInfo | undefined> | undefined;

  constructor(
    private readonly host: StoreHost,
    private readonly status: StatusBar,
    private readonly env: vscode.GlobalEnvironmentVariableCollection,
    private readonly output: vscode.LogOutputChannel,
    owner: DisposableStore,
  ) {
    owner.add({ dispose: () => void this.stop() });
  }

  get info(): ServerInfo | undefined {
    if (this.server) return { url: this.server.url, token: this.server.token };
    return readServerInfo(this.host.workspace);
  }

  /** The server to log into, starting ours when this window owns the store. */
  async ensure(): Promise<ServerInfo | undefined> {
    if (!vscode.workspace.isTrusted) return undefined;
    if (this.server) return this.info;
    if (!this.starting) this.starting = this.start().finally(() => (this.starting = undefined));
    return this.starting;
  }

  private async start(): Promise<ServerInfo | undefined> {
    const store = await this.host.ensure();
    if (store.isReadOnly) return readServerInfo(this.host.workspace);
    this.server = await startServer({ store, workspace: this.host.workspace });
    this.output.info(`tracking server on ${this.server.url}`);
    this.env.replace('MLFLOW_TRACKING_URI', this.server.url);
    this.env.replace('MLFLOW_TRACKING_TOKEN', this.server.token);
    this.env.description = 'MLOps Workbench: log runs from this terminal into the workspace store';
    this.status.serverUrl = this.server.url;
    this.status.update();
    return this.info;
  }

  async stop() {
    const s = this.server;
    this.server = undefined;
    this.env.delete('MLFLOW_TRACKING_URI');
    this.env.delete('MLFLOW_TRACKING_TOKEN');
    this.status.serverUrl = undefined;
    this.status.update();
    await s?.close();
  }
}
