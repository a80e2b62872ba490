import { MlopsError } from '../errors';
import type { DatasetInput, KeyValue, Metric, Run } from '../tracking/types';
import type { LocalBackend } from './local';
import { allArtifacts, allRuns, type MetricInput, type TrackingBackend } from './types';

/** The tag a published run carries on the team server: which local run it copies (what makes publishing idempotent). */
export const SOURCE_RUN_TAG = 'mlops.source_run_id';
/** Set on a local run that was logged locally because the team server was unreachable: the server's URL. */
export const PENDING_TAG = 'mlops.publish_pending';
/** Set on a local run once it is on the team server: the remote run's id. */
export const PUBLISHED_TAG = 'mlops.published_run_id';
/** Set on a local run with PUBLISHED_TAG: the server it was published to. */
export const PUBLISHED_TO_TAG = 'mlops.published_to';

/** Local runs logged while the team server was unreachable and not published since, oldest first. */
export async function runsWaitingToPublish(local: LocalBackend, signal?: AbortSignal): Promise<Run[]> {
  const exps = await local.listExperiments('ACTIVE_ONLY');
  if (!exps.length) return [];
  const out: Run[] = [];
  const tag = (r: Run, k: string) => r.data.tags.find((t) => t.key === k)?.value;
  for await (const r of allRuns(local, { experimentIds: exps.map((e) => e.experiment_id), orderBy: ['attributes.start_time ASC'] }, signal)) {
    if (tag(r, PENDING_TAG) && !tag(r, PUBLISHED_TAG)) out.push(r);
  }
  return out;
}

/** The local tags that record where runs went. */
export function publishedTags(published: PublishedRun[], serverUrl: string): { runId: string; key: string; value: string }[] {
  return published.flatMap((p) => [
    { runId: p.sourceRunId, key: PUBLISHED_TAG, value: p.remoteRunId },
    { runId: p.sourceRunId, key: PUBLISHED_TO_TAG, value: serverUrl },
  ]);
}

/** Our bookkeeping tags stay local; the parent link is rewritten to the parent's remote id. */
const LOCAL_ONLY = new Set([PENDING_TAG, PUBLISHED_TAG, 'mlops.published_to']);
/** MLflow 2.x's server refuses longer tag values (MAX_TAG_VAL_LENGTH). */
const MAX_TAG_VALUE = 5000;
const METRICS_PER_BATCH = 1000;
const PARAMS_PER_BATCH = 100;
const TAGS_PER_BATCH = 100;

export interface PublishProgress {
  /** Runs finished so far, of `total`. */
  done: number;
  total: number;
  run: string;
  step: 'run' | 'params' | 'metrics' | 'inputs' | 'artifacts';
}

export interface PublishedRun {
  sourceRunId: string;
  remoteRunId: string;
  experiment: string;
  created: boolean;
  added: { params: number; tags: number; points: number; inputs: number; artifacts: number; bytes: number };
  warnings: string[];
}

export interface PublishOptions {
  signal?: AbortSignal;
  onProgress?: (p: PublishProgress) => void;
}

/** The runs to publish in an order where every parent comes before its children (parents are added when missing). */
async function withParents(from: LocalBackend, runIds: string[]): Promise<Run[]> {
  const byId = new Map<string, Run>();
  const visit = async (id: string, chain: Set<string>): Promise<void> => {
    if (byId.has(id) || chain.has(id)) return;
    const run = await from.getRun(id);
    const parent = run.data.tags.find((t) => t.key === 'mlflow.parentRunId')?.value;
    if (parent && parent !== id) {
      chain.add(id);
      await visit(parent, chain).catch(() => undefined); // a parent deleted for good: publish the child alone
      chain.delete(id);
    }
    byId.set(id, run);
  };
  for (const id of runIds) await visit(id, new Set());
  return [...byId.values()];
}

function pointKey(m: { step: number; timestamp: number; value: number }): string {
  return `${m.step}|${m.timestamp}|${Number.isNaN(m.value) ? 'NaN' : m.value}`;
}

/** The points of `local` not already on the server, counting duplicates (a history may hold the same point twice). */
function missingPoints(local: Metric[], remote: Metric[]): MetricInput[] {
  const have = new Map<string, number>();
  for (const m of remote) have.set(pointKey(m), (have.get(pointKey(m)) ?? 0) + 1);
  const out: MetricInput[] = [];
  for (const m of local) {
    const k = pointKey(m);
    const n = have.get(k) ?? 0;
    if (n > 0) have.set(k, n - 1);
    else out.push({ key: m.key, value: m.value, timestamp: m.timestamp, step: m.step });
  }
  return out;
}

function datasetKey(d: DatasetInput): string {
  return `${d.dataset.name}\0${d.dataset.digest}`;
}

/** The tags a run carries on the server: ours left out, the parent link rewritten, values cut to the server's limit. */
function tagsToSend(run: Run, parentIds: Map<string, string>, warnings: string[]): KeyValue[] {
  const out: KeyValue[] = [];
  for (const t of run.data.tags) {
    if (LOCAL_ONLY.has(t.key)) continue;
    let value = t.value;
    if (t.key === 'mlflow.parentRunId') value = parentIds.get(value) ?? value;
    if (value.length > MAX_TAG_VALUE) {
      warnings.push(`tag ${t.key} was cut to ${MAX_TAG_VALUE} characters (the server's limit)`);
      value = value.slice(0, MAX_TAG_VALUE);
    }
    out.push({ key: t.key, value });
  }
  out.push({ key: SOURCE_RUN_TAG, value: run.info.run_id });
  return out;
}

class RunPublisher {
  readonly warnings: string[] = [];
  readonly added = { params: 0, tags: 0, points: 0, inputs: 0, artifacts: 0, bytes: 0 };

  constructor(
    private readonly from: LocalBackend,
    private readonly to: TrackingBackend,
    private readonly run: Run,
    private readonly remote: Run | undefined,
    private readonly remoteId: string,
    private readonly o: PublishOptions,
  ) {}

  async params(): Promise<void> {
    const remote = new Map((this.remote?.data.params ?? []).map((p) => [p.key, p.value]));
    const fresh: KeyValue[] = [];
    for (const p of this.run.data.params) {
      const there = remote.get(p.key);
      if (there === undefined) fresh.push(p);
      else if (there !== p.value)
        this.warnings.push(`param ${p.key} is "${there}" on the server and "${p.value}" here; params cannot change, kept the server's`);
    }
    for (let i = 0; i < fresh.length; i += PARAMS_PER_BATCH) await this.to.logBatch(this.remoteId, { params: fresh.slice(i, i + PARAMS_PER_BATCH) });
    this.added.params += fresh.length;
  }

  async tags(tags: KeyValue[]): Promise<void> {
    const remote = new Map((this.remote?.data.tags ?? []).map((t) => [t.key, t.value]));
    const changed = tags.filter((t) => remote.get(t.key) !== t.value);
    for (let i = 0; i < changed.length; i += TAGS_PER_BATCH) await this.to.logBatch(this.remoteId, { tags: changed.slice(i, i + TAGS_PER_BATCH) });
    this.added.tags += changed.length;
  }

  async metrics(): Promise<void> {
    for (const { key } of this.run.data.metrics) {
      this.o.signal?.throwIfAborted();
      const local = await this.from.metricHistory(this.run.info.run_id, key);
      const remote = this.remote?.data.metrics.some((m) => m.key === key) ? await this.to.metricHistory(this.remoteId, key) : [];
      const fresh = missingPoints(local, remote);
      for (let i = 0; i < fresh.length; i += METRICS_PER_BATCH) {
        this.o.signal?.throwIfAborted();
        await this.to.logBatch(this.remoteId, { metrics: fresh.slice(i, i + METRICS_PER_BATCH) });
      }
      this.added.points += fresh.length;
    }
  }

  async inputs(): Promise<void> {
    const have = new Set((this.remote?.inputs.dataset_inputs ?? []).map(datasetKey));
    const fresh = this.run.inputs.dataset_inputs.filter((d) => !have.has(datasetKey(d)));
    if (fresh.length) await this.to.logInputs(this.remoteId, fresh);
    this.added.inputs += fresh.length;
  }

  async artifacts(): Promise<void> {
    const local = await allArtifacts(this.from, this.run.info.run_id, this.o.signal);
    if (!local.length) return;
    const remote = this.remote ? await allArtifacts(this.to, this.remoteId, this.o.signal) : [];
    const sizes = new Map(remote.map((f) => [f.path, f.file_size ?? 0]));
    for (const f of local) {
      this.o.signal?.throwIfAborted();
      if (sizes.get(f.path) === (f.file_size ?? 0)) continue;
      await this.to.uploadArtifact(this.remoteId, f.path, this.from.artifactFile(this.run.info.run_id, f.path));
      this.added.artifacts++;
      this.added.bytes += f.file_size ?? 0;
    }
  }

  async status(): Promise<void> {
    const i = this.run.info;
    const r = this.remote?.info;
    if (r && r.status === i.status && r.end_time === i.end_time) return;
    await this.to.updateRun(this.remoteId, { status: i.status, ...(i.end_time !== undefined ? { end_time: i.end_time } : {}) });
  }
}

/** The remote copy of a local run, found by its source tag. */
async function findPublished(to: TrackingBackend, experimentId: string, sourceRunId: string): Promise<Run | undefined> {
  const page = await to.searchRuns({ experimentIds: [experimentId], filter: `tags.\`${SOURCE_RUN_TAG}\` = '${sourceRunId}'`, view: 'ALL', maxResults: 1 });
  return page.runs[0] ? await to.getRun(page.runs[0].info.run_id) : undefined;
}

async function remoteExperiment(from: LocalBackend, to: TrackingBackend, cache: Map<string, { id: string; name: string }>, localId: string) {
  const hit = cache.get(localId);
  if (hit) return hit;
  const exp = (await from.listExperiments('ALL')).find((e) => e.experiment_id === localId);
  if (!exp) throw new MlopsError('RESOURCE_DOES_NOT_EXIST', `experiment ${localId} is not in the local store`);
  const there = await to.getExperimentByName(exp.name);
  if (there?.lifecycle_stage === 'deleted')
    throw new MlopsError('INVALID_STATE', `experiment "${exp.name}" is deleted on ${to.location}; restore it there (or rename it here) before publishing`);
  const got = { id: there?.experiment_id ?? (await to.createExperiment(exp.name)), name: exp.name };
  cache.set(localId, got);
  return got;
}

/**
 * Copies local runs to a team server with their params, metric histories, tags, dataset inputs, artifacts and
 * status. Idempotent: a run already published (found by its `mlops.source_run_id` tag) only receives what it
 * lacks, so publishing again after more points were logged adds just those. Parents are published before their
 * children and the child's `mlflow.parentRunId` names the parent's remote id. Cancel stops between batches; a
 * later publish carries on where it stopped.
 */
export async function publishRuns(from: LocalBackend, to: TrackingBackend, runIds: string[], o: PublishOptions = {}): Promise<PublishedRun[]> {
  const runs = await withParents(from, runIds);
  const experiments = new Map<string, { id: string; name: string }>();
  const parentIds = new Map<string, string>();
  const out: PublishedRun[] = [];
  for (const [n, run] of runs.entries()) {
    o.signal?.throwIfAborted();
    const progress = (step: PublishProgress['step']) => o.onProgress?.({ done: n, total: runs.length, run: run.info.run_name || run.info.run_id, step });
    progress('run');
    const exp = await remoteExperiment(from, to, experiments, run.info.experiment_id);
    const existing = await findPublished(to, exp.id, run.info.run_id);
    let remoteId = existing?.info.run_id;
    const warnings: string[] = [];
    const tags = tagsToSend(run, parentIds, warnings);
    if (!remoteId) {
      const created = await to.createRun({
        experiment_id: exp.id,
        run_name: run.info.run_name,
        start_time: run.info.start_time,
        user_id: run.info.user_id,
        tags,
      });
      remoteId = created.info.run_id;
    }
    const p = new RunPublisher(from, to, run, existing, remoteId, o);
    p.warnings.push(...warnings);
    if (existing) await p.tags(tags);
    progress('params');
    await p.params();
    progress('metrics');
    await p.metrics();
    progress('inputs');
    await p.inputs();
    progress('artifacts');
    await p.artifacts();
    await p.status();
    parentIds.set(run.info.run_id, remoteId);
    out.push({ sourceRunId: run.info.run_id, remoteRunId: remoteId, experiment: exp.name, created: !existing, added: p.added, warnings: p.warnings });
  }
  o.onProgress?.({ done: runs.length, total: runs.length, run: '', step: 'run' });
  return out;
}
