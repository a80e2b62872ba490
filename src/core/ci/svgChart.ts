/**
 * A metric history chart as a standalone SVG file: what a CI report links from its Markdown (a job summary
 * or PR comment cannot run the compare webview's uPlot). One line per run, in the compare palette's order,
 * with a legend, a title and labelled axes. Points beyond the width are reduced to each pixel column's
 * min and max, so a 1M-point history stays a small file that still shows its spikes.
 */
export interface ChartLine {
  label: string;
  color: string;
  steps: ArrayLike<number>;
  values: ArrayLike<number>;
}

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** A compact tick label: integers as they are, others with 4 significant digits, large/small in e-notation. */
export function tickLabel(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e6 || a < 1e-3) return v.toExponential(1).replace('e+', 'e');
  return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(4)));
}

/** About `count` round tick values covering [lo, hi] (1, 2, 5 × 10^k steps). */
export function niceTicks(lo: number, hi: number, count = 5, integer = false): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  let step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  if (integer) step = Math.max(1, Math.round(step));
  const out: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) out.push(Number(t.toPrecision(12)));
  return out;
}

function reduce(line: ChartLine, x0: number, x1: number, width: number): [number, number][] {
  const n = line.steps.length;
  const pts: [number, number][] = [];
  if (n <= width * 2) {
    for (let i = 0; i < n; i++) if (Number.isFinite(line.values[i])) pts.push([line.steps[i], line.values[i]]);
    return pts;
  }
  const span = x1 - x0 || 1;
  let col = -1;
  let lo: [number, number] | undefined;
  let hi: [number, number] | undefined;
  const flush = () => {
    if (!lo || !hi) return;
    if (lo[0] <= hi[0]) pts.push(lo, hi);
    else pts.push(hi, lo);
  };
  for (let i = 0; i < n; i++) {
    const v = line.values[i];
    if (!Number.isFinite(v)) continue;
    const c = Math.floor(((line.steps[i] - x0) / span) * width);
    if (c !== col) {
      flush();
      col = c;
      lo = hi = [line.steps[i], v];
    } else {
      if (v < lo![1]) lo = [line.steps[i], v];
      if (v > hi![1]) hi = [line.steps[i], v];
    }
  }
  flush();
  return pts;
}

export function historySvg(title: string, lines: ChartLine[], opts: { width?: number; height?: number } = {}): string {
  const W = opts.width ?? 640;
  const H = opts.height ?? 320;
  const perRow = 2;
  const m = { left: 64, right: 16, top: 36, bottom: 44 + 18 * Math.ceil(lines.length / perRow) };
  const pw = W - m.left - m.right;
  const ph = H - m.top - m.bottom;
  let x0 = Infinity;
  let x1 = -Infinity;
  let y0 = Infinity;
  let y1 = -Infinity;
  let integerSteps = true;
  for (const l of lines) {
    for (let i = 0; i < l.steps.length; i++) {
      const s = l.steps[i];
      const v = l.values[i];
      if (!Number.isFinite(v)) continue;
      if (!Number.isInteger(s)) integerSteps = false;
      x0 = Math.min(x0, s);
      x1 = Math.max(x1, s);
      y0 = Math.min(y0, v);
      y1 = Math.max(y1, v);
    }
  }
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="system-ui, sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="#ffffff"/>`,
    `<text x="${W / 2}" y="20" text-anchor="middle" font-size="14" font-weight="600" fill="#1f2328">${esc(title)}</text>`,
  ];
  if (!Number.isFinite(x0)) {
    parts.push(`<text x="${W / 2}" y="${H / 2}" text-anchor="middle" fill="#59636e">no finite values</text></svg>`);
    return parts.join('\n');
  }
  if (x1 === x0) {
    x0 -= 1;
    x1 += 1;
  }
  if (y1 === y0) {
    const pad = Math.abs(y0) * 0.05 || 1;
    y0 -= pad;
    y1 += pad;
  }
  const sx = (x: number) => m.left + ((x - x0) / (x1 - x0)) * pw;
  const sy = (y: number) => m.top + ph - ((y - y0) / (y1 - y0)) * ph;
  parts.push(`<g stroke="#d1d9e0" stroke-width="1">`);
  for (const t of niceTicks(y0, y1)) parts.push(`<line x1="${m.left}" x2="${m.left + pw}" y1="${sy(t).toFixed(1)}" y2="${sy(t).toFixed(1)}"/>`);
  parts.push('</g>', `<g fill="#59636e">`);
  for (const t of niceTicks(y0, y1)) parts.push(`<text x="${m.left - 6}" y="${(sy(t) + 4).toFixed(1)}" text-anchor="end">${esc(tickLabel(t))}</text>`);
  for (const t of niceTicks(x0, x1, 6, integerSteps))
    parts.push(`<text x="${sx(t).toFixed(1)}" y="${m.top + ph + 16}" text-anchor="middle">${esc(tickLabel(t))}</text>`);
  parts.push(`<text x="${m.left + pw / 2}" y="${m.top + ph + 32}" text-anchor="middle">step</text>`, '</g>');
  parts.push(`<rect x="${m.left}" y="${m.top}" width="${pw}" height="${ph}" fill="none" stroke="#818b98"/>`);
  for (const l of lines) {
    const pts = reduce(l, x0, x1, pw);
    if (pts.length === 1) {
      parts.push(`<circle cx="${sx(pts[0][0]).toFixed(1)}" cy="${sy(pts[0][1]).toFixed(1)}" r="3" fill="${esc(l.color)}"/>`);
    } else if (pts.length > 1) {
      const d = pts.map(([x, y], i) => `${i ? 'L' : 'M'}${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join('');
      parts.push(`<path d="${d}" fill="none" stroke="${esc(l.color)}" stroke-width="1.5" stroke-linejoin="round"/>`);
    }
  }
  lines.forEach((l, i) => {
    const lx = m.left + (i % perRow) * Math.floor(pw / perRow);
    const ly = m.top + ph + 50 + Math.floor(i / perRow) * 18;
    const max = Math.floor((pw / perRow - 24) / 7);
    const label = l.label.length > max ? `${l.label.slice(0, max - 1)}…` : l.label;
    parts.push(
      `<rect x="${lx}" y="${ly - 9}" width="12" height="4" fill="${esc(l.color)}"/>`,
      `<text x="${lx + 18}" y="${ly - 3}" fill="#1f2328">${esc(label)}</text>`,
    );
  });
  parts.push('</svg>');
  return parts.join('\n');
}

/** A one-line Unicode sparkline of a history (for Markdown that cannot show images, e.g. a PR comment). */
export function sparkline(values: ArrayLike<number>, width = 24): string {
  const bars = '▁▂▃▄▅▆▇█';
  const finite: number[] = [];
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i])) finite.push(values[i]);
  if (!finite.length) return '';
  const cols: number[] = [];
  for (let c = 0; c < Math.min(width, finite.length); c++) {
    const a = Math.floor((c * finite.length) / Math.min(width, finite.length));
    const b = Math.max(a + 1, Math.floor(((c + 1) * finite.length) / Math.min(width, finite.length)));
    let s = 0;
    for (let i = a; i < b; i++) s += finite[i];
    cols.push(s / (b - a));
  }
  const lo = Math.min(...cols);
  const hi = Math.max(...cols);
  return cols.map((v) => bars[hi > lo ? Math.round(((v - lo) / (hi - lo)) * (bars.length - 1)) : 3]).join('');
}
