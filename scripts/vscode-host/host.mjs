// Shared harness for the suites that need a real VS Code: code-server (the VS Code server and its web
// workbench, the Codespaces topology) on 127.0.0.1, and Debian's chromium driven by playwright-core.
// Everything started here is stopped by PID, also when a test fails or the process is interrupted.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const HOST_DIR = process.env.VSCODE_HOST_DIR || path.join(ROOT, '.vscode-host');
export const CS_ENTRY = path.join(HOST_DIR, 'node_modules/code-server/out/node/entry.js');
export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

const cleanups = new Set();
let exiting = false;
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, async () => {
    if (exiting) return;
    exiting = true;
    await cleanupAll();
    process.exit(130);
  });
}
process.on('exit', () => {
  for (const c of cleanups) c.sync?.();
});

export async function cleanupAll() {
  for (const c of [...cleanups].reverse()) {
    try {
      await c.async();
    } catch {
      /* keep cleaning */
    }
    cleanups.delete(c);
  }
}

export function requireHost() {
  if (!fs.existsSync(CS_ENTRY)) {
    console.error(`code-server is not installed in ${HOST_DIR}; run: bash scripts/install-vscode-host.sh`);
    process.exit(2);
  }
  if (!fs.existsSync(CHROMIUM)) {
    console.error(`${CHROMIUM} not found; run: bash scripts/install-vscode-host.sh (installs Debian's chromium)`);
    process.exit(2);
  }
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

export function scratchDir(prefix) {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Copies examples/quickstart (or another folder) into a fresh workspace, made a git repo with one commit. */
export function workspaceFrom(src, dest) {
  fs.cpSync(src, dest, { recursive: true, filter: (p) => !p.includes(`${path.sep}.mlops`) && !p.includes('__pycache__') });
  const git = (...a) => spawn('git', a, { cwd: dest, stdio: 'ignore' });
  return new Promise((resolve) => {
    const steps = [['init', '-q'], ['-c', 'user.email=t@example.invalid', '-c', 'user.name=test', 'add', '-A'], ['-c', 'user.email=t@example.invalid', '-c', 'user.name=test', 'commit', '-qm', 'quickstart']];
    const next = () => {
      const s = steps.shift();
      if (!s) return resolve(dest);
      git(...s).on('exit', next);
    };
    next();
  });
}

/**
 * Starts code-server on 127.0.0.1 with scratch user data, extensions and config, no gallery and no
 * telemetry, in its own process group. Resolves once /healthz answers.
 */
export async function startCodeServer({ runDir, port, folder, env = {}, settings = {} }) {
  for (const d of ['udd/User', 'exts']) fs.mkdirSync(path.join(runDir, d), { recursive: true });
  fs.writeFileSync(path.join(runDir, 'config.yaml'), 'auth: none\ncert: false\n');
  fs.writeFileSync(
    path.join(runDir, 'udd/User/settings.json'),
    JSON.stringify({
      'telemetry.telemetryLevel': 'off',
      'update.mode': 'none',
      'extensions.autoCheckUpdates': false,
      'extensions.autoUpdate': false,
      'extensions.ignoreRecommendations': true,
      'workbench.enableExperiments': false,
      'workbench.startupEditor': 'none',
      'workbench.tips.enabled': false,
      'security.workspace.trust.enabled': false,
      'chat.disableAIFeatures': true,
      'git.openRepositoryInParentFolders': 'never',
      ...settings,
    }),
  );
  const log = fs.openSync(path.join(runDir, 'code-server.log'), 'w');
  const child = spawn(
    process.execPath,
    [
      CS_ENTRY,
      '--config', path.join(runDir, 'config.yaml'),
      '--auth', 'none',
      '--bind-addr', `127.0.0.1:${port}`,
      '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust',
      '--disable-getting-started-override', '--disable-proxy',
      '--user-data-dir', path.join(runDir, 'udd'),
      '--extensions-dir', path.join(runDir, 'exts'),
      folder,
    ],
    { detached: true, stdio: ['ignore', log, log], env: { ...process.env, EXTENSIONS_GALLERY: '{}', ...env } },
  );
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      /* gone */
    }
    for (let i = 0; i < 30 && child.exitCode === null && child.signalCode === null; i++) await new Promise((r) => setTimeout(r, 100));
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  };
  const entry = { async: stop, sync: () => { try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ } } };
  cleanups.add(entry);
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) break;
    } catch {
      /* not yet */
    }
    if (child.exitCode !== null || i > 900) {
      throw new Error(`code-server did not start:\n${fs.readFileSync(path.join(runDir, 'code-server.log'), 'utf8').slice(-3000)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { pid: child.pid, url: `http://127.0.0.1:${port}`, stop: async () => { await stop(); cleanups.delete(entry); } };
}

/** Headless Debian chromium through playwright-core, with a scratch profile and no background networking. */
export async function launchChromium() {
  const { chromium } = await import('playwright-core');
  const profile = scratchDir('mlops-chromium-');
  const ctx = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1400, height: 900 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
    env: { ...process.env, XDG_CONFIG_HOME: path.join(profile, 'xdg'), XDG_CACHE_HOME: path.join(profile, 'cache') },
  });
  const entry = {
    async: async () => {
      await ctx.close().catch(() => {});
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
  cleanups.add(entry);
  return {
    ctx,
    page: ctx.pages()[0] ?? (await ctx.newPage()),
    close: async () => {
      await entry.async();
      cleanups.delete(entry);
    },
  };
}

export function remoteUri(port, p) {
  return `vscode-remote://127.0.0.1:${port}${p}`;
}
