import type * as vscode from 'vscode';

/**
 * An owner of disposables. Things are disposed in reverse order of creation; adding to an owner that is
 * already disposed disposes the newcomer at once.
 */
export class DisposableStore implements vscode.Disposable {
  private items: { dispose(): unknown }[] = [];
  private disposed = false;

  add<T extends { dispose(): unknown }>(d: T): T {
    if (this.disposed) d.dispose();
    else this.items.push(d);
    return d;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const d of this.items.splice(0).reverse()) {
      try {
        d.dispose();
      } catch {
        // keep disposing the rest
      }
    }
  }
}
