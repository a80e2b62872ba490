#!/usr/bin/env node
// Extension-host suite: our mocha tests (test/vscode, built to dist/test/vscode) run INSIDE code-server's
// remote extension host, loaded as a development extension through the workbench URL payload. The same
// suite runs with @vscode/test-electron (npm run test:vscode:electron) where VS Code can be downloaded.
// Exit code: the runner's (0 = all passed), 2 = harness error, 3 = timeout.
import fs from 'node:fs';
import path from 'node:path';
import util from 'node:util';
import { spawnSync } from 'node:child_process';
import { ROOT, cleanupAll, freePort, launchChromium, remoteUri, requireHost, scratchDir, startCodeServer, workspaceFrom } from './vscode-host/host.mjs';

const TIMEOUT_S = Number(process.env.MLOPS_EXT_TEST_TIMEOUT ?? 420);
requireHost();
if (!process.env.MLOPS_SKIP_BUILD) {
  const b = spawnSync(process.execPath, ['esbuild.mjs'], { cwd: ROOT, stdio: 'inherit' });
  if (b.status !== 0) process.exit(2);
}
const TESTS = path.join(ROOT, 'dist/test/vscode/index.js');
if (!fs.existsSync(TESTS)) {
  console.error(`no test runner at ${TESTS}`);
  process.exit(2);
}

const run = scratchDir('mlops-ext-tests-');
// The team stack (the real MLflow server over PostgreSQL and S3) for the team suite, started here because the
// extension host cannot start PostgreSQL; the suite skips, saying why, when it is absent.
const teamStack = await startTeamStack();
const ws = await workspaceFrom(path.join(ROOT, 'examples/quickstart'), path.join(run, 'quickstart'));
let exitCode = 2;
let passed = 0;
let failed = 0;
const t0 = Date.now();
try {
  const port = await freePort();
  const server = await startCodeServer({ runDir: run, port, folder: ws, env: { MLOPS_TEST_WORKSPACE: ws, MLOPS_TEAM_STACK: teamStack.info } });
  const { page } = await launchChromium();
  const logFile = fs.openSync(path.join(run, 'automation.log'), 'w');
  let inTests = false;
  let done;
  const finished = new Promise((r) => (done = r));
  await page.exposeFunction('codeAutomationLog', (type, logArgs) => {
    const line = util.format(...(Array.isArray(logArgs) ? logArgs : [logArgs])).replace(/\n$/, '');
    fs.writeSync(logFile, `[${type}] ${line}\n`);
    if (line.includes('@@EXT-TESTS-BEGIN@@')) return void (inTests = true);
    if (line.includes('@@EXT-TESTS-END@@')) return void (inTests = false);
    const m = /^(\d+) passed, (\d+) failed/.exec(line);
    if (m) {
      passed = Number(m[1]);
      failed = Number(m[2]);
    }
    if (inTests) (type === 'error' ? process.stderr : process.stdout).write(line + '\n');
  });
  await page.exposeFunction('codeAutomationExit', (code) => done(Number(code)));
  const q = new URLSearchParams({
    folder: ws,
    payload: JSON.stringify([
      ['extensionDevelopmentPath', remoteUri(port, ROOT)],
      ['extensionTestsPath', remoteUri(port, TESTS)],
    ]),
  });
  await page.goto(`${server.url}/?${q}`);
  const code = await Promise.race([finished, new Promise((r) => setTimeout(() => r('timeout'), TIMEOUT_S * 1000))]);
  if (code === 'timeout') {
    console.error(`ext-host: timed out after ${TIMEOUT_S}s; log kept in ${run}`);
    await page.screenshot({ path: path.join(run, 'timeout.png') }).catch(() => {});
    exitCode = 3;
  } else exitCode = code;
  if (!inTests && passed + failed === 0) process.stderr.write(fs.readFileSync(path.join(run, 'automation.log'), 'utf8').slice(-5000));
} catch (e) {
  console.error('ext-host harness error:', e);
  exitCode = 2;
} finally {
  await teamStack.stop();
  await cleanupAll();
  if (exitCode === 0) fs.rmSync(run, { recursive: true, force: true });
  else console.error(`state kept in ${run}`);
}
if (exitCode !== 0 && failed === 0) failed = 1;

/** Starts test/helpers/teamStackProcess.ts; `info` is its JSON line ({url, runId, …} or {skip}). */
async function startTeamStack() {
  if (process.env.MLOPS_EXT_TEAM_STACK === '0') return { info: JSON.stringify({ skip: 'MLOPS_EXT_TEAM_STACK=0' }), async stop() {} };
  const { spawn } = await import('node:child_process');
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'test/helpers/teamStackProcess.ts')], { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'] });
  const info = await new Promise((resolve) => {
    let out = '';
    const timer = setTimeout(() => resolve(JSON.stringify({ skip: 'the team stack did not start within 300 s' })), 300_000);
    child.stdout.on('data', (d) => {
      out += d;
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) {
        clearTimeout(timer);
        resolve(line);
      }
    });
    child.on('exit', () => {
      clearTimeout(timer);
      resolve(JSON.stringify({ skip: 'the team stack process exited' }));
    });
  });
  const parsed = JSON.parse(info);
  if (parsed.skip) console.log(`ext-host: team stack skipped: ${parsed.skip}`);
  return {
    info,
    async stop() {
      if (child.exitCode !== null) return;
      const gone = new Promise((r) => child.once('exit', r));
      child.stdin.end();
      await Promise.race([gone, new Promise((r) => setTimeout(r, 20_000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}
console.log(`\next-host: ${passed} passed, ${failed} failed (${((Date.now() - t0) / 1000).toFixed(0)}s)`);
process.exit(exitCode);
