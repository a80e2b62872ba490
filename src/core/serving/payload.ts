/**
 * What a scoring request carried and what it answered, reduced to what monitoring needs: the input columns
 * with their values (bounded), and the predictions as numbers or labels. Reads every input format MLflow's
 * scoring server takes: JSON `dataframe_split`, `dataframe_records`, `instances`, `inputs` (tensor or
 * column dict), and CSV. Never throws: a body it cannot read is summarised as such, the request still goes
 * through to the scoring server, which gives the user its own error.
 */

/** Rows of a request kept for drift and summaries; the rest is counted, not kept. */
export const MAX_ROWS = 1000;

export type Cell = number | string | boolean | null;

export interface InputSummary {
  format: 'dataframe_split' | 'dataframe_records' | 'instances' | 'inputs' | 'csv' | 'unknown';
  rows: number;
  /** Column name → values of the first MAX_ROWS rows (tensor inputs: "0", "1", ... per position). */
  columns: Record<string, Cell[]>;
  /** Why the body could not be read, when it could not. */
  problem?: string;
}

function cell(v: unknown): Cell {
  if (v === null || typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') return v;
  return v === undefined ? null : JSON.stringify(v);
}

function fromRows(rows: unknown[], names?: string[]): Record<string, Cell[]> {
  const cols: Record<string, Cell[]> = {};
  const kept = rows.slice(0, MAX_ROWS);
  kept.forEach((row, i) => {
    if (Array.isArray(row)) {
      row.forEach((v, j) => {
        const name = names?.[j] ?? String(j);
        (cols[name] ??= new Array(i).fill(null)).push(cell(v));
      });
    } else if (row && typeof row === 'object') {
      for (const [k, v] of Object.entries(row)) (cols[k] ??= new Array(i).fill(null)).push(cell(v));
    } else {
      (cols['0'] ??= new Array(i).fill(null)).push(cell(row));
    }
    for (const c of Object.values(cols)) while (c.length < i + 1) c.push(null);
  });
  return cols;
}

function fromColumnDict(d: Record<string, unknown>): { rows: number; columns: Record<string, Cell[]> } {
  const columns: Record<string, Cell[]> = {};
  let rows = 0;
  for (const [k, v] of Object.entries(d)) {
    const list = Array.isArray(v) ? v : [v];
    rows = Math.max(rows, list.length);
    columns[k] = list.slice(0, MAX_ROWS).map(cell);
  }
  return { rows, columns };
}

/** RFC 4180-ish CSV: quoted fields, doubled quotes, CRLF; the first line names the columns. */
export function parseCsv(text: string, maxRows = MAX_ROWS): { header: string[]; rows: string[][]; total: number } {
  const records: string[][] = [];
  let field = '';
  let rec: string[] = [];
  let quoted = false;
  let total = -1;
  const end = () => {
    rec.push(field);
    field = '';
    if (rec.length > 1 || rec[0] !== '') {
      total++;
      if (records.length <= maxRows) records.push(rec);
    }
    rec = [];
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      rec.push(field);
      field = '';
    } else if (c === '\n') end();
    else if (c !== '\r') field += c;
  }
  if (field !== '' || rec.length) end();
  const [header = [], ...rows] = records;
  return { header, rows, total: Math.max(0, total) };
}

function csvValue(s: string): Cell {
  if (s === '') return null;
  const n = Number(s);
  return Number.isFinite(n) && /^\s*[-+]?(\d|\.\d)/.test(s) ? n : s;
}

export function summariseInput(body: Buffer, contentType: string | undefined): InputSummary {
  const type = (contentType ?? '').split(';')[0].trim().toLowerCase();
  if (type === 'text/csv') {
    const { header, rows, total } = parseCsv(body.toString('utf8'));
    const columns: Record<string, Cell[]> = {};
    header.forEach((h, j) => (columns[h] = rows.map((r) => csvValue(r[j] ?? ''))));
    return { format: 'csv', rows: total, columns };
  }
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch (e) {
    return { format: 'unknown', rows: 0, columns: {}, problem: `not JSON: ${(e as Error).message}` };
  }
  if (!json || typeof json !== 'object' || Array.isArray(json))
    return { format: 'unknown', rows: 0, columns: {}, problem: 'expected a JSON object with dataframe_split, dataframe_records, instances or inputs' };
  const o = json as Record<string, unknown>;
  if (o.dataframe_split && typeof o.dataframe_split === 'object') {
    const s = o.dataframe_split as { columns?: unknown; data?: unknown };
    const data = Array.isArray(s.data) ? s.data : [];
    const names = Array.isArray(s.columns) ? s.columns.map(String) : undefined;
    return { format: 'dataframe_split', rows: data.length, columns: fromRows(data, names) };
  }
  if (Array.isArray(o.dataframe_records)) return { format: 'dataframe_records', rows: o.dataframe_records.length, columns: fromRows(o.dataframe_records) };
  for (const key of ['instances', 'inputs'] as const) {
    const v = o[key];
    if (Array.isArray(v)) return { format: key, rows: v.length, columns: fromRows(v) };
    if (v && typeof v === 'object') return { format: key, ...fromColumnDict(v as Record<string, unknown>) };
  }
  return {
    format: 'unknown',
    rows: 0,
    columns: {},
    problem: `no dataframe_split, dataframe_records, instances or inputs key (got ${Object.keys(o).slice(0, 5).join(', ') || 'none'})`,
  };
}

/** The predictions of a scoring response (`{"predictions": [...]}` or a bare list), flattened to scalars, bounded. */
export function predictionsOf(body: Buffer): Cell[] {
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    return [];
  }
  let p = json && typeof json === 'object' && !Array.isArray(json) && 'predictions' in json ? (json as Record<string, unknown>).predictions : json;
  // A column dict ({"y": [...]}, as some pyfunc models answer): its first column.
  if (p && typeof p === 'object' && !Array.isArray(p)) p = Object.values(p)[0];
  const list = Array.isArray(p) ? p : [p];
  const out: Cell[] = [];
  for (const v of list.slice(0, MAX_ROWS)) {
    // A row of several outputs (probabilities, multi-output regression): its first, what a chart plots.
    if (Array.isArray(v)) out.push(cell(v[0]));
    else if (v && typeof v === 'object') out.push(cell(Object.values(v)[0]));
    else out.push(cell(v));
  }
  return out;
}
