/**
 * Input drift per feature, against the data the model was trained on: the two-sample Kolmogorov-Smirnov
 * statistic for numeric features, the population stability index (PSI) for categorical ones. Both take
 * bounded samples (a reservoir of what was served), so memory does not grow with traffic.
 */
import type { Cell } from './payload';

export interface FeatureDrift {
  feature: string;
  kind: 'numeric' | 'categorical';
  /** KS statistic D (0…1) or PSI (0…∞). */
  statistic: number;
  /** KS only: the asymptotic p-value of D for the two sample sizes. */
  pValue?: number;
  /** A verdict with the usual thresholds: KS p < 0.01, PSI > 0.25 (drift); PSI > 0.1 (moderate). */
  level: 'none' | 'moderate' | 'drift';
  reference: number;
  current: number;
}

/** Kolmogorov's limiting distribution: P(K > x) = 2 Σ (-1)^(k-1) exp(-2 k² x²). */
function kolmogorovQ(x: number): number {
  if (x < 0.27) return 1;
  let sum = 0;
  for (let k = 1; k <= 100; k++) {
    const term = Math.exp(-2 * k * k * x * x);
    sum += (k % 2 ? 1 : -1) * term;
    if (term < 1e-12) break;
  }
  return Math.min(1, Math.max(0, 2 * sum));
}

export function ksTest(a: number[], b: number[]): { d: number; pValue: number } {
  const x = [...a].sort((p, q) => p - q);
  const y = [...b].sort((p, q) => p - q);
  const n = x.length;
  const m = y.length;
  if (!n || !m) return { d: 0, pValue: 1 };
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < n && j < m) {
    const v = Math.min(x[i], y[j]);
    while (i < n && x[i] === v) i++;
    while (j < m && y[j] === v) j++;
    d = Math.max(d, Math.abs(i / n - j / m));
  }
  const en = Math.sqrt((n * m) / (n + m));
  return { d, pValue: kolmogorovQ((en + 0.12 + 0.11 / en) * d) };
}

/** PSI over the categories of both samples, with a small floor so an unseen category does not give ∞. */
export function psi(reference: string[], current: string[]): number {
  if (!reference.length || !current.length) return 0;
  const count = (xs: string[]) => xs.reduce((m, x) => m.set(x, (m.get(x) ?? 0) + 1), new Map<string, number>());
  const r = count(reference);
  const c = count(current);
  const eps = 1e-4;
  let total = 0;
  for (const k of new Set([...r.keys(), ...c.keys()])) {
    const p = Math.max(eps, (r.get(k) ?? 0) / reference.length);
    const q = Math.max(eps, (c.get(k) ?? 0) / current.length);
    total += (q - p) * Math.log(q / p);
  }
  return total;
}

function numeric(values: Cell[]): number[] | undefined {
  const out: number[] = [];
  for (const v of values) {
    if (v === null || v === '') continue;
    const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
    if (!Number.isFinite(n)) return undefined;
    out.push(n);
  }
  return out;
}

/** Drift of every feature present in both the reference and the served sample. */
export function featureDrift(reference: Record<string, Cell[]>, current: Record<string, Cell[]>, minSamples = 20): FeatureDrift[] {
  const out: FeatureDrift[] = [];
  for (const feature of Object.keys(reference).sort()) {
    const ref = reference[feature];
    const cur = current[feature];
    if (!cur || cur.length < minSamples || ref.length < minSamples) continue;
    const rn = numeric(ref);
    const cn = numeric(cur);
    if (rn && cn) {
      const { d, pValue } = ksTest(rn, cn);
      out.push({
        feature,
        kind: 'numeric',
        statistic: d,
        pValue,
        level: pValue < 0.01 ? 'drift' : pValue < 0.05 ? 'moderate' : 'none',
        reference: rn.length,
        current: cn.length,
      });
    } else {
      const value = psi(ref.map(String), cur.map(String));
      out.push({
        feature,
        kind: 'categorical',
        statistic: value,
        level: value > 0.25 ? 'drift' : value > 0.1 ? 'moderate' : 'none',
        reference: ref.length,
        current: cur.length,
      });
    }
  }
  return out;
}

/** A fixed-size uniform sample of a stream (Vitter's algorithm R), so a long-lived deployment stays bounded. */
export class Reservoir<T> {
  readonly items: T[] = [];
  private seen = 0;
  constructor(
    private readonly size: number,
    private readonly random: () => number = Math.random,
  ) {}

  add(item: T): void {
    this.seen++;
    if (this.items.length < this.size) this.items.push(item);
    else {
      const j = Math.floor(this.random() * this.seen);
      if (j < this.size) this.items[j] = item;
    }
  }

  get count(): number {
    return this.seen;
  }
}
