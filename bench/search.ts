// Search grammar speed: compiled run filters and orders over many in-memory runs, as ratios against hand-written
// JavaScript doing the same test (the floor for any evaluator over plain objects). MLOPS_BENCH_QUICK=1 shrinks it.
import { compileRunFilter, compileRunOrder, type SearchableRun } from '../src/core/search';

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
    const metrics: Record<string, number> = { rmse: (i * 7919) % 1000 / 1000, loss: i % 13 === 0 ? NaN : (i % 97) / 97 };
    if (i % 5 === 0) delete metrics.loss;
    out.push({
      run_id: (i * 2654435761 >>> 0).toString(16).padStart(32, '0'),
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
  console.log(`filter ${N} runs (3 clauses, ${a} match): ${tf.toFixed(1)} ms vs hand-written ${tfh.toFixed(1)} ms = ${(tf / tfh).toFixed(2)}x; compile ${(tc * 1000).toFixed(0)} µs`);

  const order = compileRunOrder(['metrics.loss DESC', 'params.alpha']);
  const handOrder = (x: SearchableRun, y: SearchableRun) => {
    const u = x.metrics.loss;
    const v = y.metrics.loss;
    const um = u === undefined || Number.isNaN(u);
    const vm = v === undefined || Number.isNaN(v);
    if (um || vm) {
      if (!(um && vm)) return um ? 1 : -1;
    } else if (u !== v) return v - u;
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
  console.log(`sort ${N} runs (metric DESC with NaN/missing, param, tie-break): ${ts.toFixed(1)} ms vs hand-written ${tsh.toFixed(1)} ms = ${(ts / tsh).toFixed(2)}x`);
}

if (require.main === module) void run();
