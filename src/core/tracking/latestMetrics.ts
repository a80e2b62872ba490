import type { Store } from '../store/store';
import type { Metric } from './types';

interface LatestRow {
  key: string;
  value: number | null;
  timestamp: number;
  step: number;
  is_nan: number;
}

export function latestMetrics(store: Store, runId: string): Metric[] {
  return store
    .all<LatestRow>('SELECT key, value, timestamp, step, is_nan FROM latest_metrics WHERE run_uuid = ? ORDER BY key', [runId])
    .map((r) => ({ key: r.key, value: r.is_nan ? NaN : (r.value as number), timestamp: r.timestamp, step: r.step }));
}
