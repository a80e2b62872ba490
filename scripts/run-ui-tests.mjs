#!/usr/bin/env node
// UI suite: the packaged .vsix installed into code-server, driven as a new user would in headless
// Debian chromium (playwright-core; no browser download). Screenshots go to test-results/screenshots/.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { CS_ENTRY, ROOT, cleanupAll, freePort, launchChromium, requireHost, scratchDir, startCodeServer, workspaceFrom } from './vscode-host/host.mjs';

requireHost();
const t0 = Date.now();
const vsix = path.join(ROOT, 'dist-pkg', 'mlops-workbench.vsix');
if (!process.env.MLOPS_SKIP_PACKAGE) {
  const p = spawnSync('npm', ['run', '--silent', 'package'], { cwd: ROOT, stdio: 'inherit' });
  if (p.status !== 0) {
    console.log('ui: 0 passed, 1 failed (packaging failed)');
    process.exit(1);
  }
}
const run = scratchDir('mlops-ui-tests-');
const exts = path.join(run, 'exts');
const inst = spawnSync(process.execPath, [CS_ENTRY, '--extensions-dir', exts, '--user-data-dir', path.join(run, 'udd'), '--install-extension', vsix], {
  encoding: 'utf8',
  env: { ...process.env, EXTENSIONS_GALLERY: '{}' },
});
if (inst.status !== 0) {
  console.error(inst.stdout, inst.stderr);
  console.log('ui: 0 passed, 1 failed (installing the .vsix failed)');
  process.exit(1);
}
const ws = await workspaceFrom(path.join(ROOT, 'examples/quickstart'), path.join(run, 'quickstart'));
const shots = path.join(ROOT, 'test-results', 'screenshots');
fs.rmSync(shots, { recursive: true, force: true });
fs.mkdirSync(shots, { recursive: true });

const { walkthrough } = await import('../test/ui/walkthrough.mjs');
let passed = 0;
let failed = 0;
let todo = 0;
let exitCode = 1;
try {
  const port = await freePort();
  const server = await startCodeServer({ runDir: run, port, folder: ws });
  const { page } = await launchChromium();
  page.on('pageerror', (e) => fs.appendFileSync(path.join(run, 'page-errors.log'), `${e.message}\n`));
  await page.goto(`${server.url}/?folder=${encodeURIComponent(ws)}`);
  let n = 0;
  for (const step of walkthrough) {
    n++;
    if (step.todo) {
      todo++;
      console.log(`- ${step.name} # TODO ${step.todo}`);
      continue;
    }
    const s0 = Date.now();
    try {
      await step.run({ page, ws, shot: (name) => page.screenshot({ path: path.join(shots, `${String(n).padStart(2, '0')}-${name}.png`) }) });
      passed++;
      console.log(`✔ ${step.name} (${Date.now() - s0} ms)`);
    } catch (e) {
      failed++;
      console.log(`✖ ${step.name} (${Date.now() - s0} ms)\n  ${String(e?.stack ?? e).split('\n').slice(0, 6).join('\n  ')}`);
      await page.screenshot({ path: path.join(shots, `${String(n).padStart(2, '0')}-FAILED.png`) }).catch(() => {});
      if (step.critical) break;
    }
  }
  exitCode = failed ? 1 : 0;
} catch (e) {
  console.error('ui harness error:', e);
  failed++;
} finally {
  await cleanupAll();
  if (exitCode === 0) fs.rmSync(run, { recursive: true, force: true });
  else console.error(`state kept in ${run}`);
}
console.log(`\nui: ${passed} passed, ${failed} failed${todo ? `, ${todo} todo` : ''} (${((Date.now() - t0) / 1000).toFixed(0)}s; screenshots in test-results/screenshots)`);
process.exit(failed ? 1 : 0);
