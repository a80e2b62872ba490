import { formatDuration as formatMs, formatNumber } from '../core/format';

/** Plain-text tables for the terminal. */
export function table(headers: string[], rows: (string | number | undefined)[][]): string {
  const cells = rows.map((r) => r.map((c) => (c === undefined ? '' : String(c))));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => r[i].length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => c.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}

export function formatTime(ms: number | undefined | null): string {
  if (ms === undefined || ms === null) return '';
  return new Date(ms)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, 'Z');
}

/** The duration between two times (core formatter); '' while a run has not ended. */
export function formatDuration(start: number, end?: number | null): string {
  return end ? formatMs(end - start) : '';
}

export { formatNumber };

/** JSON that keeps NaN and ±Infinity readable (as MLflow's protobuf JSON does: "NaN", "Infinity"). */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? (Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity') : v), 2);
}

/** Colours and styles only on a terminal, never when NO_COLOR is set (https://no-color.org) or TERM is dumb. */
export function useColour(stream: { isTTY?: boolean }): boolean {
  if (process.env.NO_COLOR) return false;
  if (process.env.FORCE_COLOR && process.env.FORCE_COLOR !== '0') return true;
  return !!stream.isTTY && process.env.TERM !== 'dumb';
}

// SGR sequences (colours, bold, dim): ESC [ params m.
const SGR = /\x1b\[[0-9;]*m/g;

/** `text` as it should be written to `stream`: SGR sequences removed where colours are off. */
export function forStream(stream: { isTTY?: boolean }, text: string): string {
  return useColour(stream) ? text : text.replace(SGR, '');
}
