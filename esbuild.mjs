// Builds the three products: the extension (Node, CommonJS), the CLI (Node, CommonJS) and the
// webview bundles (browser). The extension-host test suite is built beside the extension.
import * as esbuild from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');
const root = path.dirname(new URL(import.meta.url).pathname);
const dist = path.join(root, 'dist');

function copyAssets() {
  fs.mkdirSync(path.join(dist, 'webview'), { recursive: true });
  // sql.js looks for its wasm beside the bundle; the store also passes locateFile explicitly.
  fs.copyFileSync(path.join(root, 'node_modules/sql.js/dist/sql-wasm.wasm'), path.join(dist, 'sql-wasm.wasm'));
  const uplotCss = path.join(root, 'node_modules/uplot/dist/uPlot.min.css');
  if (fs.existsSync(uplotCss)) fs.copyFileSync(uplotCss, path.join(dist, 'webview', 'uPlot.min.css'));
}

const nodeCommon = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: production ? false : 'linked',
  sourcesContent: false,
  minify: production,
  logLevel: 'warning',
};

function webviewEntries() {
  const dir = path.join(root, 'webview');
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir).filter((f) => /^[a-z][\w-]*\.ts$/.test(f)).map((f) => path.join(dir, f));
}

function testEntries() {
  const dir = path.join(root, 'test', 'vscode');
  if (!fs.existsSync(dir)) return [];
  const out = [];
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts')) out.push(p);
    }
  };
  walk(dir);
  return out;
}

const builds = [
  {
    ...nodeCommon,
    entryPoints: [path.join(root, 'src/extension.ts')],
    outfile: path.join(dist, 'extension.js'),
    external: ['vscode'],
  },
  {
    ...nodeCommon,
    entryPoints: [path.join(root, 'src/cli/main.ts')],
    outfile: path.join(dist, 'cli.js'),
    banner: { js: '#!/usr/bin/env node' },
  },
];
const webEntries = webviewEntries();
if (webEntries.length) {
  builds.push({
    entryPoints: webEntries,
    outdir: path.join(dist, 'webview'),
    bundle: true,
    platform: 'browser',
    format: 'esm',
    splitting: true,
    target: 'es2022',
    minify: production,
    sourcemap: production ? false : 'linked',
    sourcesContent: false,
    logLevel: 'warning',
    loader: { '.css': 'text' },
    metafile: !watch,
  });
}
const tests = testEntries();
if (tests.length && !production) {
  builds.push({
    ...nodeCommon,
    entryPoints: tests,
    outdir: path.join(dist, 'test', 'vscode'),
    outbase: path.join(root, 'test', 'vscode'),
    bundle: true,
    external: ['vscode', 'mocha'],
  });
}

// esbuild writes hashed chunk names (ecCharts-*.js, chunk-*.js) and never removes old ones, which would pile
// up in dist/webview and ship in the .vsix. A full build removes, after writing, every file in dist/webview
// it did not write (nor copyAssets). Not emptied before: a build running while a panel, a test or a bench
// loads the bundle would leave it missing for the length of the build. Watch builds leave the folder alone.
function pruneWebview(metafile) {
  const dir = path.join(dist, 'webview');
  const keep = new Set([...Object.keys(metafile.outputs).map((f) => path.resolve(root, f)), path.join(dir, 'uPlot.min.css')]);
  for (const f of fs.readdirSync(dir)) {
    const p = path.join(dir, f);
    if (!keep.has(p) && fs.statSync(p).isFile()) fs.rmSync(p);
  }
}

copyAssets();
if (watch) {
  for (const b of builds) (await esbuild.context(b)).watch();
  console.log('watching…');
} else {
  const results = await Promise.all(builds.map((b) => esbuild.build(b)));
  const web = builds.findIndex((b) => b.platform === 'browser');
  if (web >= 0) pruneWebview(results[web].metafile);
  fs.chmodSync(path.join(dist, 'cli.js'), 0o755);
}
