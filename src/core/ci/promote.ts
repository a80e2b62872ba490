import { modelFolders, type TrackingBackend } from '../backend/types';
import { InvalidParameter, NotFound } from '../errors';
import * as R from '../registry';
import type { Run } from '../tracking/types';

export type PromoteMode = 'min' | 'max';

export interface PromoteOptions {
  /** Registered model name (created when missing). */
  name: string;
  /** The alias that marks the model in use, e.g. champion. */
  alias: string;
  /** Metric both runs are judged by (their latest value, as MLflow's run view shows it). */
  metric: string;
  mode: PromoteMode;
  /** The candidate must beat the champion by at least this much (default 0: any improvement). */
  minDelta?: number;
  /** The candidate run (default: the newest FINISHED run that logged the metric and a model). */
  runId?: string;
  /** Folder of the run's artifacts holding the model's MLmodel (default: the only one, else "model"). */
  artifactPath?: string;
  /** Who decided: recorded on both versions (default: GITHUB_ACTOR, USER, or "unknown"). */
  actor?: string;
  /** Why: recorded on both versions (e.g. the CI run's URL). */
  reason?: string;
  /** Time of the decision (epoch ms); default now. */
  now?: number;
  /** Decide only: register nothing, move nothing, tag nothing (pull requests). */
  dryRun?: boolean;
}

export interface Contender {
  runId: string;
  runName: string;
  value: number;
  /** The registered version: for the candidate, the one this decision created. */
  version?: string;
  /** Dataset digests the run recorded as inputs (name → digest). */
  data: Record<string, string>;
}

export interface PromoteDecision {
  promoted: boolean;
  /** One sentence a person reads in the CI log or a PR comment. */
  summary: string;
  candidate: Contender;
  champion?: Contender;
  /** Candidate minus champion (undefined without a champion). */
  delta?: number;
  /** Set when the two runs were trained on different or unrecorded data. */
  dataWarning?: string;
  metric: string;
  mode: PromoteMode;
  alias: string;
  name: string;
  dryRun: boolean;
}

function latestMetric(run: Run, key: string): number | undefined {
  return run.data.metrics.find((m) => m.key === key)?.value;
}

function datasetDigests(run: Run): Record<string, string> {
  const out: Record<string, string> = {};
  for (const d of run.inputs.dataset_inputs) out[d.dataset.name] = d.dataset.digest;
  return out;
}

function ended(r: Run): number {
  return r.info.end_time ?? r.info.start_time;
}

/**
 * The candidate: the run named, else the newest finished run that logged the metric. Runs are read newest
 * first, a page at a time, and the search stops at the first page holding one (a team server may hold many).
 */
async function pickCandidate(b: TrackingBackend, metric: string, runId?: string): Promise<Run> {
  if (runId) return b.resolveRun(runId);
  const experiments = await b.listExperiments('ACTIVE_ONLY');
  let best: Run | undefined;
  if (experiments.length) {
    let token: string | undefined;
    do {
      const page = await b.searchRuns({
        experimentIds: experiments.map((e) => e.experiment_id),
        filter: "attributes.status = 'FINISHED'",
        orderBy: ['attributes.start_time DESC'],
        maxResults: 500,
        pageToken: token,
      });
      for (const r of page.runs) if (latestMetric(r, metric) !== undefined && (!best || ended(r) > ended(best))) best = r;
      token = page.runs.length ? page.next_page_token : undefined;
    } while (!best && token);
  }
  if (!best) throw new NotFound(`no finished run logged the metric "${metric}"; pass --run`);
  return best;
}

async function modelFolder(b: TrackingBackend, run: Run, artifactPath?: string): Promise<string> {
  const id = run.info.run_id;
  const folders = await modelFolders(b, id);
  let folder = artifactPath?.replace(/^\/+|\/+$/g, '');
  if (folder === undefined) {
    if (folders.length === 1) folder = folders[0];
    else if (folders.includes('model')) folder = 'model';
    else if (!folders.length) throw new NotFound(`run ${id} ("${run.info.run_name}") logged no model (no MLmodel file under its artifacts)`);
    else throw new InvalidParameter(`run ${id} logged several models (${folders.join(', ')}); pass --artifact-path`, 'artifact_path');
  } else if (!folders.includes(folder || '.')) {
    throw new NotFound(`run ${id} has no MLmodel under artifacts/${folder} (models: ${folders.join(', ') || 'none'})`);
  }
  return folder || '.';
}

function better(mode: PromoteMode, candidate: number, champion: number, minDelta: number): boolean {
  if (Number.isNaN(candidate)) return false;
  if (Number.isNaN(champion)) return true;
  return mode === 'min' ? candidate <= champion - minDelta && candidate < champion : candidate >= champion + minDelta && candidate > champion;
}

function compareData(candidate: Record<string, string>, champion: Record<string, string>): string | undefined {
  const a = Object.keys(candidate);
  const b = Object.keys(champion);
  if (!a.length && !b.length) return 'neither run recorded its dataset inputs (version data with mlops data add): the two may not be comparable';
  if (!a.length || !b.length) return `${!a.length ? 'the candidate' : 'the champion'} recorded no dataset inputs: the two may not be comparable`;
  const changed = [...new Set([...a, ...b])].filter((k) => candidate[k] !== champion[k]);
  return changed.length
    ? `trained on different data (${changed.map((k) => `${k}: ${champion[k] ?? 'absent'} → ${candidate[k] ?? 'absent'}`).join('; ')})`
    : undefined;
}

function fmt(v: number): string {
  return Number.isInteger(v) ? String(v) : Number(v.toPrecision(6)).toString();
}

/**
 * Registers the candidate run's model as a new version and moves the alias to it only if it beats the
 * version the alias points at now (or no version holds it). Either way the decision is recorded as tags on
 * both versions (`mlops.promotion.*`), so the registry says who decided what, when, and why.
 */
export async function promoteIfBetter(b: TrackingBackend, o: PromoteOptions): Promise<PromoteDecision> {
  if (o.mode !== 'min' && o.mode !== 'max') throw new InvalidParameter(`--mode must be min or max, not ${String(o.mode)}`, 'mode');
  const minDelta = o.minDelta ?? 0;
  if (!Number.isFinite(minDelta) || minDelta < 0) throw new InvalidParameter(`--min-delta must be a number ≥ 0, not ${String(o.minDelta)}`, 'min_delta');
  const alias = R.validateAlias(o.alias.replace(/^@/, ''));
  const run = await pickCandidate(b, o.metric, o.runId);
  const name = run.info.run_name;
  const value = latestMetric(run, o.metric);
  if (value === undefined) throw new NotFound(`run ${run.info.run_id} ("${name}") did not log the metric "${o.metric}"`);
  const folder = await modelFolder(b, run, o.artifactPath);

  const holder = await b.modelVersionByAlias(o.name, alias);
  const candidate: Contender = { runId: run.info.run_id, runName: name, value, data: datasetDigests(run) };
  let champion: Contender | undefined;
  if (holder) {
    let champRun: Run | undefined;
    if (holder.run_id) {
      try {
        champRun = await b.getRun(holder.run_id);
      } catch (e) {
        if (!(e instanceof Error && 'code' in e && e.code === 'RESOURCE_DOES_NOT_EXIST')) throw e;
      }
    }
    champion = {
      runId: holder.run_id,
      runName: champRun?.info.run_name ?? '',
      value: (champRun && latestMetric(champRun, o.metric)) ?? NaN,
      version: holder.version,
      data: champRun ? datasetDigests(champRun) : {},
    };
  }
  if (champion && champion.runId === candidate.runId) {
    const summary = `run "${name}" is already @${alias} (version ${champion.version}): nothing to promote.`;
    return {
      promoted: false,
      summary,
      candidate: { ...candidate, version: champion.version },
      champion,
      delta: 0,
      metric: o.metric,
      mode: o.mode,
      alias,
      name: o.name,
      dryRun: !!o.dryRun,
    };
  }
  const promoted = !champion || better(o.mode, value, champion.value, minDelta);
  const dataWarning = champion ? compareData(candidate.data, champion.data) : undefined;
  const now = o.now ?? Date.now();
  const actor = o.actor ?? process.env.GITHUB_ACTOR ?? process.env.USER ?? 'unknown';
  const delta = champion ? value - champion.value : undefined;
  const mv = o.dryRun ? undefined : await b.registerModelVersion(o.name, run.info.run_id, folder, actor);
  candidate.version = mv?.version;
  const who = mv ? `${o.name} version ${mv.version}` : `run "${name}"`;
  const verdict = o.dryRun
    ? promoted
      ? 'would be promoted (dry run)'
      : 'would not be promoted (dry run)'
    : promoted
      ? 'promoted'
      : `@${alias} stays on version ${champion?.version}`;
  const summary = !champion
    ? `${who} (${o.metric} = ${fmt(value)}) ${o.dryRun ? 'would be' : 'is'} the first @${alias}${o.dryRun ? ' (dry run)' : ''}.`
    : promoted
      ? `${who} (${o.metric} = ${fmt(value)}) beats @${alias} version ${champion.version} (${fmt(champion.value)}) by ${fmt(Math.abs(delta!))}: ${verdict}.`
      : `${who} (${o.metric} = ${fmt(value)}) does not beat @${alias} version ${champion.version} (${fmt(champion.value)})${minDelta ? ` by at least ${fmt(minDelta)}` : ''}: ${verdict}.`;
  const decision: PromoteDecision = {
    promoted,
    summary,
    candidate,
    champion,
    delta,
    dataWarning,
    metric: o.metric,
    mode: o.mode,
    alias,
    name: o.name,
    dryRun: !!o.dryRun,
  };
  if (!mv) return decision;
  if (promoted) await b.setModelAlias(o.name, alias, mv.version);
  const tags: [string, string][] = [
    ['mlops.promotion.decision', promoted ? 'promoted' : 'rejected'],
    ['mlops.promotion.alias', alias],
    ['mlops.promotion.metric', `${o.metric} (${o.mode})`],
    ['mlops.promotion.at', new Date(now).toISOString()],
    ['mlops.promotion.by', actor],
    ['mlops.promotion.summary', summary],
  ];
  if (o.reason) tags.push(['mlops.promotion.reason', o.reason]);
  if (dataWarning) tags.push(['mlops.promotion.data_warning', dataWarning]);
  for (const [k, v] of tags) await b.setModelVersionTag(o.name, mv.version, k, v);
  if (champion?.version) {
    await b.setModelVersionTag(
      o.name,
      champion.version,
      'mlops.promotion.challenged_by',
      `version ${mv.version}: ${promoted ? 'replaced' : 'kept'} (${new Date(now).toISOString()}, ${actor})`,
    );
  }
  return decision;
}
