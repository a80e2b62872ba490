// Activation speed (issue 13): the built extension's activate() in a folder with a store, timed in plain Node
// against a stand-in 'vscode' module, as ratios against baselines run alongside, alternated and repeated:
//   - what activation used to await (open the store + start the tracking server), on the same store;
//   - activate() in a folder without a store (the floor: building the views and commands).
// activate() must return before the store opens; the views say "Loading…" until then.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openStore } from '../src/core/openStore';
import { startServer } from '../src/core/server';
import * as T from '../src/core/tracking';
import { fakeContext, installVscodeStub } from './_vscodeStub';

const quick = !!process.env.MLOPS_BENCH_QUICK;
const RUNS = quick ? 300 : 3000;
const ROUNDS = quick ? 3 : 7;
const ROOT = path.resolve(__dirname, '..');
const now = () => Number(process.hrtime.bigint()) / 1e6;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function seed(ws: string) {
  const store = await openStore(ws);
  const exp = T.createExperiment(store, { name: 'bench' });
  for (let i = 0; i < RUNS; i++) {
    const r = T.createRun(store, { experiment_id: exp, run_name: `run-${i}` });
    const metrics = Array.from({ length: 20 }, (_, s) => ({ key: 'loss', value: 1 / (s + 1 + i), timestamp: 1_700_000_000_000 + s, step: s }));
    T.logBatch(store, r.info.run_id, { params: [{ key: 'alpha', value: String(i % 7) }], metrics });
  }
  store.close();
}

interface Ext {
  activate(ctx: unknown): { whenReady(): Promise<void>; storeOpenedDuringActivation: boolean };
}

async function activation(ext: Ext, setFolder: (f: string) => void, ws: string) {
  setFolder(ws);
  const ctx = fakeContext(ROOT);
  const t0 = now();
  const api = ext.activate(ctx);
  const returned = now() - t0;
  await api.whenReady();
  const ready = now() - t0;
  if (api.storeOpenedDuringActivation) throw new Error('the store opened before activate() returned');
  for (const d of ctx.subscriptions.splice(0).reverse()) d.dispose();
  await pause(100);
  return { returned, ready };
}

async function oldPath(ws: string) {
  const t0 = now();
  const store = await openStore(ws, { lockWaitMs: 2000 });
  const server = await startServer({ store, workspace: ws });
  const ms = now() - t0;
  await server.close();
  store.close();
  await pause(100);
  return ms;
}

export async function run(): Promise<void> {
  if (!fs.existsSync(path.join(ROOT, 'dist/extension.js'))) spawnSync(process.execPath, ['esbuild.mjs'], { cwd: ROOT, stdio: 'inherit' });
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mlops-bench-activation-'));
  try {
    const withStore = path.join(tmp, 'with-store');
    const empty = path.join(tmp, 'empty');
    fs.mkdirSync(withStore);
    fs.mkdirSync(empty);
    await seed(withStore);
    const setFolder = installVscodeStub();
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const ext = require(path.join(ROOT, 'dist/extension.js')) as Ext;
    const act: number[] = [];
    const ready: number[] = [];
    const old: number[] = [];
    const bare: number[] = [];
    await activation(ext, setFolder, empty); // warm-up: module initialisation, sql.js compile
    for (let i = 0; i < ROUNDS; i++) {
      const a = await activation(ext, setFolder, withStore);
      act.push(a.returned);
      ready.push(a.ready);
      old.push(await oldPath(withStore));
      bare.push((await activation(ext, setFolder, empty)).returned);
    }
    const [a, r, o, b] = [median(act), median(ready), median(old), median(bare)];
    console.log(`activate() with a store of ${RUNS} runs: ${a.toFixed(1)} ms (median of ${ROUNDS}); store ready ${r.toFixed(0)} ms after activation began`);
    console.log(`  vs the awaited open + server start it replaced (${o.toFixed(0)} ms): ${(a / o).toFixed(3)}x`);
    console.log(`  vs activate() in a folder without a store (${b.toFixed(1)} ms): ${(a / b).toFixed(2)}x`);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
