// Runs one stage of the node:test suites (TypeScript through tsx) and prints a plain
// "N passed, N failed" line. Stages: unit (test/core, test/protocol, test/static: checks of the package itself), integration
// (test/integration, test/cli), browser (test/webview: real Chromium).
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const stages = {
  unit: ['test/core', 'test/protocol', 'test/static'],
  integration: ['test/integration', 'test/cli'],
  browser: ['test/webview'],
};
const stage = process.argv[2] ?? 'unit';
const only = process.argv.slice(3);
if (!stages[stage]) {
  console.error(`unknown stage "${stage}"; expected one of ${Object.keys(stages).join(', ')}`);
  process.exit(2);
}

function collect(dir, out) {
  if (!fs.existsSync(dir)) return out;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) collect(p, out);
    else if (/\.test\.ts$/.test(e.name)) out.push(path.relative(root, p));
  }
  return out;
}
let files = stages[stage].flatMap((d) => collect(path.join(root, d), [])).sort();
if (only.length) files = files.filter((f) => only.some((o) => f.includes(o)));
if (!files.length) {
  console.log(`${stage}: 0 passed, 0 failed (no test files)`);
  process.exit(0);
}
// Integration and browser suites run the built CLI, server and webview bundles: build once, up front,
// rather than from several test files at the same time.
if (stage !== 'unit' && !process.env.MLOPS_SKIP_BUILD) {
  const r = spawnSync(process.execPath, ['esbuild.mjs'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    console.log(`${stage}: 0 passed, 1 failed (build failed)`);
    process.exit(1);
  }
}
const args = [
  '--import', 'tsx',
  '--test',
  '--test-concurrency=2',
  // A file whose tests are done but that leaks a timer must not hang CI for an hour.
  '--test-force-exit',
  '--test-reporter=spec', '--test-reporter-destination=stdout',
  ...files,
];
// The spec reporter's closing counts become the plain "N passed, N failed" line CI reads.
const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, MLOPS_TEST_STAGE: stage } });
let tail = '';
child.stdout.on('data', (d) => {
  process.stdout.write(d);
  tail = (tail + d.toString()).slice(-8000);
});
child.on('exit', (code, signal) => {
  const count = (name) => Number(new RegExp(`ℹ ${name} (\\d+)`).exec(tail)?.[1] ?? 0);
  const failed = count('fail') + count('cancelled') || (code ? 1 : 0);
  const skipped = count('skipped') + count('todo');
  console.log(`\n${stage}: ${count('pass')} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
  process.exit(code ?? (signal ? 1 : 0));
});
