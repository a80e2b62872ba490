// The README's test command: build, typecheck, lint, then the unit, integration, conformance, browser, extension-host and UI suites.
// Every stage runs even when an earlier one failed; the exit code is non-zero if any failed.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const stages = [
  { name: 'build', cmd: [process.execPath, 'esbuild.mjs'], summary: false },
  { name: 'typecheck', cmd: [process.execPath, 'node_modules/typescript/bin/tsc', '--noEmit', '-p', '.'], summary: false },
  { name: 'lint', cmd: ['npm', 'run', '--silent', 'lint'], summary: false },
  { name: 'unit', cmd: [process.execPath, 'scripts/run-node-tests.mjs', 'unit'] },
  { name: 'integration', cmd: [process.execPath, 'scripts/run-node-tests.mjs', 'integration'] },
  // The real MLflow server as an oracle (../shared/oracles or $MLFLOW_ORACLE_DIR); skips, saying why, without it.
  { name: 'conformance', cmd: [process.execPath, '--import', 'tsx', 'test/conformance/run.ts'], env: { MLOPS_SKIP_BUILD: '1' } },
  { name: 'vscode-host', cmd: ['bash', 'scripts/install-vscode-host.sh'], summary: false },
  { name: 'browser', cmd: [process.execPath, 'scripts/run-node-tests.mjs', 'browser'] },
  { name: 'ext-host', cmd: [process.execPath, 'scripts/run-ext-tests.mjs'], needs: 'scripts/run-ext-tests.mjs' },
  { name: 'ui', cmd: [process.execPath, 'scripts/run-ui-tests.mjs'], needs: 'scripts/run-ui-tests.mjs' },
];
const only = process.argv.slice(2);

function runStage(stage) {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const child = spawn(stage.cmd[0], stage.cmd.slice(1), { cwd: root, stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...stage.env } });
    let tail = '';
    child.stdout.on('data', (d) => {
      process.stdout.write(d);
      tail = (tail + d.toString()).slice(-4000);
    });
    child.on('exit', (code, signal) => {
      const m = [...tail.matchAll(/(\d+) passed, (\d+) failed/g)].pop();
      resolve({ code: code ?? (signal ? 1 : 0), passed: m ? Number(m[1]) : 0, failed: m ? Number(m[2]) : 0, seconds: (Date.now() - t0) / 1000 });
    });
  });
}

const results = [];
for (const stage of stages) {
  if (only.length && !only.includes(stage.name)) continue;
  if (stage.needs && !fs.existsSync(path.join(root, stage.needs))) {
    console.log(`\n### ${stage.name}: not set up (${stage.needs} missing)`);
    continue;
  }
  console.log(`\n### ${stage.name}`);
  const r = await runStage(stage);
  results.push({ stage: stage.name, ...r, summary: stage.summary !== false });
  if ((stage.name === 'build' || stage.name === 'typecheck' || stage.name === 'vscode-host') && r.code !== 0) {
    console.log(`\n${stage.name} failed; later stages need it.`);
    break;
  }
}
console.log('\n### summary');
let passed = 0;
let failed = 0;
let bad = false;
for (const r of results) {
  if (r.code !== 0) bad = true;
  passed += r.passed;
  failed += r.failed;
  const counts = r.summary ? `${r.passed} passed, ${r.failed} failed` : r.code === 0 ? 'ok' : 'FAILED';
  console.log(`${r.stage.padEnd(12)} ${counts}${r.code !== 0 ? ` (exit ${r.code})` : ''}  ${r.seconds.toFixed(0)}s`);
}
if (bad && failed === 0) failed = 1; // a stage that crashed without counting still fails the run
console.log(`\n${passed} passed, ${failed} failed`);
process.exit(bad ? 1 : 0);
