import fs from 'node:fs';
import path from 'node:path';
import { featureDrift, Reservoir, type FeatureDrift } from './drift';
import type { Cell, InputSummary } from './payload';

/** Which model answered (or, in shadow mode, also saw) a request. */
export type Route = 'champion' | 'challenger' | 'shadow';

/** One scoring request as it is recorded (a line of requests.jsonl). */
export interface RequestRecord {
  /** Epoch ms when the request arrived. */
  time: number;
  route: Route;
  status: number;
  latencyMs: number;
  format: InputSummary['format'];
  rows: number;
  /** Column names of the input (values are summarised in memory for drift, not written per request). */
  columns: string[];
  /** Predictions (bounded) for the distribution over time and champion/challenger agreement. */
  predictions: Cell[];
  /** Pairs a shadow answer with the champion answer it mirrors. */
  pair?: number;
  error?: string;
  /** The first rows of the input, column by column (what drift is computed from when replayed). */
  sample?: Record<string, Cell[]>;
}

/** Rows of each request written to disk with it (the in-memory reservoirs see every row). */
export const SAMPLE_ROWS = 20;

export interface RouteStats {
  requests: number;
  errors: number;
  p50: number;
  p95: number;
  p99: number;
  meanPrediction?: number;
}

export interface DeploymentStats {
  requests: number;
  errors: number;
  /** Requests per second over the last minute. */
  rps: number;
  byRoute: Partial<Record<Route, RouteStats>>;
  /** Per minute: [epoch ms of the minute, requests, errors, mean latency, mean numeric prediction]. */
  timeline: [number, number, number, number, number | null][];
  drift: FeatureDrift[];
  /** Champion vs challenger on the same requests (shadow mode): how often they agree, mean difference. */
  agreement?: { pairs: number; rate: number; meanDifference?: number };
}

const LATENCY_SAMPLE = 4096;
const FEATURE_SAMPLE = 2000;
const TIMELINE_MINUTES = 24 * 60;
const PAIRS_KEPT = 2000;

function quantile(sorted: number[], q: number): number {
  if (!sorted.length) return 0;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i];
}

/**
 * A deployment's requests summarised with bounded state: latency and feature reservoirs, a 24 h per-minute
 * timeline, the last shadow pairs. Fed live by the Recorder, or replayed from requests.jsonl.
 */
export class RequestStats {
  private readonly latencies = new Map<Route, Reservoir<number>>();
  private readonly counts = new Map<Route, { requests: number; errors: number; predSum: number; predN: number }>();
  private readonly features = new Map<string, Reservoir<Cell>>();
  private readonly minutes = new Map<number, [number, number, number, number, number]>();
  private readonly pairs = new Map<number, { champion?: Cell[]; shadow?: Cell[] }>();
  private readonly agreed: { same: number; diff: number[] }[] = [];

  constructor(private readonly reference: Record<string, Cell[]> = {}) {}

  /** Adds a request; `columns` are its input values (all rows when live, the written sample when replayed). */
  add(r: RequestRecord, columns: Record<string, Cell[]> | undefined = r.sample): void {
    const c = this.counts.get(r.route) ?? { requests: 0, errors: 0, predSum: 0, predN: 0 };
    c.requests++;
    if (r.status >= 400) c.errors++;
    for (const p of r.predictions) {
      if (typeof p !== 'number' || !Number.isFinite(p)) continue;
      c.predSum += p;
      c.predN++;
    }
    this.counts.set(r.route, c);
    let lat = this.latencies.get(r.route);
    if (!lat) this.latencies.set(r.route, (lat = new Reservoir<number>(LATENCY_SAMPLE)));
    lat.add(r.latencyMs);
    if (r.route !== 'shadow' && columns) {
      for (const [col, values] of Object.entries(columns)) {
        let res = this.features.get(col);
        if (!res) this.features.set(col, (res = new Reservoir<Cell>(FEATURE_SAMPLE)));
        for (const v of values) res.add(v);
      }
    }
    if (r.route !== 'shadow') this.tick(r);
    if (r.pair !== undefined) this.pairUp(r);
  }

  private tick(r: RequestRecord) {
    const minute = Math.floor(r.time / 60_000) * 60_000;
    const m = this.minutes.get(minute) ?? [0, 0, 0, 0, 0];
    m[0]++;
    if (r.status >= 400) m[1]++;
    m[2] += r.latencyMs;
    for (const p of r.predictions) {
      if (typeof p !== 'number' || !Number.isFinite(p)) continue;
      m[3] += p;
      m[4]++;
    }
    this.minutes.set(minute, m);
    if (this.minutes.size > TIMELINE_MINUTES) this.minutes.delete(this.minutes.keys().next().value!);
  }

  private pairUp(r: RequestRecord) {
    const p = this.pairs.get(r.pair!) ?? {};
    if (r.route === 'shadow') p.shadow = r.predictions;
    else p.champion = r.predictions;
    if (p.champion && p.shadow) {
      this.pairs.delete(r.pair!);
      let same = 0;
      const diff: number[] = [];
      const n = Math.min(p.champion.length, p.shadow.length);
      for (let i = 0; i < n; i++) {
        const a = p.champion[i];
        const b = p.shadow[i];
        if (typeof a === 'number' && typeof b === 'number') {
          diff.push(b - a);
          if (Math.abs(b - a) <= 1e-9 * Math.max(1, Math.abs(a))) same++;
        } else if (a === b) same++;
      }
      this.agreed.push({ same: n ? same / n : 0, diff });
      if (this.agreed.length > PAIRS_KEPT) this.agreed.shift();
    } else {
      this.pairs.set(r.pair!, p);
      if (this.pairs.size > PAIRS_KEPT) this.pairs.delete(this.pairs.keys().next().value!);
    }
  }

  stats(now = Date.now()): DeploymentStats {
    const byRoute: DeploymentStats['byRoute'] = {};
    let requests = 0;
    let errors = 0;
    for (const [route, c] of this.counts) {
      const sorted = [...(this.latencies.get(route)?.items ?? [])].sort((a, b) => a - b);
      byRoute[route] = {
        requests: c.requests,
        errors: c.errors,
        p50: quantile(sorted, 0.5),
        p95: quantile(sorted, 0.95),
        p99: quantile(sorted, 0.99),
        meanPrediction: c.predN ? c.predSum / c.predN : undefined,
      };
      if (route === 'shadow') continue;
      requests += c.requests;
      errors += c.errors;
    }
    const timeline = [...this.minutes]
      .sort((a, b) => a[0] - b[0])
      .map(([t, m]) => [t, m[0], m[1], m[0] ? m[2] / m[0] : 0, m[4] ? m[3] / m[4] : null] as [number, number, number, number, number | null]);
    // The current minute and the one before: a window of 60 to 120 s that ends now.
    const since = Math.floor(now / 60_000) * 60_000 - 60_000;
    const recent = [...this.minutes].filter(([t]) => t >= since).reduce((s, [, m]) => s + m[0], 0);
    const current: Record<string, Cell[]> = {};
    for (const [k, r] of this.features) current[k] = r.items;
    let agreement: DeploymentStats['agreement'];
    if (this.agreed.length) {
      const diffs = this.agreed.flatMap((a) => a.diff);
      agreement = {
        pairs: this.agreed.length,
        rate: this.agreed.reduce((s, a) => s + a.same, 0) / this.agreed.length,
        meanDifference: diffs.length ? diffs.reduce((s, d) => s + d, 0) / diffs.length : undefined,
      };
    }
    return { requests, errors, rps: recent / ((now - since) / 1000), byRoute, timeline, drift: featureDrift(this.reference, current), agreement };
  }
}

/**
 * Records a deployment's requests: appended to `requests.jsonl` in batches off the request path (one
 * write per event-loop turn at most, never a synchronous write), and summarised in memory (RequestStats).
 */
export class Recorder {
  readonly summary: RequestStats;
  private readonly pending: string[] = [];
  private flushing: Promise<void> | undefined;
  private writeError: Error | undefined;

  constructor(
    readonly file: string,
    reference: Record<string, Cell[]> = {},
  ) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    this.summary = new RequestStats(reference);
  }

  record(r: RequestRecord, input?: InputSummary): void {
    this.summary.add(r, input?.columns);
    const sample: Record<string, Cell[]> = {};
    if (input && r.route !== 'shadow') for (const [k, v] of Object.entries(input.columns)) sample[k] = v.slice(0, SAMPLE_ROWS);
    this.pending.push(JSON.stringify(r.route !== 'shadow' && input ? { ...r, sample } : r));
    if (!this.flushing) this.flushing = new Promise((resolve) => setImmediate(resolve)).then(() => this.flush());
  }

  stats(now = Date.now()): DeploymentStats {
    return this.summary.stats(now);
  }

  /** Writes what is pending; the next record schedules the next write. */
  async flush(): Promise<void> {
    const lines = this.pending.splice(0);
    try {
      if (lines.length) await fs.promises.appendFile(this.file, `${lines.join('\n')}\n`, { mode: 0o600 });
    } catch (e) {
      // A full disk must not take the deployment down: the proxy keeps serving, and says so.
      this.writeError = e as Error;
    } finally {
      this.flushing = undefined;
      if (this.pending.length) this.flushing = this.flush();
    }
  }

  /** Why recording to disk failed last, if it did (shown in the monitor and `mlops model deployments`). */
  get problem(): string | undefined {
    return this.writeError ? `recording to ${this.file} failed: ${this.writeError.message}` : undefined;
  }

  /** Waits for every recorded request to be on disk. */
  async close(): Promise<void> {
    while (this.flushing) await this.flushing;
  }
}
