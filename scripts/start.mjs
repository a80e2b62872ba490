#!/usr/bin/env node
// npm start: build, then open examples/quickstart with the extension loaded: in desktop VS Code when a `code`
// command exists, otherwise in a browser-hosted VS Code (code-server on 127.0.0.1) whose URL is printed.
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { ROOT, CS_ENTRY, cleanupAll, freePort, remoteUri, scratchDir, startCodeServer } from './vscode-host/host.mjs';
import fs from 'node:fs';

const quickstart = path.join(ROOT, 'examples', 'quickstart');
if (spawnSync(process.execPath, ['esbuild.mjs'], { cwd: ROOT, stdio: 'inherit' }).status !== 0) process.exit(1);
const hasCode = spawnSync('sh', ['-c', 'command -v code'], { encoding: 'utf8' }).status === 0 && !process.env.MLOPS_START_WEB;
if (hasCode) {
  spawn('code', ['--extensionDevelopmentPath', ROOT, quickstart], { stdio: 'inherit', detached: true }).unref();
  console.log('Opened examples/quickstart in VS Code with MLOps Workbench loaded.');
  process.exit(0);
}
if (!fs.existsSync(CS_ENTRY)) {
  console.log('No `code` command here: installing a browser-hosted VS Code (code-server) into .vscode-host/ …');
  if (spawnSync('bash', [path.join(ROOT, 'scripts/install-vscode-host.sh')], { stdio: 'inherit' }).status !== 0) process.exit(1);
}
const port = Number(process.env.PORT) || (await freePort());
const server = await startCodeServer({ runDir: scratchDir('mlops-start-'), port, folder: quickstart });
const q = new URLSearchParams({ folder: quickstart, payload: JSON.stringify([['extensionDevelopmentPath', remoteUri(port, ROOT)]]) });
console.log(`\nMLOps Workbench is running in a browser-hosted VS Code (code-server pid ${server.pid}).\nOpen: ${server.url}/?${q}\n\nCtrl-C stops it.`);
process.on('SIGINT', async () => {
  await cleanupAll();
  process.exit(0);
});
setInterval(() => {}, 1 << 30);
