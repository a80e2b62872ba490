/**
 * Exports: the runs table as CSV and any chart as PNG, handed to the host as `saveFile` messages (the host
 * asks where to save and answers `saved`).
 */
import type { Model } from './state';
import { cellText, tableRows, visibleColumns } from './table';

/** One CSV field (RFC 4180 quoting). Text that a spreadsheet would run as a formula is prefixed with '. */
export function csvField(s: string): string {
  let v = s;
  if (/^[=+\-@\t\r]/.test(v) && !Number.isFinite(Number(v))) v = `'${v}`;
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

export function toCsv(header: string[], rows: string[][]): string {
  return [header, ...rows].map((r) => r.map(csvField).join(',')).join('\r\n') + '\r\n';
}

/** The table as shown: its rows (brushed, sorted) and visible columns, plus the run id. */
export function tableCsv(model: Model): string {
  const cols = visibleColumns(model);
  const header = ['run_id', ...cols.map((c) => (c.group === 'run' ? c.id : c.id))];
  const rows = tableRows(model).map((r) => [r.runId, ...cols.map((c) => (c.group === 'metrics' ? String(r.metrics[c.label] ?? '') : cellText(r, c.id)))]);
  return toCsv(header, rows);
}

export function saveCsv(model: Model): void {
  model.post({ type: 'saveFile', requestId: model.requestId(), kind: 'csv', suggestedName: 'runs.csv', text: tableCsv(model) });
}

export function dataUrlToBytes(url: string): ArrayBuffer {
  const b64 = url.slice(url.indexOf(',') + 1);
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out.buffer;
}

/** PNG bytes of a canvas drawn over a solid background (a chart canvas itself is transparent). */
export interface PngDecorations {
  /** drawn above the chart (the metric) */
  title?: string;
  /** drawn below the chart: a colour chip and the name of each run */
  legend?: { name: string; color: string }[];
  /** text colour and font family (the theme's) */
  color?: string;
  fontFamily?: string;
}

/**
 * A chart canvas as PNG bytes on the theme's background, with the title above it and a legend of the runs
 * below it (wrapped to the chart's width), so an exported image says what it shows.
 */
export async function canvasPng(src: HTMLCanvasElement, background: string, deco: PngDecorations = {}): Promise<ArrayBuffer> {
  const scale = src.width / Math.max(1, src.clientWidth || src.width);
  const font = (px: number, weight = '') => `${weight} ${Math.round(px * scale)}px ${deco.fontFamily ?? 'sans-serif'}`.trim();
  const measure = document.createElement('canvas').getContext('2d')!;
  measure.font = font(12);
  const pad = 8 * scale;
  const line = 18 * scale;
  const chip = 10 * scale;
  // Legend rows: entries placed left to right, wrapped at the chart's width.
  const rows: { name: string; color: string; x: number }[][] = [];
  let x = pad;
  for (const e of deco.legend ?? []) {
    const w = chip + 6 * scale + measure.measureText(e.name).width + 16 * scale;
    if (!rows.length || (x + w > src.width - pad && x > pad)) {
      rows.push([]);
      x = pad;
    }
    rows[rows.length - 1].push({ ...e, x });
    x += w;
  }
  const top = deco.title ? line + 2 * pad : 0;
  const bottom = rows.length ? rows.length * line + pad : 0;
  const c = document.createElement('canvas');
  c.width = src.width;
  c.height = src.height + top + bottom;
  const ctx = c.getContext('2d')!;
  ctx.fillStyle = background;
  ctx.fillRect(0, 0, c.width, c.height);
  ctx.textBaseline = 'middle';
  ctx.fillStyle = deco.color ?? '#888888';
  if (deco.title) {
    ctx.font = font(14, 'bold');
    ctx.fillText(deco.title, pad, pad + line / 2);
  }
  ctx.drawImage(src, 0, top);
  ctx.font = font(12);
  rows.forEach((row, i) => {
    const y = top + src.height + i * line + line / 2;
    for (const e of row) {
      ctx.fillStyle = e.color;
      ctx.fillRect(e.x, y - chip / 2, chip, chip);
      ctx.fillStyle = deco.color ?? '#888888';
      ctx.fillText(e.name, e.x + chip + 6 * scale, y);
    }
  });
  const blob = await new Promise<Blob | null>((resolve) => c.toBlob(resolve, 'image/png'));
  if (!blob) throw new Error('could not encode the chart as PNG');
  return blob.arrayBuffer();
}

export function savePng(model: Model, name: string, bytes: ArrayBuffer): void {
  const safe = name.replace(/[^\w.-]+/g, '_').slice(0, 80) || 'chart';
  model.post({ type: 'saveFile', requestId: model.requestId(), kind: 'png', suggestedName: `${safe}.png`, bytes });
}
