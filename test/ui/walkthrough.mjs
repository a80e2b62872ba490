// The walk-through a new user makes on a copy of examples/quickstart. Each step runs against the packaged
// extension in code-server; later features add their steps here.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { assert, clickNotificationButton, contextMenu, openContainer, quickInput, runCommand, waitForRow, waitForWorkbench, treeRows } from './workbench.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export const walkthrough = [
  {
    name: 'open the MLOps container: Experiments, Models and Data views with their welcome buttons',
    critical: true,
    async run({ page, shot }) {
      await waitForWorkbench(page);
      await openContainer(page);
      for (const view of ['Experiments', 'Models', 'Data']) {
        await page.locator('.part.sidebar .pane-header', { hasText: view }).first().waitFor({ timeout: 30_000 });
      }
      await page.locator('.part.sidebar .welcome-view-content', { hasText: 'Initialize Data Versioning' }).first().waitFor({ timeout: 30_000 });
      // The quickstart has an MLproject: its entry points are offered, not "Create an MLproject".
      await page.locator('.part.sidebar .welcome-view-content .monaco-button', { hasText: 'Run Entry Point…' }).first().waitFor({ timeout: 30_000 });
      for (const wrong of ['Open a folder', 'no data provider', 'Create an MLproject', 'Loading…']) {
        assert.equal(await page.locator('.part.sidebar .pane-body', { hasText: wrong }).count(), 0, `the views do not say "${wrong}" once activated`);
      }
      await shot('mlops-container');
    },
  },
  {
    name: 'create an experiment from the palette and see it in the Experiments tree',
    async run({ page, shot }) {
      await runCommand(page, 'MLOps: Create Experiment');
      const input = page.locator('.quick-input-widget .quick-input-box input');
      await input.waitFor();
      await input.fill('ui-experiment');
      await input.press('Enter');
      await waitForRow(page, 'Experiments', 'ui-experiment');
      await shot('experiment-created');
    },
  },
  {
    name: 'run an entry point from the command palette with a parameter typed in',
    async run({ page, shot }) {
      await runCommand(page, 'MLOps: Run Entry Point');
      const input = page.locator('.quick-input-widget .quick-input-box input');
      await page.locator('.quick-input-list .monaco-list-row', { hasText: 'main' }).first().waitFor({ timeout: 30_000 });
      await input.fill('main');
      await input.press('Enter');
      // alpha: typed in; epochs and data: defaults.
      await page.locator('.quick-input-widget', { hasText: 'alpha' }).waitFor();
      await input.fill('0.3');
      await input.press('Enter');
      await page.locator('.quick-input-widget', { hasText: 'epochs' }).waitFor();
      await input.press('Enter');
      await page.locator('.quick-input-widget', { hasText: 'data' }).waitFor();
      await input.press('Enter');
      await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Run' }).first().waitFor();
      await shot('command-preview');
      await input.press('Enter');
    },
  },
  {
    name: 'see the run appear and finish in the Experiments tree',
    async run({ page, shot }) {
      // A run started from the editor is revealed: its experiment expands by itself, the run is selected.
      await waitForRow(page, 'Experiments', 'Default', 60_000);
      const row = await waitForRow(page, 'Experiments', 'rmse', 90_000);
      for (let i = 0; i < 120; i++) {
        if (await row.locator('.codicon-pass').count()) break;
        await new Promise((r) => setTimeout(r, 500));
      }
      assert.ok(await row.locator('.codicon-pass').count(), 'the run shows as finished');
      await shot('run-finished');
    },
  },
  {
    name: 'log a second run from a terminal with mlops run, select both runs and open Compare Runs: table and charts draw',
    async run({ page, ws, shot }) {
      // The window owns the store: the CLI logs through the window's tracking server, as in a Codespaces terminal.
      const cli = spawnSync(process.execPath, [path.join(ROOT, 'dist', 'cli.js'), 'run', ws, '-P', 'alpha=0.02', '-P', 'epochs=12', '--run-name', 'ui-second', '--workspace', ws], { cwd: ws, encoding: 'utf8', timeout: 120_000 });
      assert.equal(cli.status, 0, `mlops run: ${cli.stderr}`);
      assert.match(cli.stderr, /logging through the store's owner/);
      const second = await waitForRow(page, 'Experiments', 'ui-second', 30_000);
      // Let the tree settle on the finished run before selecting in it (a refresh can close a context menu).
      for (let i = 0; i < 60 && !(await second.locator('.codicon-pass').count()); i++) await new Promise((r) => setTimeout(r, 250));
      const first = treeRows(page, 'Experiments').filter({ hasText: 'rmse' }).filter({ hasNotText: 'ui-second' }).first();
      await first.click();
      await second.click({ modifiers: ['Control'] });
      // The first click opens that run's page; once the preview has taken focus it no longer closes the menu.
      await page.locator('.tabs-container .tab.active', { hasText: 'Preview' }).first().waitFor({ timeout: 30_000 });
      await new Promise((r) => setTimeout(r, 750));
      const tab = page.locator('.tabs-container .tab', { hasText: 'Compare:' }).first();
      const active = page.locator('.tabs-container .tab.active', { hasText: 'Compare:' }).first();
      for (let attempt = 1; ; attempt++) {
        await contextMenu(page, second, 'Compare Runs');
        // The panel opens after the run page has landed, so Compare is in front.
        const opened = await active.waitFor({ timeout: 10_000 }).then(
          () => true,
          () => false,
        );
        if (opened) break;
        assert.ok(attempt < 3, 'Compare Runs from the context menu opens the compare panel');
      }
      await new Promise((r) => setTimeout(r, 1000));
      assert.equal(await page.locator('.tabs-container .tab.active', { hasText: 'Compare:' }).count(), 1, 'no run page opened on top of Compare');
      const view = page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
      await view.locator('canvas').first().waitFor({ timeout: 60_000 });
      await view.getByText('ui-second').first().waitFor();
      // Coloured pixels: the runs' lines (axes and grid are grey).
      let coloured = 0;
      for (let i = 0; i < 40 && coloured < 50; i++) {
        coloured = await view.locator('body').evaluate(() => {
          let n = 0;
          for (const c of document.querySelectorAll('canvas')) {
            const ctx = c.getContext('2d');
            if (!ctx || !c.width) continue;
            const d = ctx.getImageData(0, 0, c.width, c.height).data;
            for (let j = 0; j < d.length; j += 4) if (d[j + 3] > 0 && Math.max(d[j], d[j + 1], d[j + 2]) - Math.min(d[j], d[j + 1], d[j + 2]) > 60) n++;
          }
          return n;
        });
        if (coloured < 50) await new Promise((r) => setTimeout(r, 250));
      }
      assert.ok(coloured >= 50, `the history chart drew the runs' lines (${coloured} coloured pixels)`);
      await shot('compare-runs');
      // The run page the clicks opened: let it render once (a preview restores from what it saved when shown).
      const preview = page.locator('.tabs-container .tab', { hasText: 'Preview' }).first();
      await preview.click();
      const md = page.frameLocator('iframe.webview.ready >> visible=true').frameLocator('#active-frame');
      await md.getByText('Parameters').first().waitFor({ timeout: 30_000 });
      await tab.click();
      await view.locator('canvas').first().waitFor();
      // The webview takes focus when it is shown; let that settle before the palette opens.
      await new Promise((r) => setTimeout(r, 1500));
      // The panel survives a window reload with the same runs (WebviewPanelSerializer + the webview's state).
      await runCommand(page, 'Developer: Reload Window');
      await new Promise((r) => setTimeout(r, 3000));
      await waitForWorkbench(page);
      const restored = page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
      await restored.getByText('ui-second').first().waitFor({ timeout: 60_000 });
      // …and its charts get their series again from the new extension host.
      await restored.getByText(/2 runs · [1-9]\d* points/).first().waitFor({ timeout: 30_000 });
      await shot('compare-restored-after-reload');
      // The run page comes back too (its content provider activates the extension: onFileSystem:mlops-run).
      await preview.click();
      await md.getByText('Parameters').first().waitFor({ timeout: 30_000 });
      assert.equal(await md.getByText('unexpected error').count(), 0, 'the run page restored without an error');
      await openContainer(page);
      const exp = await waitForRow(page, 'Experiments', 'Default', 60_000);
      if ((await exp.getAttribute('aria-expanded')) !== 'true') await exp.click();
      await waitForRow(page, 'Experiments', 'ui-second', 30_000);
    },
  },
  {
    name: 'register a model version from the run\'s context menu and give it an alias in the Models tree',
    async run({ page, shot }) {
      const run = await waitForRow(page, 'Experiments', 'rmse');
      await contextMenu(page, run, 'Register Model');
      const input = await quickInput(page);
      await page.locator('.quick-input-list .monaco-list-row', { hasText: 'New model' }).first().waitFor();
      await input.press('Enter');
      await page.locator('.quick-input-widget', { hasText: 'New registered model' }).waitFor();
      await input.fill('ui-model');
      await input.press('Enter');
      const model = await waitForRow(page, 'Models', 'ui-model');
      if ((await model.getAttribute('aria-expanded')) !== 'true') await model.click();
      const version = await waitForRow(page, 'Models', 'v1');
      await contextMenu(page, version, 'Set Model Alias');
      await page.locator('.quick-input-widget', { hasText: 'Alias for ui-model v1' }).waitFor();
      await input.fill('champion');
      await input.press('Enter');
      await waitForRow(page, 'Models', '@champion');
      await shot('model-registered-with-alias');
    },
  },
  {
    name: 'filter runs with the search grammar: an error names the position, a filter hides the run, clearing shows it',
    async run({ page, shot }) {
      await runCommand(page, 'MLOps: Filter Runs');
      const input = await quickInput(page);
      await input.fill('metrics.rmse <');
      const message = page.locator('.quick-input-widget .quick-input-message');
      await message.filter({ hasText: /position|column|at \d+/i }).first().waitFor({ timeout: 15_000 });
      await shot('filter-error');
      await input.fill('metrics.rmse < 0');
      await input.press('Enter');
      const rows = treeRows(page, 'Experiments').filter({ hasText: 'rmse' });
      for (let i = 0; i < 60 && (await rows.count()); i++) await new Promise((r) => setTimeout(r, 250));
      assert.equal(await rows.count(), 0, 'no run has a negative rmse');
      await runCommand(page, 'MLOps: Clear Run Filter');
      await waitForRow(page, 'Experiments', 'rmse');
      await shot('filter-cleared');
    },
  },
  {
    name: 'change a data file and answer the "Version it?" prompt',
    async run({ page, ws, shot }) {
      await runCommand(page, 'MLOps: Initialize Data Versioning');
      await page.locator('.notifications-toasts .notification-toast', { hasText: 'Data versioning initialized' }).first().waitFor({ timeout: 30_000 });
      // The watcher starts once versioning is initialized; a file written before it is ready belongs to its first
      // scan, which it does not report as new. Give it a moment.
      await new Promise((r) => setTimeout(r, 2000));
      // A new large file under data/ is offered for versioning once it is completely written.
      const big = path.join(ws, 'data', 'features.bin');
      fs.writeFileSync(big, Buffer.alloc(2 * 1024 * 1024, 7));
      await clickNotificationButton(page, 'data/features.bin is new. Version it?', 'Version');
      for (let i = 0; i < 100 && !fs.existsSync(`${big}.dvc`); i++) await new Promise((r) => setTimeout(r, 200));
      assert.ok(fs.existsSync(`${big}.dvc`), 'features.bin.dvc written');
      await waitForRow(page, 'Data', 'data/features.bin');
      await shot('data-versioned');
      // Change it: the prompt comes back for the tracked file, and versioning records the new md5.
      // (Our own writes are muted while versioning runs; change the file after that.)
      await new Promise((r) => setTimeout(r, 2500));
      fs.appendFileSync(big, Buffer.alloc(1024, 9));
      await clickNotificationButton(page, 'data/features.bin changed. Version it?', 'Version');
      const before = fs.readFileSync(`${big}.dvc`, 'utf8');
      let after = before;
      for (let i = 0; i < 100 && after === before; i++) {
        await new Promise((r) => setTimeout(r, 200));
        after = fs.readFileSync(`${big}.dvc`, 'utf8');
      }
      assert.notEqual(after, before, 'the .dvc file records the new version');
      assert.ok((await treeRows(page, 'Data').count()) >= 1);
      await shot('data-changed-versioned');
    },
  },
  {
    name: "point the workspace at a team's MLflow server: the status bar and the Team Server view show it",
    async run({ page, ws, shot }) {
      // The team's server: `mlops server` over a folder of its own, with a token, and a colleague's run in it.
      const { spawn } = await import('node:child_process');
      const os = await import('node:os');
      const net = await import('node:net');
      const teamDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlops-ui-team-'));
      const port = await new Promise((resolve) => {
        const srv = net.createServer().listen(0, '127.0.0.1', () => {
          const p = srv.address().port;
          srv.close(() => resolve(p));
        });
      });
      const token = 'ui-team-token';
      const child = spawn(process.execPath, [path.join(ROOT, 'dist', 'cli.js'), 'server', '--workspace', teamDir, '--port', String(port), '--token', token], { stdio: 'ignore' });
      const url = `http://127.0.0.1:${port}`;
      try {
        for (let i = 0; i < 100; i++) {
          const up = await fetch(`${url}/health`).then((r) => r.ok, () => false);
          if (up) break;
          await new Promise((r) => setTimeout(r, 200));
        }
        const post = async (p, body) => {
          const r = await fetch(`${url}/api/2.0/mlflow/${p}`, { method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
          assert.equal(r.status, 200, `${p}: ${await r.clone().text()}`);
          return r.json();
        };
        const { experiment_id } = await post('experiments/create', { name: 'team-forecast' });
        const { run } = await post('runs/create', { experiment_id, run_name: 'colleague-run', start_time: Date.now() });
        await post('runs/log-metric', { run_id: run.info.run_id, key: 'rmse', value: 0.42, timestamp: Date.now(), step: 0 });

        // The workspace setting names the server; without a token the status bar asks to sign in.
        const settingsFile = path.join(ws, '.vscode', 'settings.json');
        fs.mkdirSync(path.dirname(settingsFile), { recursive: true });
        const settings = fs.existsSync(settingsFile) ? JSON.parse(fs.readFileSync(settingsFile, 'utf8')) : {};
        fs.writeFileSync(settingsFile, JSON.stringify({ ...settings, 'mlops.tracking.uri': url }, null, 2));
        const status = page.locator('.statusbar-item', { hasText: 'Team:' }).first();
        await status.filter({ hasText: 'sign in' }).waitFor({ timeout: 30_000 });
        // The token goes through a password box into SecretStorage.
        await runCommand(page, 'MLOps: Set Team Server Token');
        const input = page.locator('.quick-input-widget .quick-input-box input');
        await input.waitFor();
        assert.equal(await input.getAttribute('type'), 'password', 'the token is typed into a password box');
        await input.fill(token);
        await input.press('Enter');
        await page.locator('.statusbar-item', { hasText: `Team: 127.0.0.1:${port}` }).filter({ hasNotText: 'sign in' }).first().waitFor({ timeout: 30_000 });
        await page.locator('.part.sidebar .pane-header', { hasText: 'Team Server' }).first().waitFor({ timeout: 30_000 });
        const expRow = await waitForRow(page, 'Team Server', 'team-forecast');
        await expRow.click();
        await waitForRow(page, 'Team Server', 'colleague-run');
        assert.ok((await treeRows(page, 'Team Server').filter({ hasText: 'rmse 0.42' }).count()) >= 1, 'the run shows its key metric');
        await shot('team-server');
        const stored = fs.readFileSync(settingsFile, 'utf8');
        assert.ok(!stored.includes(token), 'the token is not in settings.json');
      } finally {
        child.kill('SIGTERM');
        const settingsFile = path.join(ws, '.vscode', 'settings.json');
        if (fs.existsSync(settingsFile)) {
          const settings = JSON.parse(fs.readFileSync(settingsFile, 'utf8'));
          delete settings['mlops.tracking.uri'];
          fs.writeFileSync(settingsFile, JSON.stringify(settings, null, 2));
        }
      }
    },
  },
];
