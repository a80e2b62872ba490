import * as vscode from 'vscode';
import { findPython } from '../../core/exec/interpreter';
import { serve, type Deployment, type TrafficMode } from '../../core/serving';
import { selectedPython } from '../runs/pythonInterpreter';
import type { StoreHost } from '../server/storeHost';
import type { DisposableStore } from '../shared/disposables';
import { MonitorPanel } from './monitorPanel';
import { withCancellableProgress } from '../shared/progress';

interface Served {
  deployment: Deployment;
  channel: vscode.OutputChannel;
  serving: boolean;
  monitor?: MonitorPanel;
}

/** The deployments this window serves: started with progress, logged to an output channel each, stopped on close. */
export class ServingHost {
  private readonly served = new Map<string, Served>();

  constructor(
    private readonly host: StoreHost,
    private readonly extensionUri: vscode.Uri,
    private readonly output: vscode.LogOutputChannel,
    owner: DisposableStore,
  ) {
    owner.add({ dispose: () => void this.stopAll() });
  }

  list(): Deployment[] {
    return [...this.served.values()].filter((s) => s.serving).map((s) => s.deployment);
  }

  async start(champion: string, opts: { challenger?: string; mode?: TrafficMode; splitPercent?: number } = {}): Promise<Deployment> {
    const store = await this.host.ensure();
    const python = findPython({ preferred: await selectedPython(vscode.Uri.file(this.host.workspace), this.output) });
    const channel = vscode.window.createOutputChannel(`MLOps Serving: ${champion.replace(/^models:\//, '')}`);
    const d = await withCancellableProgress(`Serving ${champion}`, async (p) => {
      try {
        return await serve({
          store,
          workspace: this.host.workspace,
          python,
          champion,
          ...opts,
          signal: p.signal,
          onProgress: (message) => p.report(message),
          onLog: (which, line) => channel.appendLine(`[${which}] ${line}`),
        });
      } catch (e) {
        channel.show(true);
        throw e;
      }
    });
    this.served.set(d.info.id, { deployment: d, channel, serving: true });
    channel.appendLine(`serving at ${d.info.url}/invocations (Authorization: Bearer <token>; "Copy Serving Token" copies it)`);
    return d;
  }

  monitor(id: string): MonitorPanel {
    const s = this.served.get(id);
    if (!s) throw new Error(`no deployment ${id} in this window`);
    if (s.monitor) {
      s.monitor.panel.reveal();
      return s.monitor;
    }
    const m = new MonitorPanel(
      s.deployment,
      this.host,
      this.extensionUri,
      this.output,
      () => this.stop(id),
      () => s.serving,
    );
    m.panel.onDidDispose(() => (s.monitor = undefined));
    s.monitor = m;
    return m;
  }

  async stop(id: string): Promise<void> {
    const s = this.served.get(id);
    if (!s?.serving) return;
    s.serving = false;
    await s.deployment.stop();
    s.channel.appendLine('stopped');
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.served.keys()].map((id) => this.stop(id)));
    for (const s of this.served.values()) s.channel.dispose();
  }
}
