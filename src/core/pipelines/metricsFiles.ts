import fs from 'node:fs';
import path from 'node:path';
import { mlflowKey } from '../exec/dvclive';
import { readParamsFile } from './params';
import { PyFloat, isPyMap, type PyValue } from './pyvalue';

export interface MetricPoint {
  key: string;
  value: number;
  step: number;
}

function leaves(v: PyValue, prefix: string, out: MetricPoint[]): void {
  if (v instanceof PyFloat || typeof v === 'number') out.push({ key: mlflowKey(prefix), value: Number(v), step: 0 });
  else if (typeof v === 'boolean') out.push({ key: mlflowKey(prefix), value: v ? 1 : 0, step: 0 });
  else if (isPyMap(v)) for (const [k, x] of Object.entries(v)) leaves(x, prefix ? `${prefix}/${k}` : k, out);
}

function tsvPoints(text: string, sep: string): MetricPoint[] {
  const lines = text.split(/\r?\n/).filter((l) => l.length);
  if (lines.length < 2) return [];
  const head = lines[0].split(sep);
  const stepCol = head.indexOf('step');
  const out: MetricPoint[] = [];
  lines.slice(1).forEach((line, i) => {
    const cells = line.split(sep);
    const step = stepCol >= 0 ? Number(cells[stepCol]) : i;
    head.forEach((h, c) => {
      if (c === stepCol || h === 'timestamp') return;
      const v = Number(cells[c]);
      if (cells[c] !== undefined && cells[c] !== '' && !Number.isNaN(v)) out.push({ key: mlflowKey(h), value: v, step: Number.isFinite(step) ? step : i });
    });
  });
  return out;
}

/** The numbers in a metrics file: JSON/YAML leaves (nested keys joined by `/`), or TSV/CSV columns per row. */
export function readMetricsFile(abs: string): MetricPoint[] {
  const ext = path.extname(abs).toLowerCase();
  if (ext === '.tsv' || ext === '.csv') return tsvPoints(fs.readFileSync(abs, 'utf8'), ext === '.tsv' ? '\t' : ',');
  const v = readParamsFile(abs);
  const out: MetricPoint[] = [];
  if (v) leaves(v, '', out);
  return out;
}
