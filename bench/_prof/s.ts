import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
(async () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'prof-'));
  const files: string[] = [];
  for (let i = 0; i < 20000; i++) {
    const d = path.join(tmp, `p${Math.floor(i / 1000)}`);
    if (i % 1000 === 0) fs.mkdirSync(d, { recursive: true });
    const f = path.join(d, `r${i}`); files.push(f);
    fs.writeFileSync(f, `row ${i}`);
  }
  const time = async (name: string, fn: () => any) => { const t = performance.now(); await fn(); console.log(name, (performance.now() - t).toFixed(0)); };
  await time('statSync bigint', () => { for (const f of files) fs.statSync(f, { bigint: true }); });
  await time('statSync bigint', () => { for (const f of files) fs.statSync(f, { bigint: true }); });
  await time('statSync', () => { for (const f of files) fs.statSync(f); });
  await time('lstatSync', () => { for (const f of files) fs.lstatSync(f); });
  await time('promises.stat all', () => Promise.all(files.map((f) => fs.promises.stat(f, { bigint: true }))));
  await time('readdir types', () => { for (let i = 0; i < 20; i++) fs.readdirSync(path.join(tmp, `p${i}`), { withFileTypes: true }); });
  const src = `const { parentPort } = require('node:worker_threads'); const fs = require('node:fs');
   parentPort.on('message', (files) => { const out = new BigInt64Array(files.length * 3); files.forEach((f, i) => { const s = fs.statSync(f, { bigint: true }); out[i*3]=s.ino; out[i*3+1]=s.mtimeNs; out[i*3+2]=s.size; }); parentPort.postMessage(out, [out.buffer]); });`;
  const ws = [new Worker(src, { eval: true }), new Worker(src, { eval: true })];
  await new Promise((r) => setTimeout(r, 200));
  await time('2 workers', () => Promise.all(ws.map((w, k) => new Promise((res) => { w.once('message', res); w.postMessage(files.filter((_, i) => i % 2 === k)); }))));
  await time('2 workers', () => Promise.all(ws.map((w, k) => new Promise((res) => { w.once('message', res); w.postMessage(files.filter((_, i) => i % 2 === k)); }))));
  await time('1 worker + main', () => Promise.all([new Promise((res) => { ws[0].once('message', res); ws[0].postMessage(files.filter((_, i) => i % 2 === 0)); }), (async () => { for (let i = 1; i < files.length; i += 2) fs.statSync(files[i], { bigint: true }); })()]));
  for (const w of ws) await w.terminate();
  fs.rmSync(tmp, { recursive: true, force: true });
})();
