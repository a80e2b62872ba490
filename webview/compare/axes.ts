/**
 * Axis labels of the history charts: compact tick formatting (SI suffixes for large values, e-notation for
 * tiny ones, just enough decimals to tell neighbouring ticks apart) and axis sizes measured from the label
 * text, so labels like 2.25G or 1.5e-5 are never clipped by a fixed-width axis.
 */

const SI = ['', 'k', 'M', 'G', 'T', 'P', 'E'];

/** Fewest decimals (up to `max`) that write every value to within a small fraction of `step`. */
function decimalsFor(values: number[], step: number, max = 12): number {
  const tol = Math.abs(step) * 1e-4 || 1e-12;
  for (let d = 0; d <= max; d++) if (values.every((v) => Math.abs(Number(v.toFixed(d)) - v) <= tol)) return d;
  return max;
}

/** `v` in e-notation with a mantissa precise to `step` (at most 3 decimals): 1e-5, 2.5e-5, 1.2e9. */
function expo(v: number, step: number): string {
  if (v === 0) return '0';
  let e = Math.floor(Math.log10(Math.abs(v)));
  let m = v / 10 ** e;
  const d = step > 0 ? decimalsFor([m], step / 10 ** e, 3) : 2;
  let s = m.toFixed(d);
  if (Math.abs(Number(s)) >= 10) {
    e++;
    m /= 10;
    s = m.toFixed(d);
  }
  if (s.includes('.') && step <= 0) s = s.replace(/\.?0+$/, '');
  return `${s}e${e}`;
}

/** One value, compactly, to 3 significant digits (log-scale ticks, where each tick has its own magnitude). */
export function fmtCompact(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e21 || a < 1e-3) return expo(v, 0);
  if (a >= 1e5) {
    let k = Math.min(SI.length - 1, Math.floor(Math.log10(a) / 3));
    let m = Number((v / 10 ** (3 * k)).toPrecision(3));
    if (Math.abs(m) >= 1000 && k < SI.length - 1) {
      k++;
      m = Number((m / 1000).toPrecision(3));
    }
    return `${m}${SI[k]}`;
  }
  return String(Number(v.toPrecision(3)));
}

/**
 * Labels of linear-scale ticks: all in one unit (the magnitude of the largest tick), with the decimals the
 * tick increment needs. 2.2e9 → 2.2G, 0.00001 → 1e-5, 0.25 → 0.25; 0 is always "0"; null stays null (a
 * tick uPlot filtered out).
 */
export function tickLabels(splits: (number | null)[], incr?: number): (string | null)[] {
  const vals = splits.filter((v): v is number => v !== null && Number.isFinite(v));
  if (!vals.length) return splits.map((v) => (v === null ? null : String(v)));
  let step = incr !== undefined && Number.isFinite(incr) && incr > 0 ? incr : 0;
  if (!step) {
    const sorted = [...vals].sort((a, b) => a - b);
    for (let i = 1; i < sorted.length; i++) {
      const dd = sorted[i] - sorted[i - 1];
      if (dd > 0 && (!step || dd < step)) step = dd;
    }
  }
  const maxAbs = Math.max(...vals.map(Math.abs));
  if (!step) step = maxAbs || 1;
  const out = (f: (v: number) => string) => splits.map((v) => (v === null ? null : !Number.isFinite(v) ? String(v) : v === 0 ? '0' : f(v)));
  if (maxAbs >= 1e21 || (maxAbs > 0 && maxAbs < 1e-3)) return out((v) => expo(v, step));
  if (maxAbs >= 1e5) {
    const k = Math.min(SI.length - 1, Math.floor(Math.log10(maxAbs) / 3));
    const div = 10 ** (3 * k);
    const d = decimalsFor(
      vals.map((v) => v / div),
      step / div,
    );
    return out((v) => `${(v / div).toFixed(d)}${SI[k]}`);
  }
  const d = decimalsFor(vals, step);
  return out((v) => v.toFixed(d));
}

/**
 * Tick increments for the step axis: steps are integers, so ticks are 1, 2, 5, 10, 20, 25, 50… apart and never
 * fall between two steps (no 2.5 or 7.5 labels).
 */
export const STEP_INCRS: number[] = (() => {
  const out: number[] = [];
  for (let e = 0; e <= 15; e++) for (const m of [1, 2, 2.5, 5]) if (m * 10 ** e >= 1 && Number.isInteger(m * 10 ** e)) out.push(m * 10 ** e);
  return out;
})();

const pad2 = (n: number) => String(n).padStart(2, '0');

/**
 * Labels of the wall-time axis, one line each, as precise as the visible span needs: 14:03:07.250 within
 * 10 s, 14:03:07 within a day, 12-04 14:03 beyond. `span` is the visible range in ms.
 */
export function wallLabel(v: number, span: number): string {
  const d = new Date(v);
  const hms = `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`;
  if (span < 10_000) return `${hms}.${String(d.getMilliseconds()).padStart(3, '0')}`;
  if (span < 86_400_000) return hms;
  return `${pad2(d.getMonth() + 1)}-${pad2(d.getDate())} ${pad2(d.getHours())}:${pad2(d.getMinutes())}`;
}

/** A sample of the widest wall-time label for a span (for the minimum space between ticks). */
export function wallSample(span: number): string {
  return span < 10_000 ? '00:00:00.000' : span < 86_400_000 ? '00:00:00' : '00-00 00:00';
}

let measureCtx: CanvasRenderingContext2D | null | undefined;
const widths = new Map<string, number>();

/** Width in CSS px of `text` in the CSS `font` (the widest line of a multi-line label). */
export function textWidth(font: string, text: string): number {
  const key = `${font}\u0000${text}`;
  const hit = widths.get(key);
  if (hit !== undefined) return hit;
  if (measureCtx === undefined) measureCtx = document.createElement('canvas').getContext('2d');
  let w = 0;
  if (measureCtx) {
    measureCtx.font = font;
    for (const line of text.split('\n')) w = Math.max(w, measureCtx.measureText(line).width);
  } else w = text.length * 8;
  if (widths.size > 2000) widths.clear();
  widths.set(key, w);
  return w;
}

/** The widest of `labels` in `font` (nulls are ticks without a label). */
export function maxLabelWidth(font: string, labels: readonly (string | number | null)[] | null | undefined): number {
  let w = 0;
  for (const l of labels ?? []) if (l !== null && l !== '') w = Math.max(w, textWidth(font, String(l)));
  return w;
}

/** Lines of the tallest label (uPlot draws "\n" as a new line). */
export function maxLines(labels: readonly (string | number | null)[] | null | undefined): number {
  let n = 1;
  for (const l of labels ?? []) if (l !== null) n = Math.max(n, String(l).split('\n').length);
  return n;
}

/** uPlot's tick length and the gap between tick and label (its defaults, set explicitly on our axes). */
export const TICK_SIZE = 10;
export const TICK_GAP = 5;
/** room kept beyond the longest label */
export const LABEL_PAD = 6;
