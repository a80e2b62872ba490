import * as vscode from 'vscode';
import { connectionFromEnv, isServerUri, RemoteBackend, ServerError, type ConnectionOptions } from '../../core/backend';
import { teamLaunchTracker, type RunTracker, type TeamLaunch } from '../../core/launch';
import type { DisposableStore } from '../shared/disposables';
import { CommandIds } from '../commandIds';

export type TeamState =
  | { kind: 'none' }
  | { kind: 'invalid'; uri: string }
  | { kind: 'checking'; url: string }
  | { kind: 'online'; url: string; experiments: number }
  | { kind: 'offline'; url: string; reason: string }
  | { kind: 'unauthorized'; url: string; reason: string };

const POLL_MS = 60_000;

/**
 * The team's MLflow server named by the `mlops.tracking.uri` setting: its connection (the token from
 * SecretStorage, else MLflow's own MLFLOW_TRACKING_* variables), whether it answers, and a status-bar item that
 * says which backend is active. A token never goes to settings.
 */
export class TeamHost {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private remote: RemoteBackend | undefined;
  private remoteKey = '';
  private timer: NodeJS.Timeout | undefined;
  private readonly item: vscode.StatusBarItem;
  state: TeamState = { kind: 'none' };

  constructor(
    private readonly secrets: vscode.SecretStorage,
    private readonly output: vscode.LogOutputChannel,
    owner: DisposableStore,
  ) {
    owner.add(this.changed);
    this.item = owner.add(vscode.window.createStatusBarItem('mlops.team', vscode.StatusBarAlignment.Left, 49));
    this.item.name = 'MLOps Team Server';
    this.item.command = CommandIds.teamMenu;
    owner.add(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('mlops.tracking.uri')) void this.check();
      }),
    );
    // In Restricted Mode VS Code ignores a workspace's mlops.tracking.uri (restrictedConfigurations), so a
    // folder cannot send the user's credentials to a server of its choosing; trusting it reconnects.
    owner.add(vscode.workspace.onDidGrantWorkspaceTrust(() => void this.check()));
    owner.add(secrets.onDidChange((e) => e.key.startsWith('mlops.team.token') && void this.check()));
    owner.add({
      dispose: () => {
        if (this.timer) clearInterval(this.timer);
        void this.remote?.close();
      },
    });
    this.timer = setInterval(() => this.state.kind !== 'none' && void this.check(), POLL_MS);
    void this.check();
  }

  /** The configured URI, trimmed, or undefined. */
  configuredUri(): string | undefined {
    const v = vscode.workspace.getConfiguration('mlops').get<string>('tracking.uri', '').trim();
    return v || undefined;
  }

  private tokenKey(uri: string): string {
    try {
      return `mlops.team.token/${new URL(uri).origin}`;
    } catch {
      return 'mlops.team.token';
    }
  }

  async setToken(token: string | undefined): Promise<void> {
    const uri = this.configuredUri();
    if (!uri) throw new Error('set mlops.tracking.uri to the team MLflow server first');
    if (token) await this.secrets.store(this.tokenKey(uri), token);
    else await this.secrets.delete(this.tokenKey(uri));
  }

  async hasToken(): Promise<boolean> {
    const uri = this.configuredUri();
    return !!uri && !!(await this.secrets.get(this.tokenKey(uri)));
  }

  /** The configured server's connection options (the SecretStorage token over MLflow's variables), or undefined. */
  private async connectionOptions(): Promise<{ opts: ConnectionOptions; token?: string } | undefined> {
    const uri = this.configuredUri();
    if (!uri) return undefined;
    if (!isServerUri(uri)) throw new Error(`mlops.tracking.uri must be the http(s):// URL of an MLflow server, not "${uri}"`);
    const token = await this.secrets.get(this.tokenKey(uri));
    const opts = connectionFromEnv(uri);
    return { opts: { ...opts, auth: token ? { kind: 'bearer', token } : opts.auth }, token };
  }

  /** The team server's backend, or undefined when none is configured. Throws for a URI that is not http(s). */
  async backend(): Promise<RemoteBackend | undefined> {
    const c = await this.connectionOptions();
    if (!c) return undefined;
    const key = `${c.opts.uri}\n${c.token ?? ''}`;
    if (this.remote && this.remoteKey === key) return this.remote;
    await this.remote?.close();
    // The views ask often: one retry, so an unreachable server shows as such in seconds.
    this.remote = new RemoteBackend({ ...c.opts, retries: 1, backoffMs: 200 });
    this.remoteKey = key;
    return this.remote;
  }

  /** A connection of its own with the usual retries, for a publish or a launched run; the caller closes it. */
  async openBackend(): Promise<RemoteBackend | undefined> {
    const c = await this.connectionOptions();
    return c && new RemoteBackend(c.opts);
  }

  /** Asks the server whether it answers, and updates the status bar and the views. */
  async check(): Promise<TeamState> {
    const uri = this.configuredUri();
    let next: TeamState;
    if (!uri) next = { kind: 'none' };
    else if (!isServerUri(uri)) next = { kind: 'invalid', uri };
    else {
      const b = (await this.backend())!;
      if (this.state.kind === 'none' || this.state.kind === 'invalid') this.set({ kind: 'checking', url: b.location });
      try {
        next = { kind: 'online', url: b.location, experiments: (await b.listExperiments()).length };
      } catch (e) {
        const reason = (e as Error).message;
        next =
          e instanceof ServerError && (e.status === 401 || e.status === 403)
            ? { kind: 'unauthorized', url: b.location, reason }
            : { kind: 'offline', url: b.location, reason };
      }
    }
    const was = this.state;
    this.set(next);
    if (was.kind !== next.kind && next.kind !== 'none') this.output.info(`team server: ${describe(next)}`);
    return next;
  }

  private set(s: TeamState) {
    this.state = s;
    void vscode.commands.executeCommand('setContext', 'mlops.team', s.kind);
    this.updateItem();
    this.changed.fire();
  }

  private updateItem() {
    const s = this.state;
    if (s.kind === 'none') return this.item.hide();
    const host = 'url' in s ? safeHost(s.url) : s.uri;
    const icon = { invalid: '$(warning)', checking: '$(sync~spin)', online: '$(cloud)', offline: '$(cloud-offline)', unauthorized: '$(lock)' }[s.kind];
    this.item.text = `${icon} Team: ${host}${s.kind === 'offline' ? ' (offline)' : s.kind === 'unauthorized' ? ' (sign in)' : ''}`;
    const md = new vscode.MarkdownString();
    md.appendText(describe(s));
    if (s.kind === 'offline') md.appendText('\n\nRuns you launch log to the local store and wait to be published.');
    this.item.tooltip = md;
    this.item.backgroundColor = s.kind === 'offline' || s.kind === 'unauthorized' ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
    this.item.show();
  }

  /**
   * Where a run launched from the editor logs: the team server when configured and answering; else the local
   * tracker, the run marked to be published later (and the user told so). Undefined: no team server is set.
   */
  async launchTracker(local: () => Promise<RunTracker> | RunTracker): Promise<(TeamLaunch & { close(): Promise<void> }) | undefined> {
    const b = await this.openBackend();
    if (!b) return undefined;
    try {
      const chosen = await teamLaunchTracker(b, local);
      if (!chosen.offline) return { ...chosen, close: () => b.close() };
      await b.close();
      this.set({ kind: 'offline', url: b.location, reason: chosen.reason });
      void vscode.window.showWarningMessage(
        `The team server ${b.location} cannot be reached: the run logs to the local store and waits to be published ("MLOps: Publish Pending Runs").`,
      );
      return { ...chosen, close: async () => undefined };
    } catch (e) {
      await b.close();
      throw e;
    }
  }
}

function safeHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

export function describe(s: TeamState): string {
  switch (s.kind) {
    case 'none':
      return 'no team server (set mlops.tracking.uri)';
    case 'invalid':
      return `mlops.tracking.uri is not an http(s):// URL: ${s.uri}`;
    case 'checking':
      return `connecting to ${s.url}…`;
    case 'online':
      return `team server ${s.url}: ${s.experiments} experiment${s.experiments === 1 ? '' : 's'}`;
    case 'offline':
      return `team server ${s.url} unreachable: ${s.reason}`;
    case 'unauthorized':
      return `team server ${s.url} refused the credentials: ${s.reason}`;
  }
}
