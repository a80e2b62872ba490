import * as vscode from 'vscode';
import { compareHtml, makeNonce } from '../../core/compare/html';
import { dagJson, layoutDag } from '../../core/pipelines';
import { isPipelineViewMessage, PIPELINE_VIEW_TYPE, type PipelineHostMessage, type PipelineViewMessage } from '../../protocol/pipelines';
import type { DisposableStore } from '../shared/disposables';
import type { PipelineHost } from './host';

/** The pipeline graph webview: one panel per window, redrawn whenever the status changes. */
export class PipelineDagPanel {
  private panel: vscode.WebviewPanel | undefined;
  private ready = false;
  /** Messages the webview sent, and the last graph posted (for tests). */
  readonly received: PipelineViewMessage[] = [];
  lastPosted: PipelineHostMessage | undefined;

  constructor(
    private readonly host: PipelineHost,
    private readonly extensionUri: vscode.Uri,
    private readonly onMessage: (m: PipelineViewMessage) => Promise<void>,
    owner: DisposableStore,
  ) {
    owner.add(host.onDidChange(() => void this.post()));
    owner.add({ dispose: () => this.panel?.dispose() });
  }

  get isOpen(): boolean {
    return !!this.panel;
  }

  show(): void {
    if (this.panel) return this.panel.reveal();
    const panel = (this.panel = vscode.window.createWebviewPanel(PIPELINE_VIEW_TYPE, 'Pipeline', vscode.ViewColumn.Active, {
      enableScripts: true,
      retainContextWhenHidden: false,
      localResourceRoots: [vscode.Uri.joinPath(this.extensionUri, 'dist'), vscode.Uri.joinPath(this.extensionUri, 'media')],
    }));
    this.ready = false;
    const wv = panel.webview;
    wv.html = compareHtml({
      cspSource: wv.cspSource,
      nonce: makeNonce(),
      scriptUri: wv.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'dist', 'webview', 'pipelines.js')).toString(),
      styleUris: [wv.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'media', 'pipelines.css')).toString()],
      title: 'Pipeline',
    });
    panel.onDidDispose(() => (this.panel = undefined));
    wv.onDidReceiveMessage((m: unknown) => void this.receive(m));
  }

  async receive(m: unknown): Promise<void> {
    if (!isPipelineViewMessage(m)) return;
    this.received.push(m);
    if (m.type === 'ready') {
      this.ready = true;
      await this.post();
      return;
    }
    await this.onMessage(m);
  }

  private async post(): Promise<void> {
    if (!this.panel || !this.ready) return;
    const repo = this.host.repo();
    const snap = this.host.snapshot;
    const json = repo ? dagJson(repo.dag, repo.root, snap.statuses) : { nodes: [], edges: [] };
    for (const n of json.nodes) {
      const stale = snap.stale.get(n.id);
      if (stale) {
        n.state = 'changed';
        n.changes = [stale];
      }
    }
    const msg: PipelineHostMessage = { type: 'graph', layout: layoutDag(json), running: [...this.host.running] };
    this.lastPosted = msg;
    await this.panel.webview.postMessage(msg);
  }
}
