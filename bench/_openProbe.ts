// Bundled by bench/store.ts and run as a fresh process: opens a store (read-only like `mlops runs list`, or
// as the owner after a kill -9), lists its runs, and prints the time and memory it took as JSON.
import { openStore } from '../src/core/openStore';
import * as T from '../src/core/tracking';

const t0 = performance.now();
const [ws, mode] = process.argv.slice(2);
void (async () => {
  const store = await openStore(ws, { readOnly: mode === 'read' });
  const runs = T.listExperiments(store).reduce((n, e) => n + T.listRunRows(store, e.experiment_id).length, 0);
  const ms = performance.now() - t0;
  const c = process.cpuUsage();
  const out = {
    ms,
    cpu: (c.user + c.system) / 1000,
    rss: process.memoryUsage().rss,
    maxRss: process.resourceUsage().maxRSS * 1024,
    runs,
    notes: store.report.notes.length,
  };
  process.stdout.write(JSON.stringify(out));
  // The owner leaves without a snapshot (the store stays as the crash left it, for the next probe).
  process.exit(0);
})();
