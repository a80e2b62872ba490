import * as vscode from 'vscode';
import type { Progress } from '../../core/data';
import { formatBytes } from '../../core/format';

/** What a long operation reports through: its cancellation as an AbortSignal, and progress as a message and a fraction. */
export interface ProgressSink {
  readonly signal: AbortSignal;
  /** A message, and when known how much of the whole is done (the bar only moves forward). */
  report(message: string, done?: number, total?: number): void;
}

/**
 * The one bridge from VS Code's cancellable notification to the core: the token becomes an AbortSignal (of
 * `controller` when the caller stops it by other means too), the subscription is disposed afterwards.
 */
export function withCancellableProgress<T>(
  title: string,
  fn: (p: ProgressSink) => Promise<T>,
  opts: { controller?: AbortController; abortReason?: () => unknown } = {},
): Thenable<T> {
  return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, async (progress, token) => {
    const ac = opts.controller ?? new AbortController();
    const sub = token.onCancellationRequested(() => ac.abort(opts.abortReason?.()));
    let lastPct = 0;
    try {
      return await fn({
        signal: ac.signal,
        report: (message, done, total) => {
          const pct = done !== undefined && total ? Math.min(100, (100 * done) / total) : lastPct;
          progress.report({ message, increment: Math.max(0, pct - lastPct) });
          lastPct = Math.max(lastPct, pct);
        },
      });
    } finally {
      sub.dispose();
    }
  });
}

/** A data operation (files and bytes) with a cancellable notification. */
export function withDataProgress<T>(title: string, fn: (opts: { signal: AbortSignal; onProgress: (p: Progress) => void }) => Promise<T>): Thenable<T> {
  return withCancellableProgress(title, (sink) =>
    fn({
      signal: sink.signal,
      onProgress: (p) =>
        sink.report(
          `${p.phase}: ${p.files}/${p.totalFiles} files, ${formatBytes(p.bytes)}${p.totalBytes ? ` of ${formatBytes(p.totalBytes)}` : ''}`,
          p.totalBytes ? p.bytes : p.files,
          p.totalBytes || p.totalFiles,
        ),
    }),
  );
}
