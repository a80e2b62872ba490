/**
 * Min/max bucket downsampling of metric histories for the compare charts. A chart a few hundred pixels wide
 * cannot show a million points, but it must still show the one spike among them: each bucket contributes its
 * minimum and its maximum point (in x order), so the drawn envelope is the same as the full series'.
 *
 * Buckets are equal-width intervals of the requested x axis (step, wall-clock time, or time since the run
 * started). A range request returns the detail of that x range plus the one point just outside each edge,
 * so the chart's lines reach its borders.
 */

export type XAxisKind = 'step' | 'wall' | 'relative';

export interface Series {
  steps: Float64Array;
  timestamps: Float64Array;
  values: Float64Array;
}

export interface Downsampled extends Series {
  /** points of the series inside the requested range (all points when there is no range) */
  total: number;
  /** true when buckets were applied (the points are per-bucket min and max) */
  downsampled: boolean;
}

export interface DownsampleOptions {
  xAxis: XAxisKind;
  /** the run's start time (epoch ms), for the relative axis */
  startTime?: number;
  /** at most this many points inside the range (two per bucket); about 2 × the chart's pixel width */
  maxPoints: number;
  /** an x range [from, to] in the axis' units, for a zoomed chart */
  range?: [number, number];
}

/** The x coordinate of each point on the given axis. */
export function xValues(s: Series, axis: XAxisKind, startTime = 0): Float64Array {
  if (axis === 'step') return s.steps;
  if (axis === 'wall') return s.timestamps;
  const x = new Float64Array(s.timestamps.length);
  for (let i = 0; i < x.length; i++) x[i] = s.timestamps[i] - startTime;
  return x;
}

/** Point indices in x order (stable), or undefined when the points are already in x order. */
function xOrder(x: Float64Array): Uint32Array | undefined {
  for (let i = 1; i < x.length; i++) {
    if (x[i] < x[i - 1]) {
      const order = Uint32Array.from({ length: x.length }, (_, k) => k);
      order.sort((a, b) => x[a] - x[b] || a - b);
      return order;
    }
  }
  return undefined;
}

/** First position p in [0, n) with xs(p) >= v (n if none). */
function lowerBound(n: number, xs: (p: number) => number, v: number): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (xs(mid) < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First position p with xs(p) > v. */
function upperBound(n: number, xs: (p: number) => number, v: number): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (xs(mid) <= v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The bucket of x among `buckets` equal-width buckets on [x0, x1]; x1 itself belongs to the last bucket.
 * Edges are at x0 + k (x1 - x0) / buckets.
 */
export function bucketOf(x: number, x0: number, x1: number, buckets: number): number {
  if (!(x1 > x0)) return 0;
  const b = Math.floor(((x - x0) * buckets) / (x1 - x0));
  return b < 0 ? 0 : b >= buckets ? buckets - 1 : b;
}

function pick(s: Series, idx: number[]): Series {
  const n = idx.length;
  const out = { steps: new Float64Array(n), timestamps: new Float64Array(n), values: new Float64Array(n) };
  for (let i = 0; i < n; i++) {
    const j = idx[i];
    out.steps[i] = s.steps[j];
    out.timestamps[i] = s.timestamps[j];
    out.values[i] = s.values[j];
  }
  return out;
}

/**
 * Downsamples `s` (any order; it is put in x order) to at most `maxPoints` points inside the range, by
 * per-bucket min and max. NaN values are ignored for the min/max; a bucket of only NaN keeps its first
 * point, so the chart shows the gap. Series short enough are returned whole (in x order), not downsampled.
 */
export function downsample(s: Series, opts: DownsampleOptions): Downsampled {
  const n = s.values.length;
  const x = xValues(s, opts.xAxis, opts.startTime ?? 0);
  const order = xOrder(x);
  const at = order ? (p: number) => order[p] : (p: number) => p;
  const xs = (p: number) => x[at(p)];

  let lo = 0;
  let hi = n; // positions [lo, hi) are inside
  let x0 = n ? xs(0) : 0;
  let x1 = n ? xs(n - 1) : 0;
  let ranged = false;
  const range = opts.range;
  if (range && Number.isFinite(range[0]) && Number.isFinite(range[1])) {
    const [a, b] = range[0] <= range[1] ? range : [range[1], range[0]];
    lo = lowerBound(n, xs, a);
    hi = upperBound(n, xs, b);
    x0 = a;
    x1 = b;
    ranged = true;
  }
  const total = Math.max(0, hi - lo);
  const maxPoints = Math.max(2, Math.floor(opts.maxPoints));
  const idx: number[] = [];
  // the one point just outside each edge of a range, so lines reach the chart's borders
  if (ranged && lo > 0) idx.push(at(lo - 1));
  let downsampled = false;
  if (total <= maxPoints) {
    for (let p = lo; p < hi; p++) idx.push(at(p));
  } else {
    downsampled = true;
    const buckets = Math.floor(maxPoints / 2);
    let current = -1;
    let first = -1;
    let minP = -1;
    let maxP = -1;
    const emit = () => {
      if (current < 0) return;
      if (minP < 0) idx.push(at(first));
      else if (minP === maxP) idx.push(at(minP));
      else if (minP < maxP) idx.push(at(minP), at(maxP));
      else idx.push(at(maxP), at(minP));
    };
    for (let p = lo; p < hi; p++) {
      const b = bucketOf(xs(p), x0, x1, buckets);
      if (b !== current) {
        emit();
        current = b;
        first = p;
        minP = -1;
        maxP = -1;
      }
      const v = s.values[at(p)];
      if (Number.isNaN(v)) continue;
      if (minP < 0 || v < s.values[at(minP)]) minP = p;
      if (maxP < 0 || v > s.values[at(maxP)]) maxP = p;
    }
    emit();
  }
  if (ranged && hi < n) idx.push(at(hi));
  return { ...pick(s, idx), total, downsampled };
}
