import fs from 'node:fs';
import * as vscode from 'vscode';
import { openStore, Store } from '../../core/openStore';
import type { ChangeBatch } from '../../core/store/changes';
import { CorruptStoreFile, StoreLocked } from '../../core/errors';
import type { DisposableStore } from '../shared/disposables';

/**
 * Holds the workspace store for the window. The window owns the store when it can; when another window or
 * `mlops server` owns it, this window follows read-only and reloads when the owner's journal grows. A
 * workspace without a store gets one only when the user does something that writes.
 */
export class StoreHost {
  private current: Store | undefined;
  private opening: Promise<Store> | undefined;
  private follower: fs.FSWatcher | undefined;
  private reloadTimer: NodeJS.Timeout | undefined;
  private storeListener: { dispose(): void } | undefined;
  private readonly emitter = new vscode.EventEmitter<ChangeBatch | undefined>();
  /** Fires with the store's own change batches, or undefined when the whole store was (re)loaded. */
  readonly onDidChange = this.emitter.event;

  constructor(
    readonly workspace: string,
    private readonly output: vscode.LogOutputChannel,
    owner: DisposableStore,
  ) {
    owner.add({ dispose: () => this.dispose() });
  }

  get store(): Store | undefined {
    return this.current;
  }

  get readOnly(): boolean {
    return !!this.current?.isReadOnly;
  }

  /** Opens an existing store (never creates one). */
  async openIfExists(): Promise<Store | undefined> {
    if (this.current) return this.current;
    if (!Store.exists(this.workspace)) return undefined;
    return this.ensure();
  }

  /** The store, created when missing. Writes need an owned store: followers get a clear refusal. */
  async ensure(): Promise<Store> {
    if (this.current) return this.current;
    if (!this.opening) this.opening = this.open().finally(() => (this.opening = undefined));
    return this.opening;
  }

  async writable(): Promise<Store> {
    const s = await this.ensure();
    if (s.isReadOnly) {
      throw new Error("another window or `mlops server` owns this workspace's store; make changes there (this window follows it read-only)");
    }
    return s;
  }

  private async open(): Promise<Store> {
    let store: Store;
    try {
      store = await openStore(this.workspace, { lockWaitMs: 500 });
    } catch (e) {
      if (e instanceof StoreLocked) {
        this.output.info(`store owned by pid ${e.ownerPid}; following it read-only`);
        store = await openStore(this.workspace, { readOnly: true });
        this.follow();
      } else if (e instanceof CorruptStoreFile) {
        const choice = await vscode.window.showErrorMessage(
          `MLOps: the store is damaged: ${e.message}`,
          { modal: false },
          'Recover (keep a copy of the damaged file)',
        );
        if (!choice) throw e;
        store = await openStore(this.workspace, { recover: true });
        void vscode.window.showWarningMessage(`MLOps recovered the store: ${store.report.notes.join('; ')}`);
      } else {
        throw e;
      }
    }
    for (const n of store.report.notes) this.output.warn(`store: ${n}`);
    this.attach(store);
    return store;
  }

  private attach(store: Store) {
    this.storeListener?.dispose();
    this.current = store;
    this.storeListener = store.onDidChange((b) => this.emitter.fire(b));
    this.emitter.fire(undefined);
  }

  private follow() {
    if (this.follower) return;
    try {
      this.follower = fs.watch(Store.dirOf(this.workspace), (event, name) => {
        // The owner touches its lock every few seconds (OwnerLock.renew): that changes nothing in the store.
        if (event === 'change' && String(name) === 'store.lock') return;
        if (this.reloadTimer) clearTimeout(this.reloadTimer);
        this.reloadTimer = setTimeout(() => void this.reloadFollower(), 400);
      });
    } catch (e) {
      this.output.warn(`cannot watch the store for changes: ${(e as Error).message}`);
    }
  }

  private async reloadFollower() {
    const old = this.current;
    try {
      // The owner may have gone: then this window becomes the owner.
      let next: Store;
      try {
        next = await openStore(this.workspace);
        this.follower?.close();
        this.follower = undefined;
        this.output.info('the previous owner of the store is gone; this window owns it now');
      } catch (e) {
        if (!(e instanceof StoreLocked)) throw e;
        next = await openStore(this.workspace, { readOnly: true });
      }
      old?.close();
      this.attach(next);
    } catch (e) {
      this.output.warn(`reloading the store failed: ${(e as Error).message}`);
    }
  }

  dispose() {
    if (this.reloadTimer) clearTimeout(this.reloadTimer);
    this.follower?.close();
    this.storeListener?.dispose();
    this.current?.close();
    this.current = undefined;
    this.emitter.dispose();
  }
}
