import { DataRepo } from './src/core/data';
import { HashPool } from './src/core/data/hashPool';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
(async () => {
  const n = Number(process.argv[2] ?? 2);
  for (let i = 0; i < 3; i++) {
    fs.rmSync('/tmp/dp-bench/ra/.dvc/cache', { recursive: true, force: true }); fs.rmSync('/tmp/dp-bench/ra/data.dvc', { force: true }); fs.rmSync('/tmp/dp-bench/ra/.dvc/tmp', { recursive: true, force: true });
    fs.rmSync('/tmp/dp-bench/cpy', { recursive: true, force: true });
    let t = performance.now();
    execFileSync('sh', ['-c', 'find . -type f -print0 | xargs -0 md5sum > /dev/null'], { cwd: '/tmp/dp-bench/ra/data' });
    execFileSync('cp', ['-r', '/tmp/dp-bench/ra/data', '/tmp/dp-bench/cpy']);
    const m = performance.now() - t;
    t = performance.now();
    const repo = DataRepo.open('/tmp/dp-bench/ra', { pool: new HashPool(n) });
    await repo.add(['/tmp/dp-bench/ra/data']);
    console.log(n, 'md5sum+cp', m.toFixed(0), 'add', (performance.now() - t).toFixed(0));
  }
  process.exit(0);
})();
