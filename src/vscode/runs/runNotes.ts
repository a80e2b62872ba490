import * as vscode from 'vscode';
import { getRun, setTag } from '../../core/tracking';
import type { DisposableStore } from '../shared/disposables';
import type { StoreHost } from '../server/storeHost';
import { tabTitle } from '../shared/titles';

export const NOTE_SCHEME = 'mlops-note';
const NOTE_TAG = 'mlflow.note.content';

/**
 * A run's note (the `mlflow.note.content` tag MLflow's UI shows as the run's description) as a Markdown
 * document: opened in a real editor, saved back to the run with Ctrl+S, reloaded when another process
 * changes it. The run id is the URI's query; the file name (the tab title) is the run's name.
 */
export class RunNotes implements vscode.FileSystemProvider {
  private readonly emitter = new vscode.EventEmitter<vscode.FileChangeEvent[]>();
  readonly onDidChangeFile = this.emitter.event;
  private readonly mtimes = new Map<string, number>();
  private readonly texts = new Map<string, string>();
  private readonly uris = new Map<string, vscode.Uri>();

  constructor(
    private readonly host: StoreHost,
    owner: DisposableStore,
  ) {
    owner.add(vscode.workspace.registerFileSystemProvider(NOTE_SCHEME, this, { isCaseSensitive: true }));
    owner.add(this.emitter);
    owner.add(
      host.onDidChange((batch) => {
        for (const [id, uri] of this.uris) {
          if (batch && !batch.all && !batch.runs.has(id)) continue;
          // Only once the editor has read the note: until then there is nothing to be out of date.
          const seen = this.texts.get(id);
          if (seen !== undefined && this.read(id) !== seen) {
            this.texts.set(id, this.read(id));
            this.touch(id);
            this.emitter.fire([{ type: vscode.FileChangeType.Changed, uri }]);
          }
        }
      }),
    );
  }

  static uri(runId: string, runName: string): vscode.Uri {
    return vscode.Uri.from({ scheme: NOTE_SCHEME, path: `/${tabTitle(runName, runId.slice(0, 8))} (note).md`, query: runId });
  }

  /** Opens the note of a run in an editor. */
  async edit(runId: string, runName: string): Promise<vscode.TextEditor> {
    return vscode.window.showTextDocument(RunNotes.uri(runId, runName), { preview: false });
  }

  private runId(uri: vscode.Uri): string {
    if (!uri.query) throw vscode.FileSystemError.FileNotFound(uri);
    return uri.query;
  }

  private read(runId: string): string {
    const store = this.host.store;
    if (!store) throw new Error('the store is not open yet');
    return getRun(store, runId).data.tags.find((t) => t.key === NOTE_TAG)?.value ?? '';
  }

  private touch(runId: string) {
    this.mtimes.set(runId, Math.max(Date.now(), (this.mtimes.get(runId) ?? 0) + 1));
  }

  watch(uri: vscode.Uri): vscode.Disposable {
    const id = this.runId(uri);
    this.uris.set(id, uri);
    return new vscode.Disposable(() => this.uris.delete(id));
  }

  stat(uri: vscode.Uri): vscode.FileStat {
    const id = this.runId(uri);
    let text: string;
    try {
      text = this.read(id);
    } catch {
      throw vscode.FileSystemError.FileNotFound(uri);
    }
    if (!this.mtimes.has(id)) this.touch(id);
    return { type: vscode.FileType.File, ctime: 0, mtime: this.mtimes.get(id)!, size: Buffer.byteLength(text) };
  }

  readFile(uri: vscode.Uri): Uint8Array {
    const id = this.runId(uri);
    let text: string;
    try {
      text = this.read(id);
    } catch {
      throw vscode.FileSystemError.FileNotFound(uri);
    }
    this.texts.set(id, text);
    return Buffer.from(text, 'utf8');
  }

  async writeFile(uri: vscode.Uri, content: Uint8Array): Promise<void> {
    const id = this.runId(uri);
    const text = Buffer.from(content).toString('utf8');
    const store = await this.host.writable();
    // Known before the store's change event, so our own save is not taken for a change from elsewhere.
    const before = this.texts.get(id);
    this.texts.set(id, text);
    try {
      setTag(store, id, NOTE_TAG, text);
    } catch (e) {
      if (before === undefined) this.texts.delete(id);
      else this.texts.set(id, before);
      throw e;
    }
    this.touch(id);
  }

  readDirectory(): [string, vscode.FileType][] {
    return [];
  }

  createDirectory(uri: vscode.Uri): void {
    throw vscode.FileSystemError.NoPermissions(uri);
  }

  delete(uri: vscode.Uri): void {
    throw vscode.FileSystemError.NoPermissions(uri);
  }

  rename(uri: vscode.Uri): void {
    throw vscode.FileSystemError.NoPermissions(uri);
  }
}
