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
export async function canvasPng(src: HTMLCanvasElement, background: string): Promise<ArrayBuffer> {
  const c = document.createElement('canvas');
  c.width = src.width;
  c.height = src.height;
  const ctx = c.getContext('2d')!;
  ctx.fillStyle = background;
  ctx.fillRect(0, 0, c.width, c.height);
  ctx.drawImage(src, 0, 0);
  const blob = await new Promise<Blob | null>((resolve) => c.toBlob(resolve, 'image/png'));
  if (!blob) throw new Error('could not encode the chart as PNG');
  return blob.arrayBuffer();
}

export function savePng(model: Model, name: string, bytes: ArrayBuffer): void {
  const safe = name.replace(/[^\w.-]+/g, '_').slice(0, 80) || 'chart';
  model.post({ type: 'saveFile', requestId: model.requestId(), kind: 'png', suggestedName: `${safe}.png`, bytes });
}
