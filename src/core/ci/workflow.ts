import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { DvcConfig } from '../data/config';
import { loadProject } from '../project';
import { InvalidParameter } from '../errors';
import { STORE_DIR } from '../paths';

/** What `mlops ci init` asks for; everything has a default read off the workspace. */
export interface WorkflowOptions {
  /** Registered model to promote. */
  model: string;
  metric: string;
  mode: 'min' | 'max';
  alias?: string;
  minDelta?: number;
  /** A cron schedule for retraining on fresh data (UTC), e.g. "0 3 * * 1". */
  schedule?: string;
  /** The branch whose pushes retrain and may promote (default: the repository's current branch, else main). */
  branch?: string;
  /** Also run on pull requests: retrain, report in a comment, never promote. Default true. */
  pullRequests?: boolean;
  /** MLproject folder (relative) and entry point, when training is `mlops run` (default: the workspace, main). */
  project?: string;
  entryPoint?: string;
  experiment?: string;
  /** Train with `mlops repro` (dvc.yaml) instead of an entry point. Default: when dvc.yaml exists. */
  repro?: boolean;
  /** How the runner gets the `mlops` command. */
  install?: string;
  pythonVersion?: string;
  nodeVersion?: string;
}

export interface WorkflowPlan {
  file: string;
  yaml: string;
  /** Repository secrets the workflow reads, each with what it is for; optional ones change what it does when set. */
  secrets: { name: string; purpose: string; optional?: boolean }[];
  /** What the user should know (a local remote a runner cannot reach, ...). */
  notes: string[];
}

export const WORKFLOW_FILE = '.github/workflows/mlops-retrain.yml';
export const DEFAULT_INSTALL = 'npm install --global mlops-workbench@0.1.0';

const CRON_FIELD = /^(\*|\d+(-\d+)?)(\/\d+)?(,(\*|\d+(-\d+)?)(\/\d+)?)*$/;

function checkCron(expr: string): string {
  const f = expr.trim().split(/\s+/);
  if (f.length !== 5 || !f.every((x) => CRON_FIELD.test(x) || /^[A-Z]{3}(-[A-Z]{3})?$/i.test(x))) {
    throw new InvalidParameter(`--schedule must be a 5-field cron expression such as "0 3 * * 1" (minute hour day month weekday), not "${expr}"`, 'schedule');
  }
  return f.join(' ');
}

function currentBranch(ws: string): string | undefined {
  try {
    const head = fs.readFileSync(path.join(ws, '.git', 'HEAD'), 'utf8').trim();
    return /^ref: refs\/heads\/(.+)$/.exec(head)?.[1];
  } catch {
    return undefined;
  }
}

/** The shell-safe single-quoted form of a value inside a `run:` script. */
function sq(s: string): string {
  return `'${s.replace(/'/g, `'"'"'`)}'`;
}

interface PythonSetup {
  steps: Record<string, unknown>[];
  note?: string;
}

function pythonSetup(ws: string, projectDir: string, version: string): PythonSetup {
  const rel = (f: string) => path.relative(ws, f).split(path.sep).join('/') || '.';
  const has = (f: string) => fs.existsSync(path.join(projectDir, f));
  const setup = { name: 'Set up Python', uses: 'actions/setup-python@v5', with: { 'python-version': version } };
  for (const f of ['conda.yaml', 'environment.yml', 'environment.yaml']) {
    if (has(f)) {
      return {
        steps: [
          {
            name: 'Set up conda environment',
            uses: 'conda-incubator/setup-miniconda@v3',
            with: { 'environment-file': rel(path.join(projectDir, f)), 'auto-activate-base': false },
          },
        ],
        note: `Python comes from ${f} through conda; steps that need it run in a login shell (bash -el).`,
      };
    }
  }
  if (has('requirements.txt'))
    return { steps: [setup, { name: 'Install Python requirements', run: `python -m pip install -r ${sq(rel(path.join(projectDir, 'requirements.txt')))}` }] };
  if (has('python_env.yaml')) {
    return {
      steps: [
        setup,
        {
          name: 'Install the python_env.yaml dependencies',
          run: `python - <<'PY'\nimport subprocess, sys, yaml\nenv = yaml.safe_load(open(${JSON.stringify(rel(path.join(projectDir, 'python_env.yaml')))}))\nfor key in ('build_dependencies', 'dependencies'):\n    deps = env.get(key) or []\n    if deps:\n        subprocess.check_call([sys.executable, '-m', 'pip', 'install', *deps])\nPY`,
        },
      ],
    };
  }
  if (has('pyproject.toml')) return { steps: [setup, { name: 'Install the project', run: `python -m pip install ${sq(rel(projectDir))}` }] };
  return { steps: [setup], note: 'no requirements.txt, python_env.yaml, conda.yaml or pyproject.toml: the runner has a bare Python' };
}

/** The team server the workspace's settings name (`mlops.tracking.uri` in .vscode/settings.json), if any. */
function configuredTeamServer(ws: string): string | undefined {
  try {
    const text = fs.readFileSync(path.join(ws, '.vscode', 'settings.json'), 'utf8');
    return /"mlops\.tracking\.uri"\s*:\s*"([^"]+)"/.exec(text)?.[1];
  } catch {
    return undefined;
  }
}

/** A job's steps see the secret through env; empty when the repository has no such secret. */
const TEAM = "env.MLFLOW_TRACKING_URI == ''";

function remoteSecrets(ws: string): { env: Record<string, string>; secrets: WorkflowPlan['secrets']; notes: string[]; hasRemote: boolean } {
  const env: Record<string, string> = {};
  const secrets: WorkflowPlan['secrets'] = [];
  const notes: string[] = [];
  const dvcDir = path.join(ws, '.dvc');
  if (!fs.existsSync(dvcDir)) return { env, secrets, notes, hasRemote: false };
  const remotes = DvcConfig.load(dvcDir).remotes();
  for (const r of remotes) {
    if (/^s3:\/\//i.test(r.rawUrl)) {
      for (const [name, purpose] of [
        ['AWS_ACCESS_KEY_ID', `access key of the S3 remote "${r.name}"`],
        ['AWS_SECRET_ACCESS_KEY', `secret key of the S3 remote "${r.name}"`],
      ]) {
        if (!env[name]) secrets.push({ name, purpose });
        env[name] = `\${{ secrets.${name} }}`;
      }
    } else if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(r.rawUrl)) {
      notes.push(`remote "${r.name}" is a local folder (${r.rawUrl}): a hosted runner cannot reach it; use a self-hosted runner or an S3 remote`);
    } else {
      notes.push(`remote "${r.name}" (${r.rawUrl.split(':')[0]}) needs its credentials added to the workflow's env by hand`);
    }
  }
  return { env, secrets, notes, hasRemote: remotes.length > 0 };
}

/** Writes nothing: the workflow for a workspace, with the secrets it reads and notes for the user. */
export function planWorkflow(ws: string, o: WorkflowOptions): WorkflowPlan {
  if (!o.model?.trim()) throw new InvalidParameter('--model is required: the registered model to promote', 'model');
  if (!o.metric?.trim()) throw new InvalidParameter('--metric is required: the metric that decides promotion', 'metric');
  if (o.mode !== 'min' && o.mode !== 'max') throw new InvalidParameter(`--mode must be min or max, not ${String(o.mode)}`, 'mode');
  const alias = (o.alias ?? 'champion').replace(/^@/, '');
  if (!/^[\w-]+$/.test(alias)) throw new InvalidParameter(`--alias may hold letters, digits, _ and - only, not "${alias}"`, 'alias');
  const branch = o.branch ?? currentBranch(ws) ?? 'main';
  const repro = o.repro ?? fs.existsSync(path.join(ws, 'dvc.yaml'));
  const projectRel = (o.project ?? '.').split(path.sep).join('/');
  const projectDir = path.resolve(ws, projectRel);
  const entryPoint = o.entryPoint ?? 'main';
  if (!repro) {
    const project = loadProject(projectDir);
    if (!project.entryPoints.some((e) => e.name === entryPoint)) {
      throw new InvalidParameter(
        `${projectRel}/MLproject has no entry point "${entryPoint}" (has: ${project.entryPoints.map((e) => e.name).join(', ') || 'none'})`,
        'entry_point',
      );
    }
  }
  const python = pythonSetup(ws, projectDir, o.pythonVersion ?? '3.11');
  const remote = remoteSecrets(ws);
  const notes = [...remote.notes, ...(python.note ? [python.note] : [])];
  if (!o.install)
    notes.push(`the runner installs the CLI with "${DEFAULT_INSTALL}"; pass --install if your team ships mlops another way (a tarball, a private registry)`);
  // Tracking: the team server in the MLFLOW_TRACKING_URI secret when the repository has one (runs, registry
  // and the champion live there); otherwise the local store goes from job to job through the Actions cache and
  // is uploaded with each job. One workflow does both, decided when it runs.
  const secrets: WorkflowPlan['secrets'] = [
    ...remote.secrets,
    {
      name: 'MLFLOW_TRACKING_URI',
      purpose: "the team's MLflow server to log, compare and promote on (unset: the store travels in the Actions cache)",
      optional: true,
    },
    { name: 'MLFLOW_TRACKING_TOKEN', purpose: 'bearer token for that server, when it asks for one', optional: true },
  ];
  const team = configuredTeamServer(ws);
  if (team) notes.push(`this workspace logs to the team server ${team}: set the repository secret MLFLOW_TRACKING_URI to it so CI runs and promotes there`);
  const paths = [
    '**/*.dvc',
    '.dvc/config',
    'dvc.yaml',
    'dvc.lock',
    'params.yaml',
    `${projectRel === '.' ? '' : `${projectRel}/`}MLproject`,
    '**/*.py',
    '**/requirements*.txt',
    '**/python_env.yaml',
    '**/conda.yaml',
    WORKFLOW_FILE,
  ];
  const on: Record<string, unknown> = { push: { branches: [branch], paths }, workflow_dispatch: {} };
  if (o.pullRequests !== false) on.pull_request = { branches: [branch], paths };
  if (o.schedule) on.schedule = [{ cron: checkCron(o.schedule) }];
  const train = repro
    ? 'mlops repro 2>&1 | tee mlops-report/train.log'
    : `mlops run ${sq(projectRel)} --entry-point ${sq(entryPoint)} --experiment-name ${sq(o.experiment ?? 'ci')} --no-offline 2>&1 | tee mlops-report/train.log`;
  const promoteArgs = [
    sq(o.model),
    '--alias',
    sq(alias),
    '--metric',
    sq(o.metric),
    '--mode',
    o.mode,
    ...(o.minDelta ? ['--min-delta', String(o.minDelta)] : []),
  ].join(' ');
  const usesConda = python.steps.some((s) => String(s.uses ?? '').startsWith('conda-incubator/'));
  const job = {
    'runs-on': 'ubuntu-latest',
    'timeout-minutes': 120,
    ...(usesConda ? { defaults: { run: { shell: 'bash -el {0}' } } } : {}),
    env: {
      MLOPS_PROMOTE: "${{ github.event_name != 'pull_request' }}",
      MLOPS_RUN_URL: '${{ github.server_url }}/${{ github.repository }}/actions/runs/${{ github.run_id }}',
      MLFLOW_TRACKING_URI: '${{ secrets.MLFLOW_TRACKING_URI }}',
      MLFLOW_TRACKING_TOKEN: '${{ secrets.MLFLOW_TRACKING_TOKEN }}',
      ...remote.env,
    },
    steps: [
      { name: 'Check out', uses: 'actions/checkout@v4' },
      { name: 'Set up Node', uses: 'actions/setup-node@v4', with: { 'node-version': o.nodeVersion ?? '20' } },
      ...python.steps,
      { name: 'Install mlops', run: o.install ?? DEFAULT_INSTALL },
      {
        name: 'Restore the tracking store',
        if: TEAM,
        uses: 'actions/cache/restore@v4',
        with: { path: STORE_DIR, key: 'mlops-store-${{ github.run_id }}', 'restore-keys': 'mlops-store-' },
      },
      { name: 'Prepare the report folder', run: 'mkdir -p mlops-report' },
      ...(remote.hasRemote ? [{ name: 'Pull data', run: 'mlops data pull' }] : []),
      { name: repro ? 'Reproduce the pipeline' : 'Train', run: `set -o pipefail\n${train}` },
      {
        name: 'Promote if better',
        id: 'promote',
        run: [
          'set +e',
          `run_id=$(grep -oE 'run [0-9a-f]{32} FINISHED' mlops-report/train.log | tail -n 1 | cut -d' ' -f2)`,
          'dry=$([ "$MLOPS_PROMOTE" = true ] || echo --dry-run)',
          `mlops model promote ${promoteArgs} \${run_id:+--run "$run_id"} --reason "$MLOPS_RUN_URL" $dry --json > mlops-report/decision.json`,
          'code=$?',
          'echo "exit=$code" >> "$GITHUB_OUTPUT"',
          '# 0: promoted, 3: not better (a normal outcome), anything else: an error',
          '[ "$code" -eq 0 ] || [ "$code" -eq 3 ] || exit "$code"',
        ].join('\n'),
      },
      {
        name: 'Write the report',
        if: 'always()',
        run: [
          'if [ -s mlops-report/decision.json ]; then',
          '  mlops report --decision mlops-report/decision.json --format md --out mlops-report > mlops-report/report.md',
          'else',
          "  echo '## Retraining failed before a decision; see the log.' > mlops-report/report.md",
          'fi',
          'cat mlops-report/report.md >> "$GITHUB_STEP_SUMMARY"',
        ].join('\n'),
      },
      { name: 'Upload the report', if: 'always()', uses: 'actions/upload-artifact@v4', with: { name: 'mlops-report', path: 'mlops-report/' } },
      {
        name: 'Comment on the pull request',
        if: "always() && github.event_name == 'pull_request'",
        env: { GH_TOKEN: '${{ github.token }}', PR: '${{ github.event.pull_request.number }}' },
        run: 'gh pr comment "$PR" --body-file mlops-report/report.md --edit-last || gh pr comment "$PR" --body-file mlops-report/report.md',
      },
      {
        name: 'Keep the tracking store',
        if: `always() && github.event_name != 'pull_request' && ${TEAM}`,
        uses: 'actions/cache/save@v4',
        with: { path: STORE_DIR, key: 'mlops-store-${{ github.run_id }}' },
      },
      {
        name: 'Upload the tracking store',
        if: `always() && ${TEAM}`,
        uses: 'actions/upload-artifact@v4',
        with: { name: 'mlops-store', path: `${STORE_DIR}/`, 'include-hidden-files': true, 'if-no-files-found': 'ignore' },
      },
    ],
  };
  const doc = {
    name: `Retrain ${o.model}`,
    on,
    permissions: { contents: 'read', 'pull-requests': 'write' },
    concurrency: { group: 'mlops-retrain-${{ github.ref }}', 'cancel-in-progress': false },
    jobs: { retrain: job },
  };
  const header = [
    '# Written by `mlops ci init` (MLOps Workbench). Retrains, compares with the current',
    `# @${alias} of ${o.model} on ${o.metric} (${o.mode === 'min' ? 'lower' : 'higher'} is better), promotes only a better model,`,
    '# and posts the report as the job summary (and on pull requests, as a comment; they never promote).',
    `# Secrets read: ${secrets.map((s) => `${s.name}${s.optional ? ' (optional)' : ''}`).join(', ')}.`,
    '# Tracking goes to the team server in the MLFLOW_TRACKING_URI secret when it is set; otherwise the store is kept',
    '# between jobs in the Actions cache and uploaded with each job as the mlops-store artifact.',
    '',
  ].join('\n');
  return { file: WORKFLOW_FILE, yaml: header + YAML.stringify(doc, { lineWidth: 0 }), secrets, notes };
}

/** Writes the workflow file; refuses to replace an existing one unless `force`. */
export function writeWorkflow(ws: string, plan: WorkflowPlan, force = false): string {
  const file = path.join(ws, plan.file);
  if (fs.existsSync(file) && !force) throw new InvalidParameter(`${plan.file} exists; pass --force to replace it`, 'force');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, plan.yaml);
  return file;
}
