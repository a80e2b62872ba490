// Team runs mirrored into a local store for the compare charts: the server's ids, whole histories, and a second
// mirror adds only what is new (a run that finished, points logged since).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connectionFromEnv, mirrorRuns, RemoteBackend } from '../../../src/core/backend';
import { openStore } from '../../../src/core/openStore';
import { startServer } from '../../../src/core/server';
import * as T from '../../../src/core/tracking';
import { getMetricHistory } from '../../../src/core/tracking/history';
import { tempDir } from '../../helpers/tmp';

test('mirrorRuns copies team runs under their own ids with whole histories; again, only what is new', async (t) => {
  const teamWs = tempDir();
  const teamStore = await openStore(teamWs);
  const server = await startServer({ store: teamStore, workspace: teamWs, advertise: false });
  t.after(async () => (await server.close(), teamStore.close()));
  const exp = T.createExperiment(teamStore, { name: 'shared' });
  const run = T.createRun(teamStore, { experiment_id: exp, run_name: 'long' });
  const id = run.info.run_id;
  T.logBatch(teamStore, id, { params: [{ key: 'lr', value: '0.1' }] });
  for (let b = 0; b < 3; b++) {
    T.logBatch(teamStore, id, {
      metrics: Array.from({ length: 1000 }, (_, i) => ({ key: 'loss', value: 1 / (b * 1000 + i + 1), timestamp: 1000 + b * 1000 + i, step: b * 1000 + i })),
    });
  }

  const remote = new RemoteBackend(connectionFromEnv(server.url, { MLFLOW_TRACKING_TOKEN: server.token }));
  t.after(() => remote.close());
  const cache = await openStore(tempDir());
  t.after(() => cache.close());
  const seen: number[] = [];
  const first = await mirrorRuns(remote, cache, [id], { onProgress: (d) => seen.push(d) });
  assert.deepEqual(seen, [1]);
  assert.equal(first.created.runs, 1);
  assert.equal(first.created.metricPoints, 3000);
  const copy = T.getRun(cache, id);
  assert.equal(copy.info.run_name, 'long');
  assert.equal(copy.info.status, 'RUNNING');
  assert.equal(T.getExperiment(cache, copy.info.experiment_id).name, 'shared');
  assert.equal(getMetricHistory(cache, id, 'loss').values.length, 3000, 'the whole history, past any page size');

  T.logBatch(teamStore, id, { metrics: [{ key: 'loss', value: 0.0001, timestamp: 9999, step: 3000 }] });
  T.updateRun(teamStore, id, { status: 'FINISHED', end_time: 10_000 });
  // Following a running run reads only the new steps (the sampled endpoint, complete for a short range).
  let fullReads = 0;
  const history = remote.metricHistory.bind(remote);
  remote.metricHistory = (runId, key) => (fullReads++, history(runId, key));
  const again = await mirrorRuns(remote, cache, [id]);
  assert.equal(fullReads, 0, 'no whole history read again');
  assert.equal(again.created.runs, 0);
  assert.equal(again.created.metricPoints, 1);
  assert.equal(T.getRun(cache, id).info.status, 'FINISHED');
  assert.equal(getMetricHistory(cache, id, 'loss').values.length, 3001);
  const unchanged = await mirrorRuns(remote, cache, [id]);
  assert.equal(unchanged.created.metricPoints, 0);
  assert.equal(fullReads, 0, 'an unchanged run reads no history at all');
});
