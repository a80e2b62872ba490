// @vscode/test-cli configuration: the same extension-host suite as scripts/run-ext-tests.mjs, for machines
// that can download VS Code (npm run test:vscode:electron). Build first (node esbuild.mjs).
import { defineConfig } from '@vscode/test-cli';

export default defineConfig({
  files: 'dist/test/vscode/**/*.test.js',
  version: '1.100.3',
  workspaceFolder: './examples/quickstart',
  mocha: { ui: 'bdd', timeout: 60_000 },
  launchArgs: ['--disable-extensions', '--disable-gpu'],
});
