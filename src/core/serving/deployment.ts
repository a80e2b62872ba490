import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import type { Store } from '../store/store';
import { InvalidParameter, NotFound } from '../errors';
import * as R from '../registry';
import * as T from '../tracking';
import { processAlive } from '../exec/launch';
import { artifactDirOf } from '../tracking/artifactDir';
import { MAX_ROWS, parseCsv, type Cell } from './payload';
import { startProxy, type RunningProxy, type TrafficMode } from './proxy';
import { Recorder, RequestStats, type DeploymentStats, type RequestRecord } from './recorder';
import { startScoringServer, type ScoringServer } from './scoring';
import { workspacePaths } from '../paths';

export interface ModelRef {
  name: string;
  /** The alias the URI named, if it named one. */
  alias?: string;
  version: R.ModelVersion;
  /** Local folder holding the version's MLmodel. */
  dir: string;
}

/** `models:/NAME@ALIAS` or `models:/NAME/VERSION`, resolved against the workspace's registry and artifacts. */
export function resolveModelUri(store: Store, workspace: string, uri: string): ModelRef {
  const m = /^models:\/(.+?)(?:@([\w-]+)|\/(\d+))$/.exec(uri.trim());
  if (!m) throw new InvalidParameter(`expected models:/NAME@ALIAS or models:/NAME/VERSION, not "${uri}"`, 'model_uri');
  const [, name, alias, num] = m;
  const version = alias ? R.getModelVersionByAlias(store, name, alias) : R.getModelVersion(store, name, num);
  let source = version.source;
  const runs = /^runs:\/([0-9a-f]+)\/(.*)$/.exec(source);
  if (runs) source = `${T.getRun(store, runs[1]).info.artifact_uri}/${runs[2]}`;
  const dir = artifactDirOf(workspace, source);
  if (!dir || !fs.existsSync(path.join(dir, 'MLmodel'))) {
    throw new NotFound(`${name} version ${version.version}: no MLmodel at ${dir ?? source} (its source is ${version.source})`);
  }
  return { name, alias, version, dir };
}

/**
 * Reference data for drift: the first dataset input of the version's run whose source names a CSV file in
 * the workspace (what `mlops run` records for DVC-tracked inputs), column by column, up to MAX_ROWS rows.
 */
export function trainingReference(store: Store, workspace: string, runId: string | undefined): { columns: Record<string, Cell[]>; file?: string } {
  if (!runId) return { columns: {} };
  for (const d of T.runInputs(store, runId)) {
    let p: string | undefined;
    try {
      const src = JSON.parse(d.dataset.source) as { path?: string; uri?: string };
      p = src.path ?? src.uri?.replace(/^file:\/\//, '');
    } catch {
      p = d.dataset.source;
    }
    if (!p || !/\.csv$/i.test(p)) continue;
    const file = path.resolve(workspace, p);
    if (!file.startsWith(path.resolve(workspace) + path.sep) || !fs.existsSync(file)) continue;
    const { header, rows } = parseCsv(fs.readFileSync(file, 'utf8'), MAX_ROWS * 5);
    const columns: Record<string, Cell[]> = {};
    header.forEach((h, j) => (columns[h] = rows.map((r) => (r[j] === undefined || r[j] === '' ? null : Number.isFinite(Number(r[j])) ? Number(r[j]) : r[j]))));
    return { columns, file: path.relative(workspace, file) };
  }
  return { columns: {} };
}

/** What `.mlops/deployments/<id>/deployment.json` holds: the deployment and the versions it serves. */
export interface DeploymentInfo {
  id: string;
  url: string;
  pid: number;
  started: number;
  stopped?: number;
  mode: TrafficMode;
  splitPercent?: number;
  champion: { name: string; version: string; alias?: string; runId: string };
  challenger?: { name: string; version: string; alias?: string; runId: string };
  reference?: string;
}

export function deploymentsDir(workspace: string): string {
  return workspacePaths.deployments(workspace);
}

function writeInfo(workspace: string, info: DeploymentInfo) {
  const dir = path.join(deploymentsDir(workspace), info.id);
  fs.mkdirSync(dir, { recursive: true });
  const tmp = path.join(dir, '.deployment.json.tmp');
  fs.writeFileSync(tmp, JSON.stringify(info, null, 2), { mode: 0o600 });
  fs.renameSync(tmp, path.join(dir, 'deployment.json'));
}

export interface ServeOptions {
  store: Store;
  workspace: string;
  python: string;
  champion: string;
  challenger?: string;
  mode?: TrafficMode;
  splitPercent?: number;
  port?: number;
  token?: string;
  onLog?: (which: 'champion' | 'challenger', line: string) => void;
  onProgress?: (message: string) => void;
  signal?: AbortSignal;
}

export interface Deployment {
  info: DeploymentInfo;
  proxy: RunningProxy;
  recorder: Recorder;
  stats(): DeploymentStats;
  stop(): Promise<void>;
}

/** Serves one version (or a champion and a challenger) behind the recording proxy. */
export async function serve(o: ServeOptions): Promise<Deployment> {
  const champ = resolveModelUri(o.store, o.workspace, o.champion);
  const chall = o.challenger ? resolveModelUri(o.store, o.workspace, o.challenger) : undefined;
  const reference = trainingReference(o.store, o.workspace, champ.version.run_id);
  const id = `${Date.now().toString(36)}-${crypto.randomBytes(3).toString('hex')}`;
  const recorder = new Recorder(path.join(deploymentsDir(o.workspace), id, 'requests.jsonl'), reference.columns);
  const servers: ScoringServer[] = [];
  try {
    for (const [which, ref] of [
      ['champion', champ],
      ['challenger', chall],
    ] as const) {
      if (!ref) continue;
      o.onProgress?.(`${which}: ${ref.name} version ${ref.version.version}`);
      servers.push(
        await startScoringServer({ python: o.python, modelDir: ref.dir, onLog: (l) => o.onLog?.(which, l), onProgress: o.onProgress, signal: o.signal }),
      );
    }
    const proxy = await startProxy({
      champion: servers[0].url,
      challenger: servers[1]?.url,
      mode: o.mode,
      splitPercent: o.splitPercent,
      recorder,
      port: o.port,
      token: o.token,
    });
    const who = (r: ModelRef) => ({ name: r.name, version: r.version.version, alias: r.alias, runId: r.version.run_id });
    const info: DeploymentInfo = {
      id,
      url: proxy.url,
      pid: process.pid,
      started: Date.now(),
      mode: chall ? (o.mode ?? 'shadow') : 'single',
      ...(o.mode === 'split' ? { splitPercent: o.splitPercent ?? 10 } : {}),
      champion: who(champ),
      ...(chall ? { challenger: who(chall) } : {}),
      ...(reference.file ? { reference: reference.file } : {}),
    };
    writeInfo(o.workspace, info);
    let stopping: Promise<void> | undefined;
    return {
      info,
      proxy,
      recorder,
      stats: () => recorder.stats(),
      stop: () =>
        (stopping ??= (async () => {
          await proxy.close();
          await Promise.all(servers.map((s) => s.stop()));
          writeInfo(o.workspace, { ...info, stopped: Date.now() });
        })()),
    };
  } catch (e) {
    await Promise.all(servers.map((s) => s.stop()));
    throw e;
  }
}

export interface DeploymentSummary extends DeploymentInfo {
  serving: boolean;
  stats: DeploymentStats;
  /** Lines of requests.jsonl that could not be read (a torn last line after a crash, damage). */
  unreadable: number;
}

/** Replays a deployment's requests.jsonl line by line (streamed: memory stays bounded whatever its size). */
export async function replayRequests(file: string, reference: Record<string, Cell[]> = {}): Promise<{ stats: DeploymentStats; unreadable: number }> {
  const summary = new RequestStats(reference);
  let unreadable = 0;
  if (fs.existsSync(file)) {
    const lines = readline.createInterface({ input: fs.createReadStream(file, 'utf8'), crlfDelay: Infinity });
    for await (const line of lines) {
      if (!line.trim()) continue;
      try {
        summary.add(JSON.parse(line) as RequestRecord);
      } catch {
        unreadable++;
      }
    }
  }
  return { stats: summary.stats(), unreadable };
}

/** Every deployment of the workspace, newest first, with its recorded statistics and drift. */
export async function listDeployments(store: Store | undefined, workspace: string): Promise<DeploymentSummary[]> {
  const root = deploymentsDir(workspace);
  if (!fs.existsSync(root)) return [];
  const out: DeploymentSummary[] = [];
  for (const id of fs.readdirSync(root)) {
    let info: DeploymentInfo;
    try {
      info = JSON.parse(fs.readFileSync(path.join(root, id, 'deployment.json'), 'utf8')) as DeploymentInfo;
    } catch {
      continue;
    }
    const reference = store ? trainingReference(store, workspace, info.champion.runId).columns : {};
    const { stats, unreadable } = await replayRequests(path.join(root, id, 'requests.jsonl'), reference);
    out.push({ ...info, serving: !info.stopped && processAlive(info.pid), stats, unreadable });
  }
  return out.sort((a, b) => b.started - a.started);
}

/**
 * Moves the champion's alias to the challenger's version, recording who, when and why as tags on both
 * versions (`mlops.promotion.*`), as `mlops model promote` does for a retrained model.
 */
export function promoteChallenger(
  store: Store,
  o: { name: string; alias: string; version: string; actor?: string; reason?: string; now?: number },
): { from?: string; to: string } {
  const alias = R.validateAlias(o.alias.replace(/^@/, ''));
  let from: string | undefined;
  try {
    from = R.getModelVersionByAlias(store, o.name, alias).version;
  } catch (e) {
    if (!(e instanceof NotFound)) throw e;
  }
  const to = R.getModelVersion(store, o.name, o.version).version;
  const at = new Date(o.now ?? Date.now()).toISOString();
  const actor = o.actor ?? process.env.USER ?? 'unknown';
  R.setRegisteredModelAlias(store, o.name, alias, to);
  const tags: [string, string][] = [
    ['mlops.promotion.decision', 'promoted'],
    ['mlops.promotion.alias', alias],
    ['mlops.promotion.at', at],
    ['mlops.promotion.by', actor],
    ['mlops.promotion.summary', `challenger version ${to} promoted to @${alias}${from ? ` (was version ${from})` : ''}`],
  ];
  if (o.reason) tags.push(['mlops.promotion.reason', o.reason]);
  for (const [k, v] of tags) R.setModelVersionTag(store, o.name, to, k, v);
  if (from && from !== to) R.setModelVersionTag(store, o.name, from, 'mlops.promotion.replaced_by', `version ${to} (${at}, ${actor})`);
  return { from, to };
}
