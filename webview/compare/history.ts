/**
 * Metric history charts (uPlot): one panel per metric key, every shown run overlaid (no cap on runs).
 * - x: step, wall time or time since the run's start; y linear or log.
 * - EMA smoothing: the smoothed line in the run's colour over the raw line drawn faint.
 * - Drag to zoom: the panel asks the host for the detail of the range (`requestSeries` with `range`) and
 *   replaces its data; double-click resets to the full history.
 * - Cursors are synced across panels; a tooltip names each run's value at the cursor.
 * - `append` adds points of running runs; redraws are coalesced to one per animation frame.
 */
import uPlot from 'uplot';
import { emaSmooth } from '../../src/core/compare/smooth';
import type { AppendMessage, CompareRun, SeriesData, SeriesMessage, XAxis } from '../../src/protocol/compare';
import { button, checkbox, clear, fmt, fmtDuration, h, labelled, select } from './dom';
import { LABEL_PAD, STEP_INCRS, TICK_GAP, TICK_SIZE, fmtCompact, maxLabelWidth, maxLines, textWidth, tickLabels, wallLabel, wallSample } from './axes';
import { canvasPng, savePng } from './exports';
import type { Model } from './state';
import { type Theme, readTheme, resolveColor, withAlpha } from './theme';

/** One run's history of one key, as received (x order), plus appended points. */
interface Series {
  steps: Float64Array;
  timestamps: Float64Array;
  values: Float64Array;
  total: number;
  downsampled: boolean;
}

/** A run as drawn in a panel: x sorted ascending, raw and smoothed y. */
interface DrawnRun {
  run: CompareRun;
  color: string;
  x: Float64Array;
  raw: Float64Array;
  smooth: Float64Array;
}

const SYNC_KEY = 'mlops-compare-history';

function series(d: SeriesData): Series {
  return {
    steps: new Float64Array(d.steps),
    timestamps: new Float64Array(d.timestamps),
    values: new Float64Array(d.values),
    total: d.total,
    downsampled: d.downsampled,
  };
}

function concat(a: Float64Array, b: Float64Array): Float64Array {
  const out = new Float64Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

function xsOf(s: Series, axis: XAxis, run: CompareRun): Float64Array {
  if (axis === 'step') return s.steps;
  if (axis === 'wall') return s.timestamps;
  const out = new Float64Array(s.timestamps.length);
  for (let i = 0; i < out.length; i++) out[i] = s.timestamps[i] - run.startTime;
  return out;
}

function isSorted(x: Float64Array): boolean {
  for (let i = 1; i < x.length; i++) if (x[i] < x[i - 1]) return false;
  return true;
}

/** Sorts (x, y) pairs by x when they aren't already (wall time of a step-ordered history may not be). */
function sortedPairs(x: Float64Array, y: Float64Array): [Float64Array, Float64Array] {
  if (isSorted(x)) return [x, y];
  const idx = Array.from(x.keys()).sort((a, b) => x[a] - x[b]);
  return [Float64Array.from(idx, (i) => x[i]), Float64Array.from(idx, (i) => y[i])];
}

function sameArray(a: Float64Array, b: Float64Array): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** A y column for uPlot: the typed array itself when every value is drawable, else an array with null gaps. */
function yColumn(y: Float64Array, logY: boolean): Float64Array | (number | null)[] {
  let clean = true;
  for (let i = 0; i < y.length; i++) {
    const v = y[i];
    if (!Number.isFinite(v) || (logY && v <= 0)) {
      clean = false;
      break;
    }
  }
  if (clean) return y;
  return Array.from(y, (v) => (Number.isFinite(v) && (!logY || v > 0) ? v : null));
}

/**
 * uPlot wants one shared x column. When every run has the same xs (steps logged in lockstep) they are used
 * as they are; otherwise the union of xs, with null where a run has no point (drawn across with spanGaps).
 */
export function alignRuns(runs: { x: Float64Array; ys: Float64Array[] }[], logY: boolean): uPlot.AlignedData {
  if (!runs.length) return [[]];
  if (runs.every((r) => sameArray(r.x, runs[0].x))) {
    return [runs[0].x, ...runs.flatMap((r) => r.ys.map((y) => yColumn(y, logY)))];
  }
  let n = 0;
  for (const r of runs) n += r.x.length;
  const all = new Float64Array(n);
  let o = 0;
  for (const r of runs) {
    all.set(r.x, o);
    o += r.x.length;
  }
  all.sort();
  let u = 0;
  for (let i = 0; i < all.length; i++) if (i === 0 || all[i] !== all[u - 1]) all[u++] = all[i];
  const xs = all.slice(0, u);
  const cols: (number | null)[][] = [];
  for (const r of runs) {
    const outs = r.ys.map(() => new Array<number | null>(u).fill(null));
    let j = 0;
    for (let i = 0; i < r.x.length; i++) {
      while (xs[j] < r.x[i]) j++;
      for (let k = 0; k < r.ys.length; k++) {
        const v = r.ys[k][i];
        outs[k][j] = Number.isFinite(v) && (!logY || v > 0) ? v : null;
      }
    }
    cols.push(...outs);
  }
  return [xs, ...cols];
}

/** Index of the point of sorted `x` nearest to `v`. */
function nearest(x: Float64Array, v: number): number {
  let lo = 0;
  let hi = x.length - 1;
  if (hi < 0) return -1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (x[mid] < v) lo = mid + 1;
    else hi = mid;
  }
  if (lo > 0 && Math.abs(x[lo - 1] - v) <= Math.abs(x[lo] - v)) return lo - 1;
  return lo;
}

/** First index with x[i] >= v. */
function lowerBound(x: ArrayLike<number>, v: number): number {
  let lo = 0;
  let hi = x.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (x[mid] < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** A y source of one uPlot series in own-x mode. */
interface OwnSeries {
  x: Float64Array;
  y: Float64Array;
}

/**
 * Runs whose xs differ (min/max-downsampled runs never share them) are not merged into one x column, which
 * would cost (runs × union of xs) in memory and drawing. Each run's line is drawn from its own points by a
 * custom path builder (one pass, collapsing the points of a pixel column to its min/max); uPlot gets an
 * even grid of about 2 × the pixel width for the cursor, with each run sampled at the grid's xs.
 */
export function gridData(src: OwnSeries[], width: number, logY: boolean): uPlot.AlignedData {
  let lo = Infinity;
  let hi = -Infinity;
  for (const s of src) {
    if (!s.x.length) continue;
    lo = Math.min(lo, s.x[0]);
    hi = Math.max(hi, s.x[s.x.length - 1]);
  }
  if (!Number.isFinite(lo)) return [[], ...src.map(() => [])];
  const g = hi > lo ? Math.max(2, Math.round(2 * width)) : 1;
  const grid = new Float64Array(g);
  for (let i = 0; i < g; i++) grid[i] = g === 1 ? lo : lo + ((hi - lo) * i) / (g - 1);
  const cols = src.map((s) => {
    const col = new Array<number | null>(g).fill(null);
    const n = s.x.length;
    if (!n) return col;
    let j = 0;
    for (let i = 0; i < g; i++) {
      const v = grid[i];
      if (v < s.x[0] || v > s.x[n - 1]) continue;
      while (j + 1 < n && s.x[j + 1] <= v) j++;
      const k = j + 1 < n && s.x[j + 1] - v < v - s.x[j] ? j + 1 : j;
      const y = s.y[k];
      col[i] = Number.isFinite(y) && (!logY || y > 0) ? y : null;
    }
    return col;
  });
  return [grid, ...cols];
}

/** uPlot path builder drawing a series from its own (x, y) points. */
function ownPath(src: () => OwnSeries[], logY: boolean): uPlot.Series.PathBuilder {
  return (u, sidx) => {
    const s = src()[sidx - 1];
    const p = new Path2D();
    if (!s || !s.x.length) return { stroke: p, fill: null, clip: null, flags: 0 };
    const { x, y } = s;
    const xmin = u.scales.x.min ?? x[0];
    const xmax = u.scales.x.max ?? x[x.length - 1];
    const i0 = Math.max(0, lowerBound(x, xmin) - 1);
    const i1 = Math.min(x.length - 1, lowerBound(x, xmax));
    let pen = false;
    let col = NaN;
    let minY = 0;
    let maxY = 0;
    let lastY = 0;
    const flush = () => {
      if (pen && minY !== maxY) {
        p.lineTo(col, minY);
        p.lineTo(col, maxY);
        p.lineTo(col, lastY);
      }
    };
    for (let i = i0; i <= i1; i++) {
      const v = y[i];
      if (!Number.isFinite(v) || (logY && v <= 0)) {
        flush();
        pen = false;
        continue;
      }
      const px = Math.round(u.valToPos(x[i], 'x', true));
      const py = u.valToPos(v, 'y', true);
      if (!pen) {
        p.moveTo(px, py);
        pen = true;
        col = px;
        minY = maxY = lastY = py;
      } else if (px === col) {
        if (py < minY) minY = py;
        if (py > maxY) maxY = py;
        lastY = py;
      } else {
        flush();
        p.lineTo(px, py);
        col = px;
        minY = maxY = lastY = py;
      }
    }
    flush();
    return { stroke: p, fill: null, clip: null, flags: 0 };
  };
}

/** Below this many CSS px per point in view, every point of a series gets a dot. */
const DOT_SPACING = 8;

/** The points of a uPlot series, as the dot builder reads them. */
type DotSource = (u: uPlot, sidx: number) => { x: ArrayLike<number>; y: ArrayLike<number | null | undefined> } | undefined;

/**
 * uPlot points builder: a line needs two points, so a series with a single point (a metric logged once per
 * run) or a point between gaps would draw nothing. Dots are drawn for every point of a series that is
 * sparse in view (fewer than one per DOT_SPACING px), and otherwise for its isolated points (no drawable
 * neighbour on either side, so no line segment touches them). Works for the shared x column and the own-x
 * points of the custom path builder alike.
 */
function dotPath(src: DotSource, logY: boolean): uPlot.Series.Points.PathBuilder {
  return (u, sidx) => {
    const fill = new Path2D();
    const { left, top, width, height } = u.bbox;
    const s = src(u, sidx);
    const empty = { stroke: fill, fill, clip: undefined as unknown as Path2D, flags: 0 };
    if (!s || !s.x.length) return empty;
    const { x, y } = s;
    const ok = (i: number) => {
      if (i < 0 || i >= y.length) return false;
      const v = y[i];
      return v !== null && v !== undefined && Number.isFinite(v) && (!logY || v > 0);
    };
    const xmin = u.scales.x.min ?? x[0];
    const xmax = u.scales.x.max ?? x[x.length - 1];
    const i0 = lowerBound(x, xmin);
    let i1 = lowerBound(x, xmax);
    if (i1 >= x.length || x[i1] > xmax) i1--;
    let count = 0;
    for (let i = i0; i <= i1; i++) if (ok(i)) count++;
    if (!count) return empty;
    const pxr = window.devicePixelRatio || 1;
    const all = count * DOT_SPACING <= width / pxr;
    const pts = (u.series[sidx].points ?? {}) as { size?: number; width?: number };
    const rad = (((pts.size ?? 6) - (pts.width ?? 1)) / 2) * pxr;
    for (let i = i0; i <= i1; i++) {
      if (!ok(i) || (!all && (ok(i - 1) || ok(i + 1)))) continue;
      const px = Math.round(u.valToPos(x[i], 'x', true));
      const py = Math.round(u.valToPos(y[i] as number, 'y', true));
      fill.moveTo(px + rad, py);
      fill.arc(px, py, rad, 0, 2 * Math.PI);
    }
    const clip = new Path2D();
    clip.rect(left - rad * 2, top - rad * 2, width + rad * 4, height + rad * 4);
    return { stroke: fill, fill, clip, flags: 0 };
  };
}

/** The y range of the own-x series' points inside the x range. */
function ownYRange(src: OwnSeries[], xmin: number, xmax: number, logY: boolean): [number, number] | undefined {
  let lo = Infinity;
  let hi = -Infinity;
  for (const s of src) {
    const i0 = Math.max(0, lowerBound(s.x, xmin) - 1);
    const i1 = Math.min(s.x.length - 1, lowerBound(s.x, xmax));
    for (let i = i0; i <= i1; i++) {
      const v = s.y[i];
      if (!Number.isFinite(v) || (logY && v <= 0)) continue;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  return Number.isFinite(lo) ? [lo, hi] : undefined;
}

function formatX(axis: XAxis, v: number): string {
  if (axis === 'wall') return new Date(v).toLocaleString();
  if (axis === 'relative') return fmtDuration(v) || '0s';
  // Steps are integers: the cursor between two says the nearest one.
  return fmt(Math.round(v));
}

const plural = (n: number, one: string) => `${n.toLocaleString('en-US')} ${one}${n === 1 ? '' : 's'}`;

class Panel {
  readonly el: HTMLElement;
  readonly body: HTMLElement;
  private pointsLabel: HTMLElement;
  private tooltip: HTMLElement;
  plot: uPlot | undefined;
  drawn: DrawnRun[] = [];
  /** per uPlot series (from 1), the points drawn in own-x mode */
  own: OwnSeries[] = [];
  /** the zoomed x range and its detail data, once the host answered */
  zoom: { range: [number, number]; requestId: number; data?: Map<string, Series> } | undefined;
  draws = 0;
  private hovered = false;
  private structure = '';

  constructor(
    readonly key: string,
    private charts: HistoryCharts,
  ) {
    this.pointsLabel = h('span', { class: 'points' });
    this.tooltip = h('div', { class: 'chart-tooltip', role: 'status', hidden: true });
    this.body = h('div', { class: 'chart-body' });
    this.el = h(
      'figure',
      { class: 'panel history-panel', 'data-key': key },
      h(
        'figcaption',
        {},
        h('span', { class: 'panel-title', text: key }),
        this.pointsLabel,
        button('PNG', () => void this.exportPng(), { class: 'export-png', title: `Save ${key} as PNG` }),
      ),
      this.body,
      this.tooltip,
    );
  }

  width(): number {
    return Math.max(200, Math.floor(this.body.clientWidth || this.el.clientWidth || 600));
  }

  /** Rebuild the drawn runs from the charts' data and redraw (recreating the plot when its shape changed). */
  refresh(): void {
    const c = this.charts;
    const model = c.model;
    const axis = model.state.xAxis ?? 'step';
    const logY = !!model.state.logY;
    const weight = model.state.smoothing ?? 0;
    const source = this.zoom?.data;
    this.drawn = [];
    let shownPoints = 0;
    let totalPoints = 0;
    for (const run of model.shownRuns()) {
      const s = source?.get(run.runId) ?? (source ? undefined : c.data.get(this.key)?.get(run.runId));
      if (!s) continue;
      const [x, raw] = sortedPairs(xsOf(s, axis, run), s.values);
      this.drawn.push({ run, color: resolveColor(run.color), x, raw, smooth: weight > 0 ? emaSmooth(raw, weight) : raw });
      shownPoints += x.length;
      totalPoints += Math.max(s.total, x.length);
    }
    this.pointsLabel.textContent = `${plural(this.drawn.length, 'run')} · ${plural(shownPoints, 'point')}${totalPoints > shownPoints ? ` of ${totalPoints.toLocaleString('en-US')}` : ''}`;
    this.pointsLabel.dataset.points = String(shownPoints);
    const smoothing = weight > 0;
    const shared = this.drawn.every((d) => sameArray(d.x, this.drawn[0].x));
    let data: uPlot.AlignedData;
    if (shared) {
      this.own = [];
      data = alignRuns(
        this.drawn.map((d) => ({ x: d.x, ys: smoothing ? [d.raw, d.smooth] : [d.smooth] })),
        logY,
      );
    } else {
      this.own = this.drawn.flatMap((d) =>
        smoothing
          ? [
              { x: d.x, y: d.raw },
              { x: d.x, y: d.smooth },
            ]
          : [{ x: d.x, y: d.smooth }],
      );
      data = gridData(this.own, this.width(), logY);
    }
    this.el.dataset.mode = shared ? 'shared-x' : 'own-x';
    const structure = JSON.stringify([axis, logY, smoothing, shared, c.themeKey, this.drawn.map((d) => d.run.runId + d.color)]);
    if (!this.plot || structure !== this.structure) {
      this.structure = structure;
      this.create(data, axis, logY, smoothing, shared);
    } else {
      const zoomed = this.zoom?.range;
      this.plot.setData(data, true);
      if (zoomed) this.plot.setScale('x', { min: zoomed[0], max: zoomed[1] });
    }
  }

  private create(data: uPlot.AlignedData, axis: XAxis, logY: boolean, smoothing: boolean, shared: boolean): void {
    const t = this.charts.theme;
    this.plot?.destroy();
    clear(this.body);
    const font = `${t.fontSize}px ${t.fontFamily}`;
    const axisCommon = { stroke: t.foreground, font, grid: { stroke: t.grid, width: 1 }, ticks: { stroke: t.grid, width: 1 } };
    const seriesOpts: uPlot.Series[] = [{ label: axis }];
    const paths = shared ? undefined : ownPath(() => this.own, logY);
    const dotSrc: DotSource = shared ? (u, sidx) => ({ x: u.data[0], y: u.data[sidx] }) : (_u, sidx) => this.own[sidx - 1];
    const dots = dotPath(dotSrc, logY);
    for (const d of this.drawn) {
      if (smoothing)
        seriesOpts.push({ label: `${d.run.name} (raw)`, stroke: withAlpha(d.color, 0.3), width: 1.25, spanGaps: true, points: { show: false }, paths });
      // the smoothed (or only) line carries the dots of sparse series and isolated points
      seriesOpts.push({
        label: d.run.name,
        stroke: d.color,
        width: 2,
        spanGaps: true,
        points: { show: true, size: 7, width: 1, stroke: d.color, fill: d.color, paths: dots },
        paths,
      });
    }
    const yScale: uPlot.Scale = logY ? { distr: 3, log: 10 } : {};
    if (!shared) {
      yScale.range = (u, dmin, dmax) => {
        const r = ownYRange(this.own, u.scales.x.min ?? -Infinity, u.scales.x.max ?? Infinity, logY) ?? [dmin, dmax];
        return logY ? uPlot.rangeLog(r[0], r[1], 10, true) : uPlot.rangeNum(r[0], r[1], 0.1, true);
      };
    }
    const fontSize = t.fontSize;
    // Axis sizes follow the labels actually drawn: the y axis is as wide as its longest tick label, the x
    // axis as tall as its labels' lines (wall time has two), so no label is cut at the canvas edge.
    const xAxis: uPlot.Axis = {
      ...axisCommon,
      ticks: { ...axisCommon.ticks, size: TICK_SIZE },
      gap: TICK_GAP,
      space: (_u, _i, min, max) => this.xSpace(axis, font, min, max),
      size: (_u, values) => Math.ceil(TICK_SIZE + TICK_GAP + (maxLines(values) - 1) * fontSize * 1.5 + fontSize * 1.3 + 4),
    };
    if (axis === 'relative') xAxis.values = (_u, splits) => splits.map((v) => (v === null ? null : fmtDuration(v) || '0s')) as string[];
    else if (axis === 'step') {
      xAxis.incrs = STEP_INCRS;
      xAxis.values = (_u, splits, _i, _s, incr) => tickLabels(splits, incr) as string[];
    } else xAxis.values = (u, splits) => splits.map((v) => (v === null ? null : wallLabel(v, (u.scales.x.max ?? 0) - (u.scales.x.min ?? 0)))) as string[];
    const yAxis: uPlot.Axis = {
      ...axisCommon,
      ticks: { ...axisCommon.ticks, size: TICK_SIZE },
      gap: TICK_GAP,
      values: (_u, splits, _i, _s, incr) => (logY ? splits.map((v) => (v === null ? null : fmtCompact(v))) : tickLabels(splits, incr)) as string[],
      size: (_u, values) => Math.ceil(TICK_SIZE + TICK_GAP + maxLabelWidth(font, values) + LABEL_PAD),
    };
    const opts: uPlot.Options = {
      width: this.width(),
      height: 240,
      ms: 1,
      legend: { show: false },
      series: seriesOpts,
      scales: { x: { time: axis === 'wall' }, y: yScale },
      axes: [xAxis, yAxis],
      padding: [null, (u) => this.xOverhang(u, font, 'right'), null, (u) => this.xOverhang(u, font, 'left')],
      cursor: {
        sync: { key: SYNC_KEY },
        drag: { x: true, y: false, setScale: true },
        bind: { dblclick: () => null },
        points: { show: false },
      },
      hooks: {
        setSelect: [
          (u) => {
            if (u.select.width < 2) return;
            const lo = u.posToVal(u.select.left, 'x');
            const hi = u.posToVal(u.select.left + u.select.width, 'x');
            this.charts.zoomTo(this, [Math.min(lo, hi), Math.max(lo, hi)]);
          },
        ],
        setCursor: [(u) => this.updateTooltip(u)],
        draw: [
          (u) => {
            this.exposeAxes(u, font);
            this.draws++;
            this.el.dataset.draws = String(this.draws);
            window.dispatchEvent(new CustomEvent('mlops-compare-drawn', { detail: { key: this.key, draws: this.draws } }));
          },
        ],
      },
    };
    this.plot = new uPlot(opts, data, this.body);
    const over = this.plot.over;
    over.addEventListener('dblclick', () => this.charts.resetZoom());
    over.addEventListener('mouseenter', () => (this.hovered = true));
    over.addEventListener('mouseleave', () => {
      this.hovered = false;
      this.tooltip.hidden = true;
    });
    if (this.zoom) this.plot.setScale('x', { min: this.zoom.range[0], max: this.zoom.range[1] });
  }

  /** Minimum px between x ticks: the width of a typical label of the axis and a margin. */
  private xSpace(axis: XAxis, font: string, min: number, max: number): number {
    let sample: string;
    if (axis === 'wall') sample = wallSample(max - min);
    else if (axis === 'relative') sample = '59m 59s';
    else sample = (tickLabels([min, max], (max - min) / 10) as string[]).reduce((a, b) => (b.length > a.length ? b : a), '');
    return Math.max(50, Math.ceil(textWidth(font, sample) + 16));
  }

  /**
   * Padding that keeps the x labels at the ends of the axis inside the canvas: on the right half the last
   * label (no axis there), on the left what half the first label needs beyond the y axis' width.
   */
  private xOverhang(u: uPlot, font: string, side: 'left' | 'right'): number {
    const ax = u.axes as unknown as { _values?: (string | null)[] | null; _size?: number }[];
    const labels = (ax[0]?._values ?? []).filter((l) => l !== null && l !== '');
    const end = side === 'right' ? labels.at(-1) : labels[0];
    const half = Math.ceil(maxLabelWidth(font, end === undefined ? [] : [end]) / 2) + 4;
    if (side === 'right') return Math.max(12, half);
    return Math.max(0, half - (ax[1]?._size ?? 0));
  }

  /**
   * A small test hook: the drawn axes (size, labels, label positions in CSS px) as data-axes on the panel,
   * so tests can measure the labels with the same font and check they fit.
   */
  private exposeAxes(u: uPlot, font: string): void {
    const ax = u.axes as unknown as { _values?: (string | null)[] | null; _size?: number; _splits?: number[] | null }[];
    const pos = (i: number, scale: 'x' | 'y') => (ax[i]?._splits ?? []).map((v) => Math.round(u.valToPos(v, scale) * 10) / 10);
    const pxr = window.devicePixelRatio || 1;
    this.el.dataset.axes = JSON.stringify({
      font,
      width: u.width,
      height: u.height,
      plot: { left: u.bbox.left / pxr, top: u.bbox.top / pxr, width: u.bbox.width / pxr, height: u.bbox.height / pxr },
      x: { size: ax[0]?._size, labels: ax[0]?._values ?? [], pos: pos(0, 'x') },
      y: { size: ax[1]?._size, labels: ax[1]?._values ?? [], pos: pos(1, 'y') },
    });
  }

  private updateTooltip(u: uPlot): void {
    const left = u.cursor.left ?? -1;
    if (!this.hovered || left < 0 || !this.drawn.length) {
      this.tooltip.hidden = true;
      return;
    }
    const axis = this.charts.model.state.xAxis ?? 'step';
    const xv = u.posToVal(left, 'x');
    clear(this.tooltip);
    this.tooltip.append(h('div', { class: 'tt-x', text: `${axis === 'step' ? 'step' : axis === 'wall' ? 'time' : 'since start'} ${formatX(axis, xv)}` }));
    const rows = this.drawn.slice(0, 40);
    for (const d of rows) {
      const i = nearest(d.x, xv);
      if (i < 0) continue;
      const chip = h('span', { class: 'chip', 'aria-hidden': 'true' });
      chip.style.backgroundColor = d.color;
      const smoothed = this.charts.model.state.smoothing ? ` (raw ${fmt(d.raw[i])})` : '';
      this.tooltip.append(
        h(
          'div',
          { class: 'tt-row' },
          chip,
          h('span', { class: 'tt-name', text: d.run.name }),
          h('span', { class: 'tt-val', text: `${fmt(d.smooth[i])}${smoothed}` }),
        ),
      );
    }
    if (this.drawn.length > rows.length) this.tooltip.append(h('div', { class: 'tt-more', text: `… ${this.drawn.length - rows.length} more runs` }));
    this.tooltip.hidden = false;
    const bodyLeft = this.body.offsetLeft + u.over.offsetLeft;
    const x = bodyLeft + left + 16;
    const room = this.el.clientWidth - this.tooltip.offsetWidth - 8;
    this.tooltip.style.left = `${Math.max(0, x > room ? bodyLeft + left - this.tooltip.offsetWidth - 16 : x)}px`;
    this.tooltip.style.top = `${this.body.offsetTop + u.over.offsetTop + (u.cursor.top ?? 0) + 12}px`;
  }

  async exportPng(): Promise<void> {
    if (!this.plot) return;
    const t = this.charts.theme;
    const bytes = await canvasPng(this.plot.ctx.canvas, t.background, {
      title: this.key,
      legend: this.drawn.map((d) => ({ name: d.run.name, color: d.color })),
      color: t.foreground,
      fontFamily: t.fontFamily,
    });
    savePng(this.charts.model, this.key, bytes);
  }

  resize(): void {
    if (this.plot) this.plot.setSize({ width: this.width(), height: 240 });
  }

  destroy(): void {
    this.plot?.destroy();
    this.plot = undefined;
    this.el.remove();
  }
}

export class HistoryCharts {
  readonly el = h('section', { class: 'history', 'aria-label': 'Metric histories' });
  private controls = h('div', { class: 'toolbar history-controls' });
  private grid = h('div', { class: 'panels' });
  private message = h('p', { class: 'empty' });
  /** key → runId → full-range series */
  readonly data = new Map<string, Map<string, Series>>();
  private panels = new Map<string, Panel>();
  private lastFullRequest = 0;
  private loaded = new Set<string>(); // `${runId}\u0000${key}` requested for the current x axis
  private dirty = new Set<Panel>();
  private zoomQueue = new Set<Panel>();
  private frame = 0;
  private active = false;
  private resizeObs: ResizeObserver;
  theme: Theme = readTheme();
  themeKey = 0;
  private metricMenu = h('details', { class: 'metrics-menu' });
  private metricSummary = h('summary', { text: 'Metrics' });
  private metricList = h('div', { class: 'menu-list' });
  private metricOptionsKey = '';
  private xAxisSelect!: HTMLElementTagNameMap['vscode-single-select'];
  private logYBox!: HTMLElementTagNameMap['vscode-checkbox'];
  private slider = h('input', { type: 'range', min: 0, max: 0.99, step: 0.01, class: 'smoothing', 'aria-label': 'Smoothing' });
  private sliderValue = h('output', { class: 'smoothing-value', text: '0.00' });

  constructor(readonly model: Model) {
    this.buildControls();
    this.el.append(this.controls, this.message, this.grid);
    this.resizeObs = new ResizeObserver(() => {
      for (const p of this.panels.values()) p.resize();
    });
    this.resizeObs.observe(this.grid);
    model.subscribe((ch) => {
      if (ch.has('runs') || ch.has('charts')) this.renderControls();
      if (!this.active) return;
      if (ch.has('runs') || ch.has('charts') || ch.has('visibility')) this.sync();
    });
  }

  setActive(active: boolean): void {
    this.active = active;
    if (active) {
      this.renderControls();
      this.sync();
    }
  }

  setTheme(t: Theme): void {
    this.theme = t;
    this.themeKey++;
    for (const p of this.panels.values()) p.refresh();
  }

  /**
   * The controls are built once and then kept in step with the state, so the metrics menu stays open and
   * focus stays put while boxes are ticked in it. (Not vscode-multi-select: its dropdown's "select all" and
   * "deselect all" buttons are codicons, which would need the codicon font shipped and allowed.)
   */
  private buildControls(): void {
    const model = this.model;
    const st = model.state;
    this.metricMenu.append(this.metricSummary, this.metricList);
    this.xAxisSelect = select(
      [
        { value: 'step', label: 'Step' },
        { value: 'wall', label: 'Wall time' },
        { value: 'relative', label: 'Relative time' },
      ],
      st.xAxis ?? 'step',
      (v) => {
        model.update({ xAxis: v as XAxis });
        this.loaded.clear();
        for (const p of this.panels.values()) p.zoom = undefined;
        this.sync();
        this.redrawAll();
      },
      { class: 'x-axis' },
    );
    this.logYBox = checkbox(
      'Log y',
      !!st.logY,
      (v) => {
        model.update({ logY: v });
        this.redrawAll();
      },
      { class: 'log-y' },
    );
    this.slider.addEventListener('input', () => {
      const v = Math.min(0.99, Math.max(0, Number(this.slider.value)));
      this.sliderValue.textContent = v.toFixed(2);
      model.update({ smoothing: v });
      this.redrawAll();
    });
    this.controls.append(
      this.metricMenu,
      labelled('X axis', this.xAxisSelect),
      this.logYBox,
      h('label', { class: 'smoothing-label' }, 'Smoothing ', this.slider, this.sliderValue),
    );
  }

  private renderControls(): void {
    const model = this.model;
    const st = model.state;
    const keys = model.metricKeys;
    const chosen = model.chartKeys();
    const optionsKey = JSON.stringify(keys);
    if (optionsKey !== this.metricOptionsKey) {
      this.metricOptionsKey = optionsKey;
      clear(this.metricList);
      for (const k of keys) {
        this.metricList.append(
          checkbox(
            k,
            chosen.includes(k),
            (v) => {
              const set = new Set(model.chartKeys());
              if (v) set.add(k);
              else set.delete(k);
              const next = model.metricKeys.filter((x) => set.has(x));
              model.update({ chartKeys: next.length === model.metricKeys.length ? undefined : next }, 'charts');
            },
            { 'data-key': k },
          ),
        );
      }
    }
    for (const cb of Array.from(this.metricList.children) as HTMLElementTagNameMap['vscode-checkbox'][]) {
      const want = chosen.includes(cb.dataset.key ?? '');
      if (cb.checked !== want) cb.checked = want;
    }
    this.metricSummary.textContent = `Metrics (${chosen.length}/${keys.length})`;
    if (this.xAxisSelect.value !== (st.xAxis ?? 'step')) this.xAxisSelect.value = st.xAxis ?? 'step';
    if (this.logYBox.checked !== !!st.logY) this.logYBox.checked = !!st.logY;
    const smoothing = st.smoothing ?? 0;
    if (Number(this.slider.value) !== smoothing) this.slider.value = String(smoothing);
    this.sliderValue.textContent = smoothing.toFixed(2);
  }

  /** Make the panels match the chart keys and ask for the series not loaded yet. */
  private sync(): void {
    const keys = this.model.chartKeys();
    for (const [k, p] of this.panels) {
      if (!keys.includes(k)) {
        p.destroy();
        this.panels.delete(k);
      }
    }
    for (const k of keys) {
      let p = this.panels.get(k);
      if (!p) {
        p = new Panel(k, this);
        this.panels.set(k, p);
      }
      this.grid.append(p.el); // keeps the order of the keys
    }
    this.message.textContent = keys.length ? '' : this.model.metricKeys.length ? 'No metric chosen.' : 'These runs logged no metrics.';
    this.message.hidden = !!keys.length;
    const runIds = this.model.shownRuns().map((r) => r.runId);
    const missing = runIds.filter((id) => keys.some((k) => !this.loaded.has(`${id}\u0000${k}`)));
    const missingKeys = keys.filter((k) => runIds.some((id) => !this.loaded.has(`${id}\u0000${k}`)));
    if (missing.length && missingKeys.length) {
      const requestId = this.model.requestId();
      this.lastFullRequest = requestId;
      for (const id of missing) for (const k of missingKeys) this.loaded.add(`${id}\u0000${k}`);
      this.model.post({
        type: 'requestSeries',
        requestId,
        runIds: missing,
        keys: missingKeys,
        xAxis: this.model.state.xAxis ?? 'step',
        pixelWidth: this.pixelWidth(),
      });
    }
    for (const p of this.panels.values()) this.dirty.add(p);
    this.schedule();
  }

  private pixelWidth(): number {
    let w = 0;
    for (const p of this.panels.values()) w = Math.max(w, p.width());
    return w || Math.max(200, this.el.clientWidth || 600);
  }

  /**
   * A drag-zoom. uPlot syncs the selection to the other panels (they share the x units), so every panel
   * zoomed in the same task is asked for in one request.
   */
  zoomTo(panel: Panel, range: [number, number]): void {
    panel.zoom = { range, requestId: 0 };
    this.zoomQueue.add(panel);
    if (this.zoomQueue.size > 1) return;
    queueMicrotask(() => {
      const queued = [...this.zoomQueue];
      this.zoomQueue.clear();
      const groups = new Map<string, Panel[]>();
      for (const p of queued) {
        if (!p.zoom) continue;
        const k = JSON.stringify(p.zoom.range);
        groups.set(k, [...(groups.get(k) ?? []), p]);
      }
      for (const [k, ps] of groups) {
        const requestId = this.model.requestId();
        for (const p of ps) p.zoom!.requestId = requestId;
        const runIds = [...new Set(ps.flatMap((p) => p.drawn.map((d) => d.run.runId)))];
        const width = Math.max(...ps.map((p) => p.width()));
        this.model.post({
          type: 'requestSeries',
          requestId,
          runIds,
          keys: ps.map((p) => p.key),
          xAxis: this.model.state.xAxis ?? 'step',
          pixelWidth: width,
          range: JSON.parse(k) as [number, number],
        });
      }
    });
  }

  /** Double-click: every panel back to its full history (the panels zoom together, so they reset together). */
  resetZoom(): void {
    for (const p of this.panels.values()) {
      if (p.zoom) {
        p.zoom = undefined;
        p.refresh();
      } else p.plot?.setData(p.plot.data, true);
    }
  }

  onSeries(msg: SeriesMessage): void {
    if (msg.range) {
      for (const p of this.panels.values()) {
        if (p.zoom?.requestId !== msg.requestId) continue;
        const data = new Map<string, Series>();
        for (const d of msg.series) if (d.key === p.key) data.set(d.runId, series(d));
        p.zoom.data = data;
        p.refresh();
      }
      return;
    }
    if ((msg.xAxis ?? 'step') !== (this.model.state.xAxis ?? 'step')) return; // answer to a request for another x axis
    if (msg.requestId < this.lastFullRequest && msg.series.some((d) => this.data.get(d.key)?.has(d.runId))) {
      // an older answer must not replace data from a newer one; only fill what is missing
      msg = { ...msg, series: msg.series.filter((d) => !this.data.get(d.key)?.has(d.runId)) };
    }
    for (const d of msg.series) {
      let m = this.data.get(d.key);
      if (!m) this.data.set(d.key, (m = new Map()));
      m.set(d.runId, series(d));
      const p = this.panels.get(d.key);
      if (p) this.dirty.add(p);
    }
    this.schedule();
  }

  onAppend(msg: AppendMessage): void {
    for (const d of msg.series) {
      const m = this.data.get(d.key);
      const cur = m?.get(d.runId);
      const add = series(d);
      if (!m || !cur) {
        // nothing loaded for this (run, key) yet: keep the points; a later full answer replaces them
        let mm = m;
        if (!mm) this.data.set(d.key, (mm = new Map()));
        mm.set(d.runId, add);
      } else {
        m.set(d.runId, {
          steps: concat(cur.steps, add.steps),
          timestamps: concat(cur.timestamps, add.timestamps),
          values: concat(cur.values, add.values),
          total: cur.total + add.values.length,
          downsampled: cur.downsampled,
        });
      }
      const p = this.panels.get(d.key);
      if (p && !p.zoom) this.dirty.add(p);
    }
    this.schedule();
  }

  /** Coalesce redraws (appends can arrive many times a second) into one per animation frame. */
  private schedule(): void {
    if (this.frame || !this.active) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      const panels = [...this.dirty];
      this.dirty.clear();
      for (const p of panels) if (this.panels.get(p.key) === p) p.refresh();
    });
  }

  private redrawAll(): void {
    for (const p of this.panels.values()) this.dirty.add(p);
    this.schedule();
  }

  /** Forget the data of runs that left the comparison. */
  dropRuns(keep: Set<string>): void {
    for (const m of this.data.values()) for (const id of [...m.keys()]) if (!keep.has(id)) m.delete(id);
    for (const k of [...this.loaded]) if (!keep.has(k.split('\u0000')[0])) this.loaded.delete(k);
  }

  panelFor(key: string): Panel | undefined {
    return this.panels.get(key);
  }
}
