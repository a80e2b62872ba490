import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const created: string[] = [];
process.on('exit', () => {
  for (const d of created) fs.rmSync(d, { recursive: true, force: true });
});

/**
 * A fresh temp folder, removed when the test process exits: after every test's own after-hooks
 * (closing stores, stopping servers) have run, whatever order they were registered in.
 */
export function tempDir(_t?: unknown, prefix = 'mlops-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  created.push(dir);
  return dir;
}
