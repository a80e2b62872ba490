/**
 * The compared runs as the compare panel shows them (CompareRun of the protocol), built from the store.
 */
import type { CompareRun } from '../../protocol/compare';
import type { Store } from '../store/store';
import * as T from '../tracking';

/**
 * Line colours, distinct from each other and with at least 3:1 contrast against both a light (#ffffff) and a
 * dark (#1e1e1e) editor background, so a legend and a thin line stay readable in either theme.
 */
export const RUN_PALETTE: readonly string[] = [
  '#1f77b4', // blue
  '#e8710a', // orange
  '#2ca02c', // green
  '#d62728', // red
  '#9467bd', // purple
  '#0f9d9a', // teal
  '#8d6e00', // olive
  '#e52592', // magenta
  '#6a7fdb', // periwinkle
  '#b5651d', // brown
];

/** The colour of the i-th run of a panel: stable for as long as the panel keeps its run order. */
export function runColor(index: number): string {
  return RUN_PALETTE[((index % RUN_PALETTE.length) + RUN_PALETTE.length) % RUN_PALETTE.length];
}

const toRecord = (kvs: { key: string; value: string }[]) => {
  const out: Record<string, string> = {};
  for (const kv of kvs) out[kv.key] = kv.value;
  return out;
};

/** One run as the panel shows it; undefined when the run does not exist (any more). */
export function compareRun(store: Store, runId: string, color: string, experimentNames?: Map<string, string>): CompareRun | undefined {
  let run: T.Run;
  try {
    run = T.getRun(store, runId);
  } catch {
    return undefined;
  }
  const info = run.info;
  let experimentName = experimentNames?.get(info.experiment_id);
  if (experimentName === undefined) {
    try {
      experimentName = T.getExperiment(store, info.experiment_id).name;
    } catch {
      experimentName = '';
    }
    experimentNames?.set(info.experiment_id, experimentName);
  }
  const metrics: Record<string, number> = {};
  for (const m of run.data.metrics) metrics[m.key] = m.value;
  const tags = toRecord(run.data.tags);
  const out: CompareRun = {
    runId: info.run_id,
    name: info.run_name || info.run_id.slice(0, 8),
    experimentId: info.experiment_id,
    experimentName,
    status: info.status,
    startTime: info.start_time,
    params: toRecord(run.data.params),
    metrics,
    tags,
    color,
  };
  if (info.end_time !== undefined && info.end_time !== null) out.endTime = info.end_time;
  if (tags['mlflow.parentRunId']) out.parentRunId = tags['mlflow.parentRunId'];
  return out;
}

/**
 * The panel's runs, in order, each with its palette colour (by position); missing runs are left out. With
 * `only`, just those of the panel's runs (what a live update changed), still coloured by their position.
 */
export function compareRuns(store: Store, runIds: readonly string[], only?: ReadonlySet<string>): CompareRun[] {
  const names = new Map<string, string>();
  const out: CompareRun[] = [];
  runIds.forEach((id, i) => {
    if (only && !only.has(id)) return;
    const r = compareRun(store, id, runColor(i), names);
    if (r) out.push(r);
  });
  return out;
}

/** Every metric key logged by any of the runs, sorted. */
export function metricKeysOf(store: Store, runIds: readonly string[]): string[] {
  const keys = new Set<string>();
  for (const id of runIds) for (const k of T.metricKeys(store, id)) keys.add(k);
  return [...keys].sort();
}
