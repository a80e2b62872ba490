import type { TrackingBackend } from '../backend/types';
import { InvalidParameter, NotFound } from '../errors';
import { diffColumns, type DiffableRun } from '../compare/diff';
import { runColor } from '../compare/compareRun';
import type { PromoteDecision } from './promote';
import { historySvg, sparkline } from './svgChart';

/** One run of a report, with what the tables and charts need. */
export interface ReportRun {
  runId: string;
  runName: string;
  status: string;
  startTime: number;
  /** A label for the run's role, e.g. "candidate" or "@champion (v3)". */
  role?: string;
  params: Record<string, string>;
  metrics: Record<string, number>;
  data: Record<string, string>;
}

export interface Report {
  title: string;
  runs: ReportRun[];
  /** Only what differs between the runs. */
  params: string[];
  metrics: string[];
  /** Dataset names whose digest differs (or is missing) between the runs. */
  data: string[];
  /** History charts: one per metric with more than one point in some run. */
  charts: { metric: string; file: string; svg: string; sparklines: Record<string, string> }[];
  decision?: PromoteDecision;
}

export interface ReportOptions {
  /** Runs to compare (ids or unique prefixes), the first is the baseline. */
  runIds?: string[];
  /** Compare against the version this alias points at ("NAME@ALIAS"), as the first run. */
  vs?: string;
  /** The promotion decision to show at the top. */
  decision?: PromoteDecision;
  title?: string;
  /** At most this many history charts (default 8). */
  maxCharts?: number;
}

function record(kvs: { key: string; value: string }[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const kv of kvs) out[kv.key] = kv.value;
  return out;
}

async function loadRun(b: TrackingBackend, id: string, role?: string): Promise<ReportRun> {
  const run = await b.resolveRun(id);
  const metrics: Record<string, number> = {};
  for (const m of run.data.metrics) metrics[m.key] = m.value;
  const data: Record<string, string> = {};
  for (const d of run.inputs.dataset_inputs) data[d.dataset.name] = d.dataset.digest;
  return {
    runId: run.info.run_id,
    runName: run.info.run_name,
    status: run.info.status,
    startTime: run.info.start_time,
    role,
    params: record(run.data.params),
    metrics,
    data,
  };
}

async function aliasTarget(b: TrackingBackend, spec: string): Promise<{ runId: string; role: string }> {
  const m = /^(.+)@([\w-]+)$/.exec(spec.replace(/^models:\//, ''));
  if (!m) throw new InvalidParameter(`--vs takes NAME@ALIAS (e.g. my-model@champion), not "${spec}"`, 'vs');
  const mv = await b.modelVersionByAlias(m[1], m[2]);
  if (!mv) throw new NotFound(`${m[1]} has no version @${m[2]} on ${b.location}`);
  if (!mv.run_id) throw new NotFound(`${m[1]}@${m[2]} (version ${mv.version}) records no source run`);
  return { runId: mv.run_id, role: `@${m[2]} (v${mv.version})` };
}

function seriesOf(points: { step: number; value: number; timestamp: number }[]): { steps: number[]; values: number[] } {
  const sorted = [...points].sort((x, y) => x.step - y.step || x.timestamp - y.timestamp);
  return { steps: sorted.map((p) => p.step), values: sorted.map((p) => p.value) };
}

function safeFileName(s: string): string {
  return s.replace(/[^\w.-]+/g, '_').slice(0, 80) || 'metric';
}

/** Builds a comparison report of runs: the differences only, plus history charts of their metrics. */
export async function buildReport(b: TrackingBackend, o: ReportOptions): Promise<Report> {
  const specs: { id: string; role?: string }[] = [];
  const d = o.decision;
  if (o.vs) {
    const t = await aliasTarget(b, o.vs);
    specs.push({ id: t.runId, role: t.role });
  } else if (d?.champion?.runId) {
    specs.push({ id: d.champion.runId, role: `@${d.alias} (v${d.champion.version})` });
  }
  for (const id of o.runIds ?? []) specs.push({ id });
  if (d && !specs.some((s) => s.id === d.candidate.runId)) specs.push({ id: d.candidate.runId, role: `candidate (v${d.candidate.version})` });
  if (!specs.length) throw new InvalidParameter('name the runs to report on (--runs A B …), or --vs NAME@ALIAS with --runs', 'runs');
  const seen = new Set<string>();
  const runs: ReportRun[] = [];
  for (const s of specs) {
    const r = await loadRun(b, s.id, s.role);
    if (seen.has(r.runId)) continue;
    seen.add(r.runId);
    runs.push(r);
  }
  const diffable: DiffableRun[] = runs.map((r) => ({ params: r.params, metrics: r.metrics, tags: {} }));
  const cols = runs.length > 1 ? diffColumns(diffable) : { params: Object.keys(runs[0].params).sort(), metrics: Object.keys(runs[0].metrics).sort(), tags: [] };
  const dataNames = [...new Set(runs.flatMap((r) => Object.keys(r.data)))].sort();
  const data = runs.length > 1 ? dataNames.filter((n) => runs.some((r) => r.data[n] !== runs[0].data[n])) : dataNames;
  const charts: Report['charts'] = [];
  const keys = [...new Set(runs.flatMap((r) => Object.keys(r.metrics)))].sort();
  const preferred = d ? [d.metric, ...keys.filter((k) => k !== d.metric)] : keys;
  for (const key of preferred) {
    if (charts.length >= (o.maxCharts ?? 8)) break;
    const histories: { r: ReportRun; h?: { steps: number[]; values: number[] } }[] = [];
    for (const r of runs) histories.push({ r, h: r.metrics[key] === undefined ? undefined : seriesOf(await b.metricHistory(r.runId, key)) });
    if (!histories.some((x) => x.h && x.h.values.length > 1)) continue;
    const lines = histories.flatMap((x, i) =>
      x.h ? [{ label: x.r.role ? `${x.r.runName} ${x.r.role}` : x.r.runName, color: runColor(i), steps: x.h.steps, values: x.h.values }] : [],
    );
    const sparklines: Record<string, string> = {};
    for (const x of histories) if (x.h) sparklines[x.r.runId] = sparkline(x.h.values);
    charts.push({ metric: key, file: `${safeFileName(key)}.svg`, svg: historySvg(key, lines), sparklines });
  }
  const title =
    o.title ?? (d ? `Model ${d.name}: ${d.promoted ? 'promoted' : 'not promoted'}` : `Comparison of ${runs.length} run${runs.length === 1 ? '' : 's'}`);
  return { title, runs, params: cols.params, metrics: cols.metrics, data, charts, decision: d };
}

/** Markdown-safe text: no raw HTML, links, emphasis or table breaks from names or values. */
export function mdText(s: string): string {
  return s
    .replace(/[\\`*_[\]|~]/g, (c) => `\\${c}`)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\r?\n/g, ' ');
}

function num(v: number | undefined): string {
  if (v === undefined) return '';
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '+Inf' : '-Inf';
  return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(6)));
}

function head(runs: ReportRun[]): string[] {
  return [`| | ${runs.map((r) => `${mdText(r.runName)}${r.role ? ` ${mdText(r.role)}` : ''}`).join(' | ')} |`, `|---|${runs.map(() => '---').join('|')}|`];
}

/** The report as GitHub-flavoured Markdown; charts are linked as `chartsDir/<file>` (write them there). */
export function reportMarkdown(r: Report, chartsDir = 'charts'): string {
  const out: string[] = [`## ${mdText(r.title)}`, ''];
  const d = r.decision;
  if (d) {
    out.push(`${d.promoted ? '✅' : '⏸️'} ${mdText(d.summary)}`, '');
    if (d.dataWarning) out.push(`> ⚠️ ${mdText(d.dataWarning)}`, '');
  }
  out.push(
    ...head(r.runs),
    `| run id | ${r.runs.map((x) => `\`${x.runId.slice(0, 12)}\``).join(' | ')} |`,
    `| status | ${r.runs.map((x) => x.status).join(' | ')} |`,
    '',
  );
  if (r.metrics.length) {
    out.push('### Metrics that differ', '', ...head(r.runs));
    for (const k of r.metrics) {
      const base = r.runs[0].metrics[k];
      const cells = r.runs.map((x, i) => {
        const v = x.metrics[k];
        if (i === 0 || v === undefined || base === undefined || !Number.isFinite(v - base)) return num(v);
        const delta = v - base;
        return `${num(v)} (${delta >= 0 ? '+' : ''}${num(delta)})`;
      });
      out.push(`| ${mdText(k)} | ${cells.join(' | ')} |`);
    }
    out.push('');
  } else if (r.runs.length > 1) out.push('No metric differs.', '');
  if (r.params.length) {
    out.push('### Parameters that differ', '', ...head(r.runs));
    for (const k of r.params)
      out.push(`| ${mdText(k)} | ${r.runs.map((x) => (x.params[k] === undefined ? '' : `\`${x.params[k].replace(/`/g, "'").slice(0, 60)}\``)).join(' | ')} |`);
    out.push('');
  } else if (r.runs.length > 1) out.push('No parameter differs.', '');
  if (r.data.length) {
    out.push('### Data that changed', '', ...head(r.runs));
    for (const k of r.data) out.push(`| ${mdText(k)} | ${r.runs.map((x) => (x.data[k] ? `\`${x.data[k].slice(0, 12)}\`` : 'absent')).join(' | ')} |`);
    out.push('');
  }
  if (r.charts.length) {
    out.push('### Histories', '');
    for (const c of r.charts) {
      out.push(
        `**${mdText(c.metric)}** ${r.runs
          .map((x) => (c.sparklines[x.runId] ? `${mdText(x.runName)} \`${c.sparklines[x.runId]}\`` : ''))
          .filter(Boolean)
          .join(' · ')}`,
        '',
      );
      out.push(`![${mdText(c.metric)}](${chartsDir}/${encodeURIComponent(c.file)})`, '');
    }
  }
  return out.join('\n');
}

/** The report as JSON (charts without their SVG text). */
export function reportJson(r: Report): unknown {
  return { ...r, charts: r.charts.map(({ svg: _svg, ...c }) => c) };
}
