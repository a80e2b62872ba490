import fs from 'node:fs';
import * as vscode from 'vscode';
import { compareHtml, makeNonce } from '../../core/compare/html';
import { promoteChallenger, type Deployment } from '../../core/serving';
import { isMonitorViewMessage, MONITOR_VIEW_TYPE, timelineCsv, type MonitorHostMessage } from '../../protocol/monitor';
import type { StoreHost } from '../server/storeHost';

/** How often a monitor gets fresh numbers while its deployment serves. */
const UPDATE_MS = 1000;

/** One deployment's monitor: a webview fed from the deployment's in-memory statistics. */
export class MonitorPanel {
  readonly panel: vscode.WebviewPanel;
  private timer: NodeJS.Timeout | undefined;
  private ready = false;
  /** For tests: message types posted and received, problems the page reported. */
  readonly posted: string[] = [];
  readonly received: string[] = [];
  readonly problems: string[] = [];

  constructor(
    readonly deployment: Deployment,
    private readonly host: StoreHost,
    extensionUri: vscode.Uri,
    private readonly output: vscode.LogOutputChannel,
    private readonly stop: () => Promise<void>,
    private readonly isServing: () => boolean,
  ) {
    const d = deployment.info;
    this.panel = vscode.window.createWebviewPanel(MONITOR_VIEW_TYPE, `Monitor: ${d.champion.name} v${d.champion.version}`, vscode.ViewColumn.Active, {
      enableScripts: true,
      enableCommandUris: false,
      retainContextWhenHidden: false,
      localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist')],
    });
    const w = this.panel.webview;
    w.html = compareHtml({
      cspSource: w.cspSource,
      nonce: makeNonce(),
      scriptUri: w.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webview', 'monitor.js')).toString(),
      styleUris: [],
      title: this.panel.title,
    });
    w.onDidReceiveMessage((m: unknown) => void this.receive(m));
    this.panel.onDidDispose(() => clearInterval(this.timer));
    this.timer = setInterval(() => this.update(), UPDATE_MS);
  }

  private post(m: MonitorHostMessage) {
    this.posted.push(m.type);
    void this.panel.webview.postMessage(m);
  }

  update() {
    if (!this.ready || !this.panel.visible) return;
    this.post({
      type: 'update',
      info: this.deployment.info,
      stats: this.deployment.stats(),
      serving: this.isServing(),
      problem: this.deployment.recorder.problem,
    });
  }

  async receive(m: unknown): Promise<void> {
    if (!isMonitorViewMessage(m)) return void this.output.warn(`monitor: ignored a malformed message from the webview`);
    this.received.push(m.type);
    try {
      if (m.type === 'ready') {
        this.ready = true;
        this.update();
      } else if (m.type === 'problem') {
        this.problems.push(m.message);
        this.output.warn(`monitor webview: ${m.message}`);
      } else if (m.type === 'exportCsv') {
        const uri = await vscode.window.showSaveDialog({
          title: 'Export deployment timeline',
          filters: { CSV: ['csv'] },
          defaultUri: vscode.Uri.file(`${this.host.workspace}/deployment-${this.deployment.info.id}.csv`),
        });
        if (!uri) return;
        await fs.promises.writeFile(uri.fsPath, timelineCsv(this.deployment.stats()));
        this.post({ type: 'done', what: 'exported', message: `Saved ${uri.fsPath}` });
      } else if (m.type === 'stop') {
        await this.stop();
        this.update();
      } else if (m.type === 'promote') {
        await this.promote();
      }
    } catch (e) {
      this.post({ type: 'error', message: (e as Error).message });
    }
  }

  private async promote() {
    const d = this.deployment.info;
    if (!d.challenger) throw new Error('this deployment serves one version: there is no challenger to promote');
    const alias = d.champion.alias ?? 'champion';
    const s = this.deployment.stats();
    const why = s.agreement
      ? `agreement ${(s.agreement.rate * 100).toFixed(1)}% over ${s.agreement.pairs} requests, mean difference ${s.agreement.meanDifference ?? 'n/a'}`
      : `${s.byRoute.challenger?.requests ?? 0} split requests`;
    const ok = await vscode.window.showWarningMessage(
      `Move @${alias} of ${d.challenger.name} from version ${d.champion.version} to version ${d.challenger.version}?`,
      { modal: true, detail: `Recorded on both versions: who, when and why (${why}).` },
      'Promote',
    );
    if (ok !== 'Promote') return;
    const store = await this.host.writable();
    const r = promoteChallenger(store, { name: d.challenger.name, alias, version: d.challenger.version, reason: `deployment ${d.id}: ${why}` });
    this.post({ type: 'done', what: 'promoted', message: `@${alias} now points at version ${r.to}` });
    void vscode.window.showInformationMessage(`${d.challenger.name}: @${alias} moved to version ${r.to}${r.from ? ` (was ${r.from})` : ''}.`);
  }

  dispose() {
    clearInterval(this.timer);
    this.panel.dispose();
  }
}
