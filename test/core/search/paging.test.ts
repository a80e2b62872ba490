import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openStore } from '../../../src/core/openStore';
import * as R from '../../../src/core/registry';
import {
  compileModelVersionFilter,
  compileModelVersionOrder,
  compileRegisteredModelFilter,
  compileRegisteredModelOrder,
  compileRunFilter,
  compileRunOrder,
  encodePageToken,
  SearchSyntaxError,
  type SearchableRun,
} from '../../../src/core/search';
import { InvalidParameter } from '../../../src/core/errors';
import type { Store } from '../../../src/core/store/store';
import * as T from '../../../src/core/tracking';
import { tempDir } from '../../helpers/tmp';

/** A small seeded PRNG (mulberry32), so a failure names a seed that reproduces it. */
function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, int: (n: number) => Math.floor(next() * n), pick: <V>(xs: readonly V[]) => xs[Math.floor(next() * xs.length)] };
}

const METRIC_VALUES = [0, 0.5, 1, -1, 2.5, NaN, Infinity, -Infinity, 1e-9, undefined, undefined];
const STRINGS = ['a', 'b', 'B', 'ab', '10', '9', '', 'é', undefined];

async function randomStore(seed: number, n: number) {
  const r = rng(seed);
  const s = await openStore(tempDir());
  const exps = [T.createExperiment(s, { name: 'x' }), T.createExperiment(s, { name: 'y' })];
  for (let i = 0; i < n; i++) {
    const tags = [r.pick(STRINGS)].filter((v) => v !== undefined).map((value) => ({ key: 't', value: value! }));
    const id = T.createRun(s, { experiment_id: r.pick(exps), run_name: `run-${r.int(20)}`, start_time: r.int(8), tags }).info.run_id;
    const metrics = (['m1', 'm2'] as const).flatMap((key) => {
      const value = r.pick(METRIC_VALUES);
      return value === undefined ? [] : [{ key, value, timestamp: 1, step: 0 }];
    });
    const p = r.pick(STRINGS);
    T.logBatch(s, id, { metrics, params: p === undefined ? [] : [{ key: 'p', value: p }] });
    if (r.next() < 0.3) T.updateRun(s, id, { status: r.pick(['FINISHED', 'FAILED', 'KILLED']), end_time: r.int(3) * 1000 });
    if (r.next() < 0.1) T.deleteRun(s, id);
  }
  return { s, exps, r };
}

const TERMS = ['metrics.m1', 'metrics.m2', 'params.p', 'tags.t', 'attributes.start_time', 'end_time', 'run_name', 'status', 'attributes.run_id', 'user_id'];
const FILTERS = ['', 'metrics.m1 > 0', "params.p != 'a'", "status = 'FINISHED'", 'metrics.m2 <= 0.5', "tags.t LIKE '%b%'"];

/** Every run as getRun returns it (not through the index), as a SearchableRun. */
function snapshot(s: Store, exps: string[]): SearchableRun[] {
  return exps
    .flatMap((e) => T.listRunRows(s, e, 'ALL'))
    .map((row) => {
      const run = T.getRun(s, row.run_uuid);
      return {
        ...run.info,
        end_time: run.info.end_time ?? null,
        metrics: Object.fromEntries(run.data.metrics.map((m) => [m.key, m.value])),
        params: Object.fromEntries(run.data.params.map((p) => [p.key, p.value])),
        tags: Object.fromEntries(run.data.tags.map((t) => [t.key, t.value])),
      };
    });
}

/** What a search must answer, computed without the index: a plain filter and sort of the snapshot. */
function expected(all: SearchableRun[], exps: string[], filter: string, orderBy: string[], view: 'ACTIVE_ONLY' | 'ALL'): string[] {
  return all
    .filter((r) => exps.includes(r.experiment_id) && (view === 'ALL' || r.lifecycle_stage === 'active'))
    .filter(compileRunFilter(filter))
    .sort(compileRunOrder(orderBy))
    .map((r) => r.run_id);
}

function reference(s: Store, exps: string[], filter: string, orderBy: string[], view: 'ACTIVE_ONLY' | 'ALL'): string[] {
  return expected(snapshot(s, exps), exps, filter, orderBy, view);
}

function pages(s: Store, req: T.SearchRunsRequest, limit: number): { ids: string[]; pages: number } {
  const ids: string[] = [];
  let token: string | undefined;
  let n = 0;
  do {
    const res = T.searchRuns(s, { ...req, max_results: limit, page_token: token });
    assert.ok(res.runs.length <= limit);
    ids.push(...res.runs.map((r) => r.info.run_id));
    token = res.next_page_token;
    assert.equal(!!token, res.runs.length === limit, 'a token exactly when the page is full, as MLflow');
    n++;
  } while (token);
  return { ids, pages: n };
}

test('keyset pages, offset pages and a plain sort agree, over random runs and orders (many seeds)', async () => {
  for (let seed = 1; seed <= 12; seed++) {
    const { s, exps, r } = await randomStore(seed, 120 + seed * 7);
    try {
      const all = snapshot(s, exps);
      for (let q = 0; q < 12; q++) {
        const orderBy = [...new Set(Array.from({ length: r.int(4) }, () => r.pick(TERMS)))].map((t) => t + r.pick(['', ' ASC', ' DESC']));
        const filter = r.pick(FILTERS);
        const view = r.pick(['ACTIVE_ONLY', 'ALL'] as const);
        const ids = r.next() < 0.3 ? [exps[0]] : [exps[1], exps[0], exps[1]];
        const want = expected(all, ids, filter, orderBy, view);
        const limit = r.pick([1, 3, 7, 10, 50, want.length || 1, 1000]);
        const req = { experiment_ids: ids, filter, order_by: orderBy, run_view_type: view };
        const what = `seed ${seed}, query ${q}: ${JSON.stringify(req)} max_results=${limit}`;
        const got = pages(s, req, limit);
        assert.deepEqual(got.ids, want, what);
        assert.equal(got.pages, Math.floor(want.length / limit) + 1, `${what}: a last full page is followed by an empty one`);
        for (let off = 0; off < want.length; off += limit) {
          const page = T.searchRuns(s, { ...req, max_results: limit, page_token: off ? encodePageToken(off) : undefined });
          assert.deepEqual(
            page.runs.map((x) => x.info.run_id),
            want.slice(off, off + limit),
            `${what}: offset token ${off}`,
          );
        }
      }
    } finally {
      s.close();
    }
  }
});

test('cached searches stay right while random writes land between them (the index patches, not re-sorts)', async () => {
  for (const seed of [11, 12, 13]) {
    const { s, exps, r } = await randomStore(seed, 80);
    try {
      const queries = [
        { filter: '', orderBy: ['metrics.m1 DESC'] },
        { filter: 'metrics.m2 > 0', orderBy: ['params.p', 'metrics.m1'] },
        { filter: "status != 'KILLED'", orderBy: [] },
        { filter: '', orderBy: ['tags.t DESC', 'end_time'] },
      ];
      const ids = () => exps.flatMap((e) => T.listRunRows(s, e, 'ALL')).map((x) => x.run_uuid);
      for (let step = 0; step < 60; step++) {
        const id = r.pick(ids());
        const row = T.runRow(s, id);
        const write = r.int(7);
        if (write === 0) T.createRun(s, { experiment_id: r.pick(exps), start_time: r.int(8) });
        else if (row.lifecycle_stage === 'deleted') T.restoreRun(s, id);
        else if (write === 1) T.deleteRun(s, id);
        else if (write === 2) T.setTag(s, id, 't', r.pick(['a', 'b', 'zz']));
        else if (write === 3) T.logParam(s, id, `p${step}`, 'x');
        else if (write === 4) T.updateRun(s, id, { status: r.pick(['FINISHED', 'KILLED']), end_time: r.int(5) });
        else T.logMetric(s, id, { key: r.pick(['m1', 'm2']), value: r.pick(METRIC_VALUES) ?? 0.75, timestamp: 10 + step, step: 10 + step });
        const q = r.pick(queries);
        const view = r.pick(['ACTIVE_ONLY', 'ALL'] as const);
        const got = T.searchRuns(s, { experiment_ids: exps, filter: q.filter, order_by: q.orderBy, run_view_type: view, max_results: 50000 }).runs.map(
          (x) => x.info.run_id,
        );
        assert.deepEqual(got, reference(s, exps, q.filter, q.orderBy, view), `seed ${seed}, step ${step}, write ${write}: ${JSON.stringify(q)} ${view}`);
      }
    } finally {
      s.close();
    }
  }
});

test('keyset pages stay in place while runs are written between them', async () => {
  const { s, exps } = await randomStore(99, 60);
  try {
    const req = { experiment_ids: [exps[0]], order_by: ['metrics.m1 DESC'] };
    const first = T.searchRuns(s, { ...req, max_results: 10 });
    const seen = first.runs.map((r) => r.info.run_id);
    const before = reference(s, [exps[0]], '', req.order_by, 'ACTIVE_ONLY');
    // New runs on both sides of the cursor, and a change to one already shown.
    for (const v of [100, -100, 0.25]) {
      const id = T.createRun(s, { experiment_id: exps[0], start_time: 3 }).info.run_id;
      T.logMetric(s, id, { key: 'm1', value: v, timestamp: 1, step: 0 });
    }
    T.setTag(s, seen[0], 'touched', 'yes');
    let token = first.next_page_token;
    while (token) {
      const res = T.searchRuns(s, { ...req, max_results: 10, page_token: token });
      seen.push(...res.runs.map((r) => r.info.run_id));
      token = res.next_page_token;
    }
    assert.equal(new Set(seen).size, seen.length, 'no run shown twice');
    for (const id of before) assert.ok(seen.includes(id), `a run that existed all along is shown: ${id}`);
  } finally {
    s.close();
  }
});

function throwsBadToken(fn: () => unknown, what: string) {
  assert.throws(fn, (e: unknown) => e instanceof InvalidParameter && e.code === 'INVALID_PARAMETER_VALUE' && e.field === 'page_token', what);
}

test('stale, foreign and hostile page tokens are INVALID_PARAMETER_VALUE, never another error', async () => {
  const { s, exps, r } = await randomStore(7, 40);
  try {
    const req = { experiment_ids: exps, order_by: ['metrics.m1', 'params.p DESC'] };
    const token = T.searchRuns(s, { ...req, max_results: 5 }).next_page_token!;
    const inner = JSON.parse(Buffer.from(token, 'base64').toString());
    const b64 = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64');
    throwsBadToken(() => T.searchRuns(s, { ...req, order_by: ['metrics.m1'], page_token: token }), 'a token for another order');
    const hostile: unknown[] = [
      '!!!',
      '%%%%',
      'abc',
      b64('not json'),
      b64('null'),
      b64('[1,2]'),
      b64('"x"'),
      b64({ offset: -1 }),
      b64({ offset: 1.5 }),
      b64({ after: null, order: inner.order }),
      b64({ after: {}, order: inner.order }),
      b64({ after: [], order: inner.order }),
      b64({ ...inner, order: 'x' }),
      b64({ after: inner.after }),
      b64({ after: inner.after.slice(1), order: inner.order }),
      b64({ after: [0, 'str', ...inner.after.slice(2)], order: inner.order }),
      b64({ after: [1, 5, ...inner.after.slice(2)], order: inner.order }),
      b64({ after: [...inner.after.slice(0, 2), 1, null, ...inner.after.slice(4)], order: inner.order }),
      b64({ after: [...inner.after.slice(0, -1), 42], order: inner.order }),
      b64({ after: [...inner.after.slice(0, -2), 'x', 'y'], order: inner.order }),
      b64('{"after":{"__proto__":{"length":6}},"order":"' + inner.order + '"}'),
      b64('x'.repeat(5000)),
    ];
    for (const t of hostile) throwsBadToken(() => T.searchRuns(s, { ...req, page_token: t as string }), String(t));
    // Fuzz: random parts in each position of a real token, and random bytes.
    const junk = [null, true, 0, -1, 1e308, 'NaN', '', {}, [], [1], 'z'.repeat(300), 3.5, 2, 1];
    for (let i = 0; i < 400; i++) {
      const after = [...inner.after];
      after[r.int(after.length)] = r.pick(junk);
      const t = r.next() < 0.8 ? b64({ after, order: inner.order }) : Buffer.from(Array.from({ length: r.int(60) }, () => r.int(256))).toString('base64');
      try {
        T.searchRuns(s, { ...req, page_token: t });
      } catch (e) {
        assert.ok(e instanceof InvalidParameter && e.field === 'page_token', `${t}: ${String(e)}`);
      }
    }
  } finally {
    s.close();
  }
});

test('max_results as MLflow 2.12.2: 0 gives no runs and a token, bounds per search', async () => {
  const { s, exps } = await randomStore(3, 12);
  try {
    const zero = T.searchRuns(s, { experiment_ids: exps, max_results: 0 });
    assert.deepEqual(zero.runs, []);
    assert.ok(zero.next_page_token, 'MLflow answers a token even for max_results=0');
    assert.equal(T.searchRuns(s, { experiment_ids: exps, page_token: zero.next_page_token }).runs.length, reference(s, exps, '', [], 'ACTIVE_ONLY').length);
    assert.equal(T.searchRuns(s, { experiment_ids: exps, max_results: '5' }).runs.length, 5);
    assert.equal(T.searchRuns(s, { experiment_ids: exps, max_results: 50000 }).runs.length, reference(s, exps, '', [], 'ACTIVE_ONLY').length);
    for (const bad of [-1, 50001, 'abc', 1.5, '-3', {}]) {
      assert.throws(() => T.searchRuns(s, { experiment_ids: exps, max_results: bad }), InvalidParameter, `runs max_results=${JSON.stringify(bad)}`);
    }
    for (const bad of [0, -1, 50001]) assert.throws(() => T.searchExperiments(s, { max_results: bad }), InvalidParameter, `experiments ${bad}`);
    assert.equal(T.searchExperiments(s, { max_results: 3 }).experiments.length, 3);
    assert.equal(T.searchExperiments(s, { max_results: 3 }).next_page_token, undefined, 'experiments: a token only when more follow');
    R.createRegisteredModel(s, { name: 'm1' });
    R.createRegisteredModel(s, { name: 'm2' });
    const none = R.searchRegisteredModels(s, { max_results: 0 });
    assert.deepEqual(none.registered_models, []);
    assert.ok(none.next_page_token, 'registered models: max_results=0 answers a token when any model matches');
    assert.equal(R.searchRegisteredModels(s, { max_results: 2 }).next_page_token, undefined, 'registered models: a full last page has no token');
    for (const bad of [-1, 1001]) assert.throws(() => R.searchRegisteredModels(s, { max_results: bad }), InvalidParameter, `models ${bad}`);
    for (const bad of [0, -1, 200001]) assert.throws(() => R.searchModelVersions(s, { max_results: bad }), InvalidParameter, `versions ${bad}`);
  } finally {
    s.close();
  }
});

test('order_by naming a field twice is INVALID_PARAMETER_VALUE (MLflow answers 500)', async () => {
  const { s, exps } = await randomStore(5, 3);
  try {
    for (const o of [
      ['metrics.m1 DESC', 'metrics.m1 ASC'],
      ['created', 'start_time DESC'],
      ['`run name`', 'attributes.run_name'],
    ]) {
      assert.throws(
        () => T.searchRuns(s, { experiment_ids: exps, order_by: o }),
        (e: unknown) => e instanceof SearchSyntaxError && e.code === 'INVALID_PARAMETER_VALUE',
        o.join(),
      );
    }
    assert.equal(T.searchRuns(s, { experiment_ids: exps, order_by: ['metrics.m1', 'params.m1', 'tags.m1'] }).runs.length, 3, 'same key, different entities');
  } finally {
    s.close();
  }
});

test('registry searches page over light rows and assemble only the page: same models as a full listing', async () => {
  const s = await openStore(tempDir());
  const r = rng(21);
  try {
    const runIds = Array.from({ length: 5 }, () => T.createRun(s, {}).info.run_id);
    for (let i = 0; i < 25; i++) {
      const name = `model-${r.int(100)}-${i}`;
      R.createRegisteredModel(s, { name, tags: r.next() < 0.5 ? [{ key: 'team', value: r.pick(['a', 'b']) }] : [] });
      for (let v = 0; v < r.int(4); v++) {
        const mv = R.createModelVersion(s, { name, source: `runs:/${i}/model`, run_id: runIds[i % 5] });
        if (r.next() < 0.3) R.setModelVersionTag(s, name, mv.version, 'k', r.pick(['x', 'y']));
        if (r.next() < 0.2) R.deleteModelVersion(s, name, mv.version);
      }
    }
    const modelQueries: [string, string[]][] = [
      ['', []],
      ["tags.team = 'a'", ['name DESC']],
      ["name LIKE 'model-1%'", ['last_updated_timestamp DESC']],
      ['', ['creation_timestamp']],
    ];
    for (const [filter, orderBy] of modelQueries) {
      const want = R.listRegisteredModels(s).filter(compileRegisteredModelFilter(filter)).sort(compileRegisteredModelOrder(orderBy));
      for (const limit of [1, 4, 25, 100]) {
        const got: unknown[] = [];
        let token: string | undefined;
        do {
          const res = R.searchRegisteredModels(s, { filter, order_by: orderBy, max_results: limit, page_token: token });
          got.push(...res.registered_models);
          token = res.next_page_token;
        } while (token);
        assert.deepEqual(got, want, `${filter} ${orderBy} ${limit}`);
      }
    }
    const versionQueries: [string, string[]][] = [
      ['', []],
      ["tags.k = 'x'", ['version_number DESC']],
      ['', ['name']],
      ["name LIKE 'model-2%'", []],
    ];
    versionQueries.push([`run_id IN ('${runIds[1]}', '${runIds[2]}')`, ['name DESC']]);
    for (const [filter, orderBy] of versionQueries) {
      const want = R.listModelVersions(s).filter(compileModelVersionFilter(filter)).sort(compileModelVersionOrder(orderBy));
      assert.deepEqual(R.searchModelVersions(s, { filter, order_by: orderBy }).model_versions, want, `${filter} ${orderBy}`);
      assert.deepEqual(
        R.searchModelVersions(s, { filter, order_by: orderBy, max_results: 3, page_token: encodePageToken(3) }).model_versions,
        want.slice(3, 6),
      );
    }
  } finally {
    s.close();
  }
});
