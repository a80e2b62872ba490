// Search speed. 1) The grammar: compiled run filters and orders over many in-memory runs, as ratios against
// hand-written JavaScript doing the same test (the floor for any evaluator over plain objects). 2) runs/search
// over a store of 10,000 runs from the maintained index, as ratios against the per-request implementation it
// replaced (bench/_searchBaseline.ts), alternated and repeated in this process. MLOPS_BENCH_QUICK=1 shrinks both.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openStore } from '../src/core/openStore';
import { compileRunFilter, compileRunOrder, type SearchableRun } from '../src/core/search';
import type { Store } from '../src/core/store/store';
import * as T from '../src/core/tracking';
import { searchRunsPerRequest } from './_searchBaseline';

const quick = !!process.env.MLOPS_BENCH_QUICK;
const N = quick ? 20_000 : 200_000;
const now = () => Number(process.hrtime.bigint()) / 1e6;

function best(n: number, fn: () => unknown): number {
  let ms = Infinity;
  for (let i = 0; i < n; i++) {
    const t0 = now();
    fn();
    ms = Math.min(ms, now() - t0);
  }
  return ms;
}

function makeRuns(n: number): SearchableRun[] {
  const out: SearchableRun[] = [];
  for (let i = 0; i < n; i++) {
    const metrics: Record<string, number> = { rmse: ((i * 7919) % 1000) / 1000, loss: i % 13 === 0 ? NaN : (i % 97) / 97 };
    if (i % 5 === 0) delete metrics.loss;
    out.push({
      run_id: ((i * 2654435761) >>> 0).toString(16).padStart(32, '0'),
      run_name: `run-${i}`,
      status: i % 4 === 0 ? 'FAILED' : 'FINISHED',
      user_id: 'bob',
      artifact_uri: `mlflow-artifacts:/0/${i}/artifacts`,
      start_time: 1_700_000_000_000 + ((i * 31) % n),
      end_time: null,
      lifecycle_stage: 'active',
      experiment_id: '0',
      metrics,
      params: { model: i % 3 === 0 ? 'gpt-small' : 'bert-base', alpha: String((i % 10) / 10) },
      tags: { 'mlflow.user': 'bob' },
    });
  }
  return out;
}

export async function run(): Promise<void> {
  grammar();
  await storeSearch();
}

function grammar(): void {
  const runs = makeRuns(N);
  const filter = "metrics.rmse < 0.5 AND params.model LIKE 'gpt%' AND status != 'FAILED'";
  const compiled = compileRunFilter(filter);
  const hand = (r: SearchableRun) => {
    const m = r.metrics.rmse;
    const p = r.params.model;
    return m !== undefined && m < 0.5 && p !== undefined && p.startsWith('gpt') && r.status !== 'FAILED';
  };
  const a = runs.filter(compiled).length;
  const b = runs.filter(hand).length;
  if (a !== b) throw new Error(`filter mismatch ${a} vs ${b}`);
  const tf = best(5, () => runs.filter(compiled));
  const tfh = best(5, () => runs.filter(hand));
  const tc = best(20, () => compileRunFilter(filter));
  console.log(
    `filter ${N} runs (3 clauses, ${a} match): ${tf.toFixed(1)} ms vs hand-written ${tfh.toFixed(1)} ms = ${(tf / tfh).toFixed(2)}x; compile ${(tc * 1000).toFixed(0)} µs`,
  );

  const order = compileRunOrder(['metrics.loss DESC', 'params.alpha']);
  const handOrder = (x: SearchableRun, y: SearchableRun) => {
    const u = x.metrics.loss;
    const v = y.metrics.loss;
    // present, then NaN, then missing, as MLflow's SQL store
    const ur = u === undefined ? 2 : Number.isNaN(u) ? 1 : 0;
    const vr = v === undefined ? 2 : Number.isNaN(v) ? 1 : 0;
    if (ur !== vr) return ur - vr;
    if (ur === 0 && u !== v) return v! - u!;
    const p = x.params.alpha;
    const q = y.params.alpha;
    if (p !== q) return p < q ? -1 : 1;
    return y.start_time - x.start_time || (x.run_id < y.run_id ? -1 : x.run_id > y.run_id ? 1 : 0);
  };
  const s1 = [...runs].sort(order).map((r) => r.run_id);
  const s2 = [...runs].sort(handOrder).map((r) => r.run_id);
  if (s1.join() !== s2.join()) throw new Error('order mismatch');
  const ts = best(3, () => [...runs].sort(order));
  const tsh = best(3, () => [...runs].sort(handOrder));
  console.log(
    `sort ${N} runs (metric DESC with NaN then missing, param, tie-break): ${ts.toFixed(1)} ms vs hand-written ${tsh.toFixed(1)} ms = ${(ts / tsh).toFixed(2)}x`,
  );
}

const RUNS = quick ? 2_000 : 10_000;

/** Seeds runs straight into the tables in one transaction (the bench measures reads; ops would take minutes). */

function seed(store: Store, experimentId: string, n: number, offset = 0): void {
  const exp = Number(experimentId);
  store.db.exec('BEGIN');
  for (let j = 0; j < n; j++) {
    const i = j + offset;
    const id = ((i * 2654435761) >>> 0).toString(16).padStart(8, '0') + i.toString(16).padStart(24, '0');
    store.run(
      "INSERT INTO runs(run_uuid, name, experiment_id, user_id, status, start_time, end_time, lifecycle_stage, artifact_uri) VALUES (?, ?, ?, 'bob', 'FINISHED', ?, ?, 'active', ?)",
      [id, `run-${i}`, exp, 1_700_000_000_000 + ((i * 31) % n) * 1000, 1_700_000_000_000 + i * 1000 + 500, `mlflow-artifacts:/${exp}/${id}/artifacts`],
    );
    for (let k = 0; k < 8; k++) store.run('INSERT INTO params(run_uuid, key, value) VALUES (?, ?, ?)', [id, `param_${k}`, String((i * (k + 3)) % 17)]);
    for (const [k, v] of [
      ['mlflow.runName', `run-${i}`],
      ['mlflow.user', 'bob'],
      ['mlflow.source.name', 'train.py'],
      ['team', i % 3 ? 'a' : 'b'],
    ]) {
      store.run('INSERT INTO tags(run_uuid, key, value) VALUES (?, ?, ?)', [id, k, v]);
    }
    for (let k = 0; k < 6; k++) {
      const nan = k === 0 && i % 50 === 0;
      if (k === 1 && i % 7 === 0) continue;
      store.run('INSERT INTO latest_metrics(run_uuid, key, value, timestamp, step, is_nan) VALUES (?, ?, ?, ?, ?, ?)', [
        id,
        `metric_${k}`,
        nan ? 0 : ((i * 7919 + k) % 1000) / 1000,
        1,
        100,
        nan ? 1 : 0,
      ]);
    }
  }
  store.db.exec('COMMIT');
}

function timeOf(fn: () => unknown): number {
  const t0 = now();
  fn();
  return now() - t0;
}

/** The fastest of several runs: this machine is shared, and the slower ones measure the neighbours. */
function fastest(xs: number[]): number {
  return Math.min(...xs);
}

function allPages(fn: (token?: string) => { runs: unknown[]; next_page_token?: string }): { pages: number; runs: number } {
  let token: string | undefined;
  let pages = 0;
  let runs = 0;
  do {
    const r = fn(token);
    runs += r.runs.length;
    token = r.next_page_token;
    pages++;
  } while (token);
  return { pages, runs };
}

async function storeSearch(): Promise<void> {
  const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-search-'));
  const store = await openStore(ws, { snapshotIntervalMs: 3_600_000 });
  try {
    const exp = T.createExperiment(store, { name: 'sweep' });
    const small = T.createExperiment(store, { name: 'quarter' });
    seed(store, exp, RUNS);
    seed(store, small, RUNS / 4, RUNS);
    const byMetric = { experiment_ids: [exp], order_by: ['metrics.metric_1 DESC'] };
    const fresh = (max: number, token?: string) => T.searchRuns(store, { ...byMetric, max_results: max, page_token: token });
    const old = (max: number, token?: string) => searchRunsPerRequest(store, { ...byMetric, max_results: max, page_token: token });
    const cold = timeOf(() => fresh(1000));
    const same = JSON.stringify(fresh(1000).runs) === JSON.stringify(old(1000).runs);
    if (!same) throw new Error('the index and the per-request search disagree on the first page');
    console.log(
      `${RUNS} + ${RUNS / 4} runs (8 params, 4 tags, 6 metrics each); the first search after opening builds the index of all of them: ${cold.toFixed(0)} ms`,
    );

    const reps = quick ? 3 : 5;
    const fig = {
      new1000: [] as number[],
      old1000: [] as number[],
      new10: [] as number[],
      old10: [] as number[],
      write10: [] as number[],
      write1000: [] as number[],
    };
    const victim = fresh(1).runs[0].info.run_id;
    for (let i = 0; i < reps; i++) {
      fig.old1000.push(timeOf(() => old(1000)));
      fig.new1000.push(timeOf(() => fresh(1000)));
      fig.old10.push(timeOf(() => old(10)));
      fig.new10.push(timeOf(() => fresh(10)));
      T.logMetric(store, victim, { key: 'metric_1', value: i / 10, timestamp: 2 + i, step: 200 + i });
      fig.write10.push(timeOf(() => fresh(10)));
      T.logMetric(store, victim, { key: 'metric_1', value: 1 - i / 10, timestamp: 20 + i, step: 300 + i });
      fig.write1000.push(timeOf(() => fresh(1000)));
    }
    const line = (what: string, a: number[], b: number[]) =>
      console.log(`${what}: ${fastest(a).toFixed(2)} ms vs per-request ${fastest(b).toFixed(0)} ms = ${(fastest(b) / fastest(a)).toFixed(0)}x faster`);
    line(`first page of 1,000 of ${RUNS} by a metric`, fig.new1000, fig.old1000);
    line('a 10-run page', fig.new10, fig.old10);
    console.log(
      `right after a write to one run (the index reloads that run and moves it in the sorted search): 10-run page ${fastest(fig.write10).toFixed(2)} ms, 1,000-run page ${fastest(fig.write1000).toFixed(2)} ms`,
    );

    let n = { pages: 0, runs: 0 };
    const pagedNew = timeOf(() => (n = allPages((t) => fresh(1000, t))));
    const pagedOld = timeOf(() => allPages((t) => old(1000, t)));
    console.log(
      `every page of 1,000 (${n.pages} requests, ${n.runs} runs): ${pagedNew.toFixed(0)} ms vs per-request ${pagedOld.toFixed(0)} ms = ${(pagedOld / pagedNew).toFixed(0)}x faster`,
    );
    const by100 = (id: string) => (t?: string) =>
      T.searchRuns(store, { experiment_ids: [id], order_by: ['params.param_3', 'metrics.metric_2 DESC'], max_results: 100, page_token: t });
    // A write before each listing (what a client paging during training sees): the index moves that run in the
    // sorted search, then every page costs a binary search plus its runs.
    const touch = (id: string) =>
      T.setTag(store, T.searchRuns(store, { experiment_ids: [id], max_results: 1 }).runs[0].info.run_id, 'touched', String(Math.random()));
    const listing = (id: string) => fastest(Array.from({ length: 7 }, () => (touch(id), timeOf(() => allPages(by100(id))))));
    listing(small);
    const quarter = listing(small);
    const whole = listing(exp);
    const per = (ms: number, runs: number) => `${((ms / runs) * 100).toFixed(2)} ms per page`;
    console.log(
      `every page of 100, ${RUNS / 4} runs: ${quarter.toFixed(0)} ms (${per(quarter, RUNS / 4)}); ${RUNS} runs: ${whole.toFixed(0)} ms (${per(whole, RUNS)}): ` +
        `4x the runs cost ${(whole / quarter).toFixed(1)}x (linear: 4x; per-request paging: 16x)`,
    );
  } finally {
    store.close();
    fs.rmSync(ws, { recursive: true, force: true });
  }
}

if (require.main === module) void run();
