// Pipelines: `repro` of a 50-stage pipeline with nothing changed (pure status: parse dvc.yaml and dvc.lock, check
// every dep, param and output) against the floor of stat-ing the same files. Alternated and repeated in one process.
// MLOPS_BENCH_QUICK=1 shrinks the data.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DataRepo } from '../src/core/data';
import { PipelineRepo, reproduce } from '../src/core/pipelines';

const quick = !!process.env.MLOPS_BENCH_QUICK;
const STAGES = 50;
const RAW_FILES = quick ? 200 : 2000;
const OUT_FILES = quick ? 10 : 40;
const now = () => Number(process.hrtime.bigint()) / 1e6;

export function setup(dir: string): void {
  DataRepo.init(dir);
  fs.mkdirSync(path.join(dir, 'raw'));
  for (let i = 0; i < RAW_FILES; i++) fs.writeFileSync(path.join(dir, 'raw', `r${i}.csv`), `${i},${Math.sin(i)}\n`);
  const params: string[] = [];
  const stages: string[] = [];
  for (let s = 0; s < STAGES; s++) {
    params.push(`s${s}:\n  k: ${s}\n`);
    // A chain with fan-in: each stage reads the previous stage's folder (the first ones the raw data).
    const dep = s < 5 ? 'raw' : `out${s - 5}`;
    stages.push(`  s${s}:
    cmd: >-
      mkdir -p out${s} && for i in $(seq 1 ${OUT_FILES}); do echo ${s}-$i > out${s}/f$i.txt; done && printf '{\\"m\\": ${s}}' > m${s}.json
    deps: [${dep}]
    params: [s${s}.k]
    outs: [out${s}]
    metrics:
    - m${s}.json:
        cache: false
`);
  }
  fs.writeFileSync(path.join(dir, 'params.yaml'), params.join(''));
  fs.writeFileSync(path.join(dir, 'dvc.yaml'), `stages:\n${stages.join('')}`);
}

/** The floor: list and stat every file the status has to look at (deps, outputs, params, dvc.yaml, dvc.lock). */
function statAll(dir: string): number {
  let n = 0;
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else {
        fs.statSync(p, { bigint: true });
        n++;
      }
    }
  };
  walk(path.join(dir, 'raw'));
  for (let s = 0; s < STAGES; s++) {
    walk(path.join(dir, `out${s}`));
    fs.statSync(path.join(dir, `m${s}.json`), { bigint: true });
  }
  for (const f of ['params.yaml', 'dvc.yaml', 'dvc.lock']) fs.statSync(path.join(dir, f), { bigint: true });
  return n;
}

async function reproNothing(dir: string): Promise<void> {
  const repo = PipelineRepo.open(dir);
  const r = await reproduce(repo);
  if (r.outcomes.some((o) => o.action !== 'skipped'))
    throw new Error(
      `expected every stage skipped, got ${r.outcomes
        .filter((o) => o.action !== 'skipped')
        .map((o) => `${o.stage}:${o.action}`)
        .join(', ')}`,
    );
}

export async function run(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-pipelines-'));
  try {
    setup(dir);
    const t0 = now();
    await reproduce(PipelineRepo.open(dir), { jobs: 2 });
    console.log(`first repro of ${STAGES} stages (${RAW_FILES} raw files, ${OUT_FILES} files per output): ${(now() - t0).toFixed(0)} ms`);
    await reproNothing(dir); // warm: stat cache written, page cache warm
    const floor: number[] = [];
    const ours: number[] = [];
    let files = 0;
    for (let i = 0; i < 7; i++) {
      let t = now();
      files = statAll(dir);
      floor.push(now() - t);
      t = now();
      await reproNothing(dir);
      ours.push(now() - t);
    }
    const med = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
    console.log(`stat ${files} files: median ${med(floor).toFixed(1)} ms; repro with nothing changed: median ${med(ours).toFixed(1)} ms`);
    console.log(`  ratio repro/stat floor: ${(med(ours) / med(floor)).toFixed(2)} (goal <= 2.0)`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
