import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { DvcLiveTailer, importDvcLiveFolder, launch, mlflowKey, parseDvcLiveValue, readDvcLive, type DvcLiveMetric } from '../../../src/core/exec';
import { openStore } from '../../../src/core/openStore';
import * as T from '../../../src/core/tracking';
import { tempDir } from '../../helpers/tmp';

const write = (file: string, text: string, flag = 'w') => {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text, { flag });
};
const brief = (ms: DvcLiveMetric[]) => ms.map((m) => `${m.key}@${m.step}=${m.value}`);

test('reader: TSV histories, metrics.json summary, params.yaml (the spec examples)', () => {
  const dir = path.join(tempDir(), 'dvclive');
  write(path.join(dir, 'plots/metrics/acc.tsv'), 'step\tacc\n0\t0.5\n1\t0.75\n2\t0.8\n');
  write(path.join(dir, 'plots/metrics/train/loss.tsv'), 'step\tloss\n0\t0.9\n1\t0.5\n2\tnan\n');
  write(path.join(dir, 'plots/metrics/system/cpu/usage (%).tsv'), 'timestamp\tstep\tusage (%)\n1700000000123\t0\t12.5\n');
  write(
    path.join(dir, 'metrics.json'),
    '{\n    "acc": 0.8,\n    "train": {\n        "loss": "nan"\n    },\n    "test": {\n        "loss": 0.9596208930015564,\n        "acc": 0.7735,\n        "bad": NaN\n    },\n    "step": 2\n}\n',
  );
  write(path.join(dir, 'params.yaml'), 'lr: 0.001\nepochs: 3\nopt:\n  name: adam\n  betas: [0.9, 0.999]\nsmall: 1e-05\nflag: true\n');
  const d = readDvcLive(dir);
  assert.deepEqual(d.warnings, []);
  assert.equal(d.step, 2);
  assert.deepEqual(brief(d.metrics), [
    'acc@0=0.5',
    'acc@1=0.75',
    'acc@2=0.8',
    'system/cpu/usage ___@0=12.5',
    'train/loss@0=0.9',
    'train/loss@1=0.5',
    'train/loss@2=NaN',
    // Metrics only in the summary (logged with plot=False) become one point at the summary step.
    'test/loss@2=0.9596208930015564',
    'test/acc@2=0.7735',
    'test/bad@2=NaN',
  ]);
  const cpu = d.metrics.find((m) => m.name === 'system/cpu/usage (%)');
  assert.equal(cpu?.timestamp, 1700000000123);
  const acc = d.metrics[0];
  assert.equal(acc.timestamp, Math.round(fs.statSync(path.join(dir, 'plots/metrics/acc.tsv')).mtimeMs));
  assert.deepEqual(d.params, { lr: '0.001', epochs: '3', 'opt.name': 'adam', 'opt.betas': '[0.9,0.999]', small: '1e-05', flag: 'true' });
});

test('tailer returns only new rows, waits for partial lines, and starts over when DVCLive rewrites a file', () => {
  const dir = tempDir();
  const tsv = path.join(dir, 'plots/metrics/loss.tsv');
  const t = new DvcLiveTailer(dir);
  assert.deepEqual(brief(t.read().metrics), []);
  write(tsv, 'step\tloss\r\n0\t1.0\r\n');
  assert.deepEqual(brief(t.read().metrics), ['loss@0=1']);
  assert.deepEqual(brief(t.read().metrics), []);
  write(tsv, '1\t0.5\r\n2\t0.2', 'a');
  assert.deepEqual(brief(t.read().metrics), ['loss@1=0.5'], 'the unterminated row waits');
  write(tsv, '5\r\n3\t"0.1"\r\nbad\trow\r\n', 'a');
  const r = t.read();
  assert.deepEqual(brief(r.metrics), ['loss@2=0.25', 'loss@3=0.1']);
  assert.equal(r.warnings.length, 1);
  assert.match(r.warnings[0], /cannot read row "bad\trow"/);
  // A new Live() without resume deletes and recreates the plots.
  fs.rmSync(tsv);
  write(tsv, 'step\tloss\n0\t9\n');
  assert.deepEqual(brief(t.read().metrics), ['loss@0=9']);

  // params: only new or changed keys; metrics.json: only changed summary-only values.
  write(path.join(dir, 'params.yaml'), 'a: 1\nb: x\n');
  assert.deepEqual(t.read().params, { a: '1', b: 'x' });
  assert.deepEqual(t.read().params, {});
  write(path.join(dir, 'params.yaml'), 'a: 1\nb: y\nc: [1, 2]\n');
  assert.deepEqual(t.read().params, { b: 'y', c: '[1,2]' });
  write(path.join(dir, 'metrics.json'), '{"loss": 9, "val": 0.5}');
  assert.deepEqual(brief(t.read().metrics), ['val@0=0.5']);
  write(path.join(dir, 'metrics.json'), '{"loss": 9, "val": 0.5, "ext');
  const half = t.read();
  assert.deepEqual(brief(half.metrics), []);
  assert.equal(half.warnings.length, 1, 'a half-written metrics.json is retried later');
  write(path.join(dir, 'metrics.json'), '{"loss": 9, "val": 0.6, "step": 4}\n');
  const full = t.read();
  assert.deepEqual(brief(full.metrics), ['val@4=0.6']);
  assert.equal(full.step, 4);
});

test('value and key conversions', () => {
  assert.equal(parseDvcLiveValue('1e-05'), 1e-5);
  assert.equal(parseDvcLiveValue('-inf'), -Infinity);
  assert.equal(parseDvcLiveValue('True'), 1);
  assert.equal(parseDvcLiveValue('0.9731049537658691'), 0.9731049537658691);
  assert.equal(parseDvcLiveValue('abc'), undefined);
  assert.equal(parseDvcLiveValue(''), undefined);
  assert.equal(mlflowKey('train/loss'), 'train/loss');
  assert.equal(mlflowKey('a:b/c(d)'), 'a_b/c_d_');
});

test('live import while a real training process writes DVCLive files step by step', async () => {
  const dir = tempDir();
  // Writes what DVCLive 3 writes (csv.DictWriter with tabs, json.dump indent=4), one step at a time, waiting
  // for a go-ahead file between steps so the test sees every intermediate state.
  fs.writeFileSync(
    path.join(dir, 'train.py'),
    `import csv, json, os, sys, time
d = "dvclive"
os.makedirs(f"{d}/plots/metrics/train", exist_ok=True)
with open(f"{d}/params.yaml", "w") as f:
    f.write("lr: 0.01\\nepochs: 3\\n")
for step in range(3):
    while not os.path.exists(f"go{step}"):
        time.sleep(0.02)
    for name, value in (("train/loss", 1.0 / (step + 1)), ("acc", step * 0.25)):
        path = f"{d}/plots/metrics/{name}.tsv"
        new = not os.path.exists(path)
        with open(path, "a") as f:
            w = csv.DictWriter(f, fieldnames=["step", name.split("/")[-1]], delimiter="\\t", lineterminator=os.linesep)
            if new:
                w.writeheader()
            w.writerow({"step": step, name.split("/")[-1]: value})
    with open(f"{d}/metrics.json", "w") as f:
        json.dump({"train": {"loss": 1.0 / (step + 1)}, "acc": step * 0.25, "step": step}, f, indent=4)
        f.write("\\n")
    open(f"done{step}", "w").close()
`,
  );
  const tailer = new DvcLiveTailer(path.join(dir, 'dvclive'));
  const seen: string[][] = [];
  const params: Record<string, string> = {};
  const run = launch({ command: 'python3 train.py', cwd: dir });
  let exited = false;
  void run.then(() => (exited = true));
  for (let step = 0; step < 3; step++) {
    fs.writeFileSync(path.join(dir, `go${step}`), '');
    while (!fs.existsSync(path.join(dir, `done${step}`))) await new Promise((r) => setTimeout(r, 20));
    const d = tailer.read();
    Object.assign(params, d.params);
    seen.push(brief(d.metrics));
    if (step < 2) assert.equal(exited, false, 'rows arrive while the process is still running');
  }
  const r = await run;
  assert.equal(r.exitCode, 0);
  assert.deepEqual(seen, [
    ['acc@0=0', 'train/loss@0=1'],
    ['acc@1=0.25', 'train/loss@1=0.5'],
    ['acc@2=0.5', 'train/loss@2=0.3333333333333333'],
  ]);
  assert.deepEqual(params, { lr: '0.01', epochs: '3' });
  assert.deepEqual(tailer.read().metrics, []);
});

test('a DVCLive folder produced elsewhere imports as one FINISHED run; an empty folder is refused; cancel ends KILLED', async () => {
  const ws = tempDir();
  const dir = path.join(ws, 'exp1', 'dvclive');
  const rows = Array.from({ length: 2500 }, (_, i) => `${i}\t${1 / (i + 1)}`).join('\n');
  write(path.join(dir, 'plots/metrics/train/loss.tsv'), `step\tloss\n${rows}\n`);
  write(path.join(dir, 'params.yaml'), 'lr: 0.01\nopt:\n  name: adam\n');
  const store = await openStore(ws);
  try {
    const progress: number[] = [];
    const out = await importDvcLiveFolder(store, dir, { onProgress: (done) => progress.push(done) });
    assert.equal(out.points, 2500);
    assert.equal(out.runName, 'dvclive-exp1');
    assert.deepEqual(progress, [1000, 2000, 2500]);
    const run = T.getRun(store, out.runId);
    assert.equal(run.info.status, 'FINISHED');
    assert.deepEqual(Object.fromEntries(run.data.params.map((p) => [p.key, p.value])), { lr: '0.01', 'opt.name': 'adam' });
    const h = T.getMetricHistory(store, out.runId, 'train/loss');
    assert.equal(h.values.length, 2500);
    assert.equal(h.values[2499], 1 / 2500);
    assert.equal(run.data.tags.find((t) => t.key === 'mlops.imported.from')?.value, dir);

    const empty = path.join(ws, 'empty');
    fs.mkdirSync(empty);
    const before = store.one<{ n: number }>('SELECT count(*) AS n FROM runs')!.n;
    await assert.rejects(importDvcLiveFolder(store, empty), (e: Error) => e.message.includes(empty) && /no DVCLive metrics/.test(e.message));
    assert.equal(store.one<{ n: number }>('SELECT count(*) AS n FROM runs')!.n, before, 'nothing was created');

    const ac = new AbortController();
    const cancelled = await importDvcLiveFolder(store, dir, { signal: ac.signal, onProgress: () => ac.abort() });
    assert.equal(cancelled.points, 1000);
    assert.equal(T.getRun(store, cancelled.runId).info.status, 'KILLED');
  } finally {
    store.close();
  }
});
