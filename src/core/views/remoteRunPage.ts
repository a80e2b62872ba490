import { formatDuration, formatNumber } from '../format';
import { escapeMarkdown } from '../markdown';
import type { FileInfo } from '../server/artifactStore';
import type { Run } from '../tracking/types';

// In a table cell a line break would end the row: names and values go on one line.
const esc = (s: string) => escapeMarkdown(s).replace(/\n/g, ' ');

/**
 * A team server's run as a read-only Markdown page: what it is, where it ran, its params, latest metrics, tags
 * and top-level artifacts. Every value from the server is escaped: nothing in it becomes a link or markup.
 */
export function remoteRunMarkdown(o: { run: Run; experiment: string; server: string; artifacts: FileInfo[]; now?: number }): string {
  const { run, experiment, server, artifacts } = o;
  const i = run.info;
  const tags = Object.fromEntries(run.data.tags.map((t) => [t.key, t.value]));
  const name = i.run_name || tags['mlflow.runName'] || i.run_id;
  const start = Number(i.start_time ?? 0);
  const end = i.end_time == null ? undefined : Number(i.end_time);
  const out: string[] = [`# ${esc(name)}`, ''];
  const facts = [
    `**Status** ${esc(i.status)}`,
    `**Experiment** ${esc(experiment)}`,
    `**Server** ${esc(server)}`,
    `**Run ID** ${esc(i.run_id)}`,
    start ? `**Started** ${esc(new Date(start).toISOString().replace('T', ' ').slice(0, 19))} UTC` : '',
    end && start
      ? `**Duration** ${esc(formatDuration(end - start))}`
      : i.status === 'RUNNING' && start
        ? `**Running for** ${esc(formatDuration((o.now ?? Date.now()) - start))}`
        : '',
    i.user_id ? `**User** ${esc(i.user_id)}` : '',
    tags['mlflow.source.git.commit'] ? `**Commit** ${esc(tags['mlflow.source.git.commit'])}` : '',
    tags['mlops.source_run_id'] ? `**Published from local run** ${esc(tags['mlops.source_run_id'])}` : '',
  ].filter(Boolean);
  out.push(facts.join('  \n'), '');
  const table = (title: string, head: [string, string], rows: [string, string][]) => {
    if (!rows.length) return;
    out.push(`## ${title}`, '', `| ${head[0]} | ${head[1]} |`, '|---|---|', ...rows.map(([k, v]) => `| ${esc(k)} | ${esc(v)} |`), '');
  };
  const byKey = <T extends { key: string }>(xs: T[]) => [...xs].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  table(
    'Params',
    ['Name', 'Value'],
    byKey(run.data.params).map((p) => [p.key, p.value]),
  );
  table(
    'Metrics',
    ['Name', 'Latest'],
    byKey(run.data.metrics).map((m) => [m.key, `${formatNumber(m.value, 6)} (step ${m.step})`]),
  );
  table(
    'Tags',
    ['Name', 'Value'],
    byKey(run.data.tags.filter((t) => !t.key.startsWith('mlflow.') || t.key === 'mlflow.note.content')).map((t) => [t.key, t.value]),
  );
  const inputs = run.inputs?.dataset_inputs ?? [];
  if (inputs.length) {
    out.push(
      '## Datasets',
      '',
      ...inputs.map((d) => `- ${esc(d.dataset.name)} ${esc(d.dataset.digest)}${d.dataset.source ? ` from ${esc(d.dataset.source)}` : ''}`),
      '',
    );
  }
  if (artifacts.length) {
    out.push('## Artifacts', '', ...artifacts.map((a) => `- ${esc(a.path)}${a.is_dir ? '/' : a.file_size != null ? ` (${a.file_size} bytes)` : ''}`), '');
  }
  return out.join('\n');
}
