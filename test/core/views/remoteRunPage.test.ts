import assert from 'node:assert/strict';
import { test } from 'node:test';
import { remoteRunMarkdown } from '../../../src/core/views/remoteRunPage';
import type { Run } from '../../../src/core/tracking/types';

const run = (over: Partial<Run['info']> = {}, data: Partial<Run['data']> = {}): Run =>
  ({
    info: {
      run_id: 'abc123',
      run_name: 'r',
      experiment_id: '1',
      status: 'FINISHED',
      start_time: 1_700_000_000_000,
      end_time: 1_700_000_065_000,
      lifecycle_stage: 'active',
      artifact_uri: '',
      user_id: 'ana',
      ...over,
    },
    data: { params: [], metrics: [], tags: [], ...data },
    inputs: { dataset_inputs: [] },
  }) as unknown as Run;

test('a team run page shows params, latest metrics, user tags and artifacts, sorted', () => {
  const md = remoteRunMarkdown({
    run: run(
      {},
      {
        params: [
          { key: 'lr', value: '0.1' },
          { key: 'epochs', value: '3' },
        ],
        metrics: [{ key: 'rmse', value: 0.125, step: 4, timestamp: 1 }],
        tags: [
          { key: 'owner', value: 'ana' },
          { key: 'mlflow.user', value: 'ana' },
          { key: 'mlops.source_run_id', value: 'local1' },
        ],
      },
    ),
    experiment: 'churn',
    server: 'https://mlflow.example.com',
    artifacts: [
      { path: 'model', is_dir: true },
      { path: 'stdout.log', is_dir: false, file_size: 12 },
    ],
  });
  assert.match(md, /^# r$/m);
  assert.match(md, /\*\*Experiment\*\* churn/);
  assert.match(md, /\*\*Duration\*\* 1m05s/);
  assert.ok(md.indexOf('| epochs | 3 |') < md.indexOf('| lr | 0\\.1 |'), md);
  assert.match(md, /\| rmse \| 0\\\.125 \\\(step 4\\\) \|/);
  assert.match(md, /\| owner \| ana \|/);
  assert.doesNotMatch(md, /mlflow\\\.user/, "MLflow's own tags stay off the table");
  assert.match(md, /Published from local run\*\* local1/);
  assert.match(md, /- model\/\n- stdout\\\.log \(12 bytes\)/);
});

test('names and values from the server render literally: no links, no markup, no broken tables', () => {
  const md = remoteRunMarkdown({
    run: run({ run_name: '[click](command:workbench.action.terminal.new) <img src=x>' }, { params: [{ key: 'a|b', value: '`x`\n# y' }] }),
    experiment: '**bold**',
    server: 'http://127.0.0.1:5000',
    artifacts: [],
  });
  assert.doesNotMatch(md, /\]\(command:/);
  assert.doesNotMatch(md, /(?<!\\)<img/);
  assert.match(md, /\\\[click\\\]\\\(command\\:/);
  assert.match(md, /\| a\\\|b \| \\`x\\` \\# y \|/, 'a pipe or a newline cannot end the cell or start a heading');
  assert.match(md, /\\\*\\\*bold\\\*\\\*/);
});
