import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { walkFiles } from '../../src/core/data/walk';
(async () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'prof-'));
  const data = path.join(tmp, 'data');
  let t = performance.now();
  for (let i = 0; i < 10000; i++) {
    const d = path.join(data, `p${Math.floor(i / 1000)}`);
    if (i % 1000 === 0) fs.mkdirSync(d, { recursive: true });
    fs.writeFileSync(path.join(d, `r${i}`), `row ${i}`);
  }
  console.log('create', (performance.now() - t).toFixed(0));
  t = performance.now();
  const files = walkFiles(data);
  console.log('walk', (performance.now() - t).toFixed(0));
  t = performance.now();
  for (const f of files) fs.statSync(f.abs, { bigint: true });
  console.log('stat', (performance.now() - t).toFixed(0));
  t = performance.now();
  const c = path.join(tmp, 'cache');
  for (let i = 0; i < 10000; i++) {
    const d = path.join(c, (i % 256).toString(16).padStart(2, '0'));
    fs.mkdirSync(d, { recursive: true });
    const tmpf = path.join(d, `.t${i}.tmp`);
    fs.writeFileSync(tmpf, 'x', { mode: 0o444 });
    fs.renameSync(tmpf, path.join(d, `obj${i}`));
  }
  console.log('cache writes', (performance.now() - t).toFixed(0));
  t = performance.now();
  for (let i = 0; i < 10000; i++) fs.existsSync(path.join(c, (i % 256).toString(16).padStart(2, '0'), `obj${i}`));
  console.log('exists', (performance.now() - t).toFixed(0));
  fs.rmSync(tmp, { recursive: true, force: true });
})();
