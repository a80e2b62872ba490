/**
 * Messages between the deployment monitor panel and its webview. Dependency-free: both bundles import it.
 */
import type { DeploymentInfo } from '../core/serving/deployment';
import type { DeploymentStats } from '../core/serving/recorder';

export const MONITOR_VIEW_TYPE = 'mlops.deploymentMonitor';

export type MonitorHostMessage =
  | { type: 'update'; info: DeploymentInfo; stats: DeploymentStats; serving: boolean; problem?: string }
  | { type: 'done'; what: 'promoted' | 'exported' | 'stopped'; message: string }
  | { type: 'error'; message: string };

export type MonitorViewMessage = { type: 'ready' } | { type: 'promote' } | { type: 'exportCsv' } | { type: 'stop' } | { type: 'problem'; message: string };

export function isMonitorViewMessage(m: unknown): m is MonitorViewMessage {
  if (!m || typeof m !== 'object') return false;
  const t = (m as { type?: unknown }).type;
  if (t === 'problem') return typeof (m as { message?: unknown }).message === 'string' && (m as { message: string }).message.length < 10_000;
  return t === 'ready' || t === 'promote' || t === 'exportCsv' || t === 'stop';
}

/** The per-minute timeline as CSV (what "Export CSV" saves). */
export function timelineCsv(stats: DeploymentStats): string {
  const rows = ['minute_utc,requests,errors,mean_latency_ms,mean_prediction'];
  for (const [t, n, e, lat, pred] of stats.timeline) rows.push([new Date(t).toISOString(), n, e, lat.toFixed(3), pred === null ? '' : String(pred)].join(','));
  return `${rows.join('\n')}\n`;
}
