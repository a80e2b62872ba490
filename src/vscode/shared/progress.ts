import * as vscode from 'vscode';
import type { Progress } from '../../core/data';

function mb(n: number) {
  return n >= 1e9 ? `${(n / 1e9).toFixed(1)} GB` : n >= 1e6 ? `${(n / 1e6).toFixed(1)} MB` : `${Math.round(n / 1e3)} kB`;
}

/**
 * Runs a long core operation with a cancellable notification: the token becomes an AbortSignal and the
 * core's progress callbacks (files and bytes) become the message.
 */
export function withDataProgress<T>(title: string, fn: (opts: { signal: AbortSignal; onProgress: (p: Progress) => void }) => Promise<T>): Thenable<T> {
  return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, async (progress, token) => {
    const ac = new AbortController();
    const sub = token.onCancellationRequested(() => ac.abort());
    let lastPct = 0;
    try {
      return await fn({
        signal: ac.signal,
        onProgress: (p) => {
          const pct = p.totalBytes ? (100 * p.bytes) / p.totalBytes : p.totalFiles ? (100 * p.files) / p.totalFiles : 0;
          progress.report({
            message: `${p.phase}: ${p.files}/${p.totalFiles} files, ${mb(p.bytes)}${p.totalBytes ? ` of ${mb(p.totalBytes)}` : ''}`,
            increment: Math.max(0, pct - lastPct),
          });
          lastPct = Math.max(lastPct, pct);
        },
      });
    } finally {
      sub.dispose();
    }
  });
}
