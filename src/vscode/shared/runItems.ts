import * as vscode from 'vscode';

/** A run's status as an icon and its colour, the same in every tree that lists runs. */
export const RUN_STATUS_ICONS: Record<string, [string, string | undefined]> = {
  RUNNING: ['sync~spin', 'charts.blue'],
  SCHEDULED: ['clock', undefined],
  FINISHED: ['pass', 'testing.iconPassed'],
  FAILED: ['error', 'testing.iconFailed'],
  KILLED: ['circle-slash', 'disabledForeground'],
};

/** Runs listed per page before "Show more…" (mlops.tree.pageSize). */
export function runPageSize(): number {
  return Math.max(10, vscode.workspace.getConfiguration('mlops').get<number>('tree.pageSize', 200));
}

/** The metrics shown beside a run, in order of preference (mlops.keyMetric). */
export function keyMetricSetting(): string[] {
  const v = vscode.workspace.getConfiguration('mlops').get<string | string[]>('keyMetric', []);
  return Array.isArray(v) ? v : v ? [v] : [];
}
