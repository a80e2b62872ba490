import fs from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import { mirrorRuns } from '../../core/backend';
import { getRun } from '../../core/tracking';
import { ComparePanels, type ComparePanel } from '../compare/comparePanel';
import { StoreHost } from '../server/storeHost';
import type { DisposableStore } from '../shared/disposables';
import { withCancellableProgress } from '../shared/progress';
import type { TeamHost } from './teamHost';

export const TEAM_COMPARE_VIEW_TYPE = 'mlops.compareTeam';

/**
 * Compare panels over team runs: the runs are mirrored (whole histories, under the server's ids) into a store
 * of the extension's own, outside the workspace, and the same charts read it. While a compared run is still
 * running, it is mirrored again every poll, so its lines grow live.
 */
export class TeamCompare {
  readonly host: StoreHost;
  readonly panels: ComparePanels;
  private busy = false;

  constructor(
    private readonly team: TeamHost,
    storageDir: string,
    extensionUri: vscode.Uri,
    output: vscode.LogOutputChannel,
    owner: DisposableStore,
  ) {
    const dir = path.join(storageDir, 'team-cache');
    fs.mkdirSync(dir, { recursive: true });
    this.host = new StoreHost(dir, output, owner);
    this.panels = new ComparePanels(this.host, extensionUri, output, owner, { viewType: TEAM_COMPARE_VIEW_TYPE, title: 'Compare Team Runs' });
    const seconds = Math.max(2, vscode.workspace.getConfiguration('mlops').get<number>('team.pollSeconds', 10));
    const timer = setInterval(() => void this.follow().catch((e: Error) => output.warn(`team compare: ${e.message}`)), seconds * 1000);
    owner.add({ dispose: () => clearInterval(timer) });
  }

  /** Mirrors the runs (progress, cancel) and opens their compare panel. */
  async open(runIds: string[]): Promise<ComparePanel | undefined> {
    const remote = await this.team.openBackend();
    if (!remote) throw new Error('no team server: set mlops.tracking.uri');
    try {
      const store = await this.host.writable();
      const title = `Reading ${runIds.length} run${runIds.length === 1 ? '' : 's'} from ${remote.location}`;
      const done = await withCancellableProgress(title, async (p) => {
        await mirrorRuns(remote, store, runIds, { signal: p.signal, onProgress: (d, n) => p.report(`${d}/${n}`, d, n) });
        return !p.signal.aborted;
      });
      return done ? this.panels.open(runIds) : undefined;
    } finally {
      await remote.close();
    }
  }

  /** The compared runs still running, mirrored again: the panels append what is new. */
  async follow(): Promise<void> {
    const store = this.host.store;
    if (this.busy || !store || store.isReadOnly || this.team.state.kind !== 'online') return;
    const live = [...new Set(this.panels.list().flatMap((p) => [...p.runIds]))].filter((id) => {
      try {
        const s = getRun(store, id).info.status;
        return s === 'RUNNING' || s === 'SCHEDULED';
      } catch {
        return false;
      }
    });
    if (!live.length) return;
    this.busy = true;
    const remote = await this.team.openBackend();
    try {
      if (remote) await mirrorRuns(remote, store, live);
    } finally {
      this.busy = false;
      await remote?.close();
    }
  }
}
