import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DataRepo } from '../../src/core/data';
(async () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'prof-'));
  const root = path.join(tmp, 'repo');
  const data = path.join(root, 'data');
  for (let i = 0; i < 20000; i++) {
    const d = path.join(data, `p${Math.floor(i / 1000)}`);
    if (i % 1000 === 0) fs.mkdirSync(d, { recursive: true });
    fs.writeFileSync(path.join(d, `r${i}`), `row ${i} ${'x'.repeat(i % 100)}`);
  }
  const { repo } = DataRepo.init(root);
  let t = Date.now();
  const { Session } = require('node:inspector');
  const s = new Session(); s.connect();
  const post = (m: string, p?: object) => new Promise<any>((res, rej) => s.post(m, p ?? {}, (e: any, r: any) => (e ? rej(e) : res(r))));
  await post('Profiler.enable'); await post('Profiler.start');
  await repo.add([data]);
  const prof1 = (await post('Profiler.stop')).profile;
  console.log('add', Date.now() - t);
  await new Promise((r) => setTimeout(r, 100));
  const r2 = DataRepo.open(root);
  await post('Profiler.start');
  t = Date.now();
  await r2.status();
  console.log('status', Date.now() - t);
  const prof2 = (await post('Profiler.stop')).profile;
  for (const [name, prof] of [['add', prof1], ['status', prof2]] as const) {
    const self = new Map<string, number>();
    const dt = prof.timeDeltas as number[];
    const byId = new Map(prof.nodes.map((n: any) => [n.id, n]));
    prof.samples.forEach((id: number, i: number) => { const n: any = byId.get(id); const k = `${n.callFrame.functionName || '(anon)'} ${path.basename(n.callFrame.url)}:${n.callFrame.lineNumber}`; self.set(k, (self.get(k) ?? 0) + (dt[i] ?? 0)); });
    console.log('==', name);
    for (const [k, v] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 15)) console.log((v / 1000).toFixed(0).padStart(6), k);
  }
  fs.rmSync(tmp, { recursive: true, force: true });
})();
