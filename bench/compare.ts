// Compare webview: time from the series message to the first painted frame, in Chromium under the panel's
// CSP, for 20 runs × 100,000 points and for 1 run × 10^6 points, each downsampled by the extension's
// min/max bucketing to about 2 × the chart's pixel width, beside the same data drawn without downsampling
// (the baseline). Reported as medians and ratios; nothing here is asserted.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import * as esbuild from 'esbuild';
import { launchBrowser, openComparePage, startWebviewServer } from '../test/webview/harness';

const quick = !!process.env.MLOPS_BENCH_QUICK;
const root = path.resolve(__dirname, '..');

interface Result {
  paintMs: number;
  downsampleMs: number;
  points: number;
  pixelWidth: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export async function run() {
  const build = spawnSync(process.execPath, ['esbuild.mjs'], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) throw new Error('build failed');
  const ds = await esbuild.build({
    entryPoints: [path.join(root, 'src/core/compare/downsample.ts')],
    bundle: true,
    format: 'iife',
    globalName: '__DS',
    platform: 'browser',
    write: false,
    logLevel: 'warning',
  });
  const server = await startWebviewServer({
    extraScripts: { '/ds.js': ds.outputFiles[0].text, '/bench.js': fs.readFileSync(path.join(__dirname, '_compare-page.js'), 'utf8') },
  });
  const browser = await launchBrowser();
  const reps = quick ? 1 : 3;
  try {
    const measure = async (runs: number, points: number, downsample: boolean): Promise<Result> => {
      const results: Result[] = [];
      for (let i = 0; i < reps + 1; i++) {
        const cp = await openComparePage(browser, server);
        try {
          await cp.page.waitForFunction(() => (window as unknown as { __stub: { posted: { type: string }[] } }).__stub.posted.some((m) => m.type === 'ready'));
          const r = (await cp.page.evaluate((cfg) => (window as unknown as { __bench: { run(c: unknown): Promise<Result> } }).__bench.run(cfg), {
            runs,
            points,
            downsample,
          })) as Result;
          const bad = await cp.page.evaluate(() => (window as unknown as { __stub: { violations: string[] } }).__stub.violations);
          if (bad.length || cp.problems.length) throw new Error(`page problems: ${[...bad, ...cp.problems].join('; ')}`);
          if (i > 0) results.push(r); // the first page warms up the browser's caches
        } finally {
          await cp.close();
        }
      }
      return {
        paintMs: median(results.map((r) => r.paintMs)),
        downsampleMs: median(results.map((r) => r.downsampleMs)),
        points: results[0].points,
        pixelWidth: results[0].pixelWidth,
      };
    };
    const cases: [string, number, number][] = [
      ['20 runs × 100,000 points', 20, 100_000],
      ['1 run × 1,000,000 points', 1, 1_000_000],
    ];
    for (const [label, runs, points] of cases) {
      const down = await measure(runs, points, true);
      const raw = await measure(runs, points, false);
      console.log(`${label} (chart ${down.pixelWidth}px wide):`);
      console.log(
        `  downsampled to ${down.points.toLocaleString('en-US')} points: first paint ${down.paintMs.toFixed(1)} ms (+ ${down.downsampleMs.toFixed(1)} ms downsampling in the page; the host does it)${runs === 20 ? `, target < 300 ms: ${down.paintMs < 300 ? 'met' : 'NOT met'}` : ''}`,
      );
      console.log(`  baseline, all ${raw.points.toLocaleString('en-US')} points:   first paint ${raw.paintMs.toFixed(1)} ms`);
      console.log(
        `  ratio downsampled / baseline: ${(down.paintMs / raw.paintMs).toFixed(3)} (downsampling + paint: ${((down.paintMs + down.downsampleMs) / raw.paintMs).toFixed(3)})`,
      );
    }
    console.log(`(${reps} measured page load${reps > 1 ? 's' : ''} per case after one warm-up; medians)`);
  } finally {
    await browser.close();
    await server.close();
  }
}
