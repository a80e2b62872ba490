// Serving: the recording proxy's added latency per request against calling MLflow's scoring server
// directly, with the same keep-alive client in the same run, alternated and repeated (goal: ≤ 10% at p50);
// and what recording costs per request (parse the body, summarise, queue the line), in this process.
// Needs the real MLflow (../shared/oracles or MLFLOW_ORACLE_DIR) for the scoring server; without it only
// the recording cost is measured.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { mlflowOracle } from '../test/helpers/oracle';
import { Recorder } from '../src/core/serving/recorder';
import { summariseInput } from '../src/core/serving/payload';
import { startScoringServer } from '../src/core/serving/scoring';

const quick = !!process.env.MLOPS_BENCH_QUICK;
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

function post(url: string, body: string, token?: string): Promise<number> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const headers: http.OutgoingHttpHeaders = { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) };
    if (token) headers.Authorization = `Bearer ${token}`;
    const req = http.request({ host: u.hostname, port: u.port, path: u.pathname, method: 'POST', agent, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode!));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function p50(url: string, body: string, n: number, token?: string): Promise<number> {
  const lat: number[] = [];
  for (let i = 0; i < n; i++) {
    const s = performance.now();
    const status = await post(url, body, token);
    if (status !== 200) throw new Error(`status ${status}`);
    lat.push(performance.now() - s);
  }
  lat.sort((a, b) => a - b);
  return lat[Math.floor(n / 2)];
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function recordingCost(body: string) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlops-bench-rec-'));
  const rec = new Recorder(path.join(dir, 'requests.jsonl'), {
    x1: Array.from({ length: 200 }, (_, i) => i),
    x2: Array.from({ length: 200 }, (_, i) => i / 2),
  });
  const buf = Buffer.from(body);
  const n = quick ? 2000 : 20000;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const input = summariseInput(buf, 'application/json');
    rec.record(
      {
        time: Date.now(),
        route: 'champion',
        status: 200,
        latencyMs: 1,
        format: input.format,
        rows: input.rows,
        columns: Object.keys(input.columns),
        predictions: [1, 2],
      },
      input,
    );
  }
  const us = ((performance.now() - t0) * 1000) / n;
  fs.rmSync(dir, { recursive: true, force: true });
  return us;
}

export async function run() {
  const body = JSON.stringify({
    dataframe_split: {
      columns: ['x1', 'x2'],
      data: [
        [1, 2],
        [3, 4],
      ],
    },
  });
  console.log(`recording cost: ${recordingCost(body).toFixed(1)} µs per request (2-row dataframe_split), off the request path`);
  const oracle = mlflowOracle();
  if ('skip' in oracle) return console.log(`proxy overhead: skipped (${oracle.skip})`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlops-bench-serve-'));
  const model = path.join(dir, 'model');
  const save = spawnSync(
    oracle.python,
    [
      '-c',
      `import mlflow.sklearn, numpy as np\nfrom sklearn.linear_model import LinearRegression\nX=np.random.rand(50,2)\nmlflow.sklearn.save_model(LinearRegression().fit(X, X@[2,-1]+1), ${JSON.stringify(model)})`,
    ],
    { env: { ...process.env, ...oracle.env }, encoding: 'utf8' },
  );
  if (save.status !== 0) throw new Error(save.stderr);
  const scoring = await startScoringServer({ python: oracle.python, modelDir: model, env: oracle.env });
  // The proxy runs in a child process, as in the editor: the client's work must not share its thread.
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, '_proxy.ts'), scoring.url, path.join(dir, 'requests.jsonl')], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const [url, token] = await new Promise<string[]>((resolve) => child.stdout.once('data', (d: Buffer) => resolve(d.toString().trim().split(' '))));
  const proxy = { url, token };
  try {
    const n = quick ? 100 : 400;
    await p50(`${scoring.url}/invocations`, body, 50);
    await p50(`${proxy.url}/invocations`, body, 50, proxy.token);
    const direct: number[] = [];
    const via: number[] = [];
    for (let round = 0; round < (quick ? 3 : 7); round++) {
      direct.push(await p50(`${scoring.url}/invocations`, body, n));
      via.push(await p50(`${proxy.url}/invocations`, body, n, proxy.token));
    }
    const d = median(direct);
    const v = median(via);
    console.log(
      `p50 latency: direct ${d.toFixed(2)} ms, through the proxy ${v.toFixed(2)} ms (rounds: direct ${direct.map((x) => x.toFixed(2)).join('/')}, proxy ${via.map((x) => x.toFixed(2)).join('/')})`,
    );
    console.log(`proxy added latency at p50: ${(((v - d) / d) * 100).toFixed(1)}% (ratio ${(v / d).toFixed(3)}; goal ≤ 10%)`);
  } finally {
    child.stdin.end();
    await new Promise((r) => child.once('exit', r));
    await scoring.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
