import type { ModelVersion } from '../registry/types';
import type { RunSummary } from '../tracking/runSummary';
import { formatDuration, formatNumber } from '../format';
import { PENDING_TAG, PUBLISHED_TAG } from '../backend/publish';

/** The metric shown beside a run: the configured one when the run has it, else the first of well-known names. */
export function keyMetricOf(run: RunSummary, preferred: string[]): string | undefined {
  for (const k of preferred) if (k in run.metrics) return k;
  for (const k of ['rmse', 'loss', 'val_loss', 'accuracy', 'acc', 'f1', 'mae', 'auc']) if (k in run.metrics) return k;
  return run.metricList[0]?.key;
}

export function runDescription(run: RunSummary, preferred: string[], now = Date.now()): string {
  const parts: string[] = [];
  const key = keyMetricOf(run, preferred);
  if (key) parts.push(`${key} ${formatNumber(run.metrics[key], 4)}`);
  if (run.status === 'RUNNING') parts.push(`running ${formatDuration(now - run.start_time)}`);
  else if (run.end_time) parts.push(formatDuration(run.end_time - run.start_time));
  if (run.lifecycle_stage === 'deleted') parts.push('deleted');
  // Where a local run stands with the team server.
  if (run.tags[PUBLISHED_TAG]) parts.push('published');
  else if (run.tags[PENDING_TAG]) parts.push('to publish');
  return parts.join(' · ');
}

function mdEscape(s: string): string {
  return s.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, '\\$&');
}

/** A Markdown tooltip: status, params, latest metrics, commit and duration. */
export function runTooltip(run: RunSummary, now = Date.now()): string {
  const lines = [`**${mdEscape(run.run_name)}** — ${run.status}${run.lifecycle_stage === 'deleted' ? ' (deleted)' : ''}`, ''];
  const dur = run.end_time ? formatDuration(run.end_time - run.start_time) : run.status === 'RUNNING' ? `${formatDuration(now - run.start_time)} so far` : '';
  lines.push(`Started ${new Date(run.start_time).toISOString().replace('T', ' ').slice(0, 19)}${dur ? ` · ${dur}` : ''}`);
  const commit = run.tags['mlflow.source.git.commit'];
  if (commit)
    lines.push(
      '',
      `Commit \`${commit.slice(0, 10)}\`${run.tags['mlflow.source.git.branch'] ? ` on ${mdEscape(run.tags['mlflow.source.git.branch'])}` : ''}${run.tags['mlops.git.dirty'] === 'true' ? ' (dirty)' : ''}`,
    );
  const table = (title: string, rows: [string, string][]) => {
    if (!rows.length) return;
    lines.push('', `| ${title} | |`, '|---|---|');
    for (const [k, v] of rows.slice(0, 15)) lines.push(`| ${mdEscape(k)} | ${mdEscape(v.length > 60 ? v.slice(0, 57) + '...' : v)} |`);
    if (rows.length > 15) lines.push(`| … ${rows.length - 15} more | |`);
  };
  table('Params', Object.entries(run.params));
  table(
    'Metrics',
    run.metricList.map((m) => [m.key, `${formatNumber(m.value)} (step ${m.step})`]),
  );
  lines.push('', `\`${run.run_id}\``);
  return lines.join('\n');
}

export function versionDescription(v: ModelVersion): string {
  const parts = v.aliases.map((a) => `@${a}`);
  if (v.current_stage !== 'None') parts.push(v.current_stage);
  if (v.status !== 'READY') parts.push(v.status);
  return parts.join(' · ');
}
