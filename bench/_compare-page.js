// Page side of bench/compare.ts: loaded as a nonced script beside the vscode stand-in. Generates metric
// histories in the page (so nothing big crosses the CDP wire), optionally downsamples them with the
// extension's own downsampler (bundled as window.__DS), and times series message → first paint.
(() => {
  'use strict';
  function lcg(seed) {
    let s = seed >>> 0;
    return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 4294967296);
  }
  function history(runIndex, n, t0) {
    const rnd = lcg(runIndex + 1);
    const steps = new Float64Array(n);
    const timestamps = new Float64Array(n);
    const values = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      steps[i] = i;
      timestamps[i] = t0 + i * 50 + Math.floor(rnd() * 10);
      values[i] = 1 + runIndex * 0.1 + Math.exp((-5 * i) / n) + 0.05 * (rnd() - 0.5) + (rnd() < 1e-4 ? 2 : 0);
    }
    return { steps, timestamps, values };
  }
  function nextDraw(expectedPoints) {
    return new Promise((resolve) => {
      const check = () => {
        const el = document.querySelector('.history-panel[data-key="loss"] .points');
        if (el && el.getAttribute('data-points') === String(expectedPoints)) {
          window.removeEventListener('mlops-compare-drawn', check);
          // the frame that shows what was drawn
          requestAnimationFrame(() => resolve(performance.now()));
        }
      };
      window.addEventListener('mlops-compare-drawn', check);
    });
  }
  window.__bench = {
    async run(cfg) {
      const stub = window.__stub;
      stub.autoRespond = false;
      const t0 = 1700000000000;
      const runs = Array.from({ length: cfg.runs }, (_, i) => ({
        runId: `r${i}`, name: `run ${i}`, experimentId: '1', experimentName: 'bench', status: 'FINISHED',
        startTime: t0, endTime: t0 + cfg.points * 50, params: { i: String(i) }, metrics: { loss: 1 }, tags: {},
        color: `hsl(${(i * 137.5) % 360}, 70%, 55%)`,
      }));
      window.postMessage({ type: 'init', protocol: 1, title: 'bench', runs, metricKeys: ['loss'], state: { runIds: runs.map((r) => r.runId) } }, '*');
      const req = await new Promise((resolve) => {
        const poll = () => {
          const m = stub.posted.find((x) => x.type === 'requestSeries');
          if (m) resolve(m);
          else setTimeout(poll, 5);
        };
        poll();
      });
      const raw = runs.map((r, i) => history(i, cfg.points, r.startTime));
      let downsampleMs = 0;
      let pointsPerRun = raw.map((h) => h.values.length);
      let series;
      if (cfg.downsample) {
        const s0 = performance.now();
        const ds = raw.map((h) => window.__DS.downsample(h, { xAxis: 'step', maxPoints: 2 * req.pixelWidth }));
        downsampleMs = performance.now() - s0;
        pointsPerRun = ds.map((d) => d.values.length);
        series = ds.map((d, i) => ({ runId: runs[i].runId, key: 'loss', steps: d.steps.slice().buffer, timestamps: d.timestamps.slice().buffer, values: d.values.slice().buffer, total: d.total, downsampled: d.downsampled }));
      } else {
        series = raw.map((h, i) => ({ runId: runs[i].runId, key: 'loss', steps: h.steps.buffer, timestamps: h.timestamps.buffer, values: h.values.buffer, total: h.values.length, downsampled: false }));
      }
      const expected = pointsPerRun.reduce((a, b) => a + b, 0);
      await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
      const painted = nextDraw(expected);
      const start = performance.now();
      // the message crosses a structured clone, as VS Code's postMessage does
      window.postMessage({ type: 'series', requestId: req.requestId, xAxis: 'step', series }, '*');
      const end = await painted;
      return { paintMs: end - start, downsampleMs, points: expected, pixelWidth: req.pixelWidth };
    },
  };
})();
