import {
  compileModelVersionFilter,
  compileModelVersionOrder,
  compileRegisteredModelFilter,
  compileRegisteredModelOrder,
  decodePageToken,
  encodePageToken,
  type SearchableModelVersion,
  type SearchableRegisteredModel,
} from '../search';
import type { Store } from '../store/store';
import { maxResults } from '../tracking/search';
import type { KeyValue } from '../tracking/types';
import { getModelVersion, getRegisteredModel } from './models';
import type { ModelVersion, RegisteredModel } from './types';

const DELETED = 'Deleted_Internal';

/** Groups `rows` by `keyOf`, keeping their order (tags come ordered by key). */
function group<R>(rows: R[], keyOf: (r: R) => string): Map<string, KeyValue[]> {
  const out = new Map<string, KeyValue[]>();
  for (const r of rows as (R & KeyValue)[]) {
    const k = keyOf(r);
    let l = out.get(k);
    if (!l) out.set(k, (l = []));
    l.push({ key: r.key, value: r.value });
  }
  return out;
}

/** What a registered-model search filters and orders on, for every model in two queries. */
function searchableModels(store: Store): SearchableRegisteredModel[] {
  const tags = group(store.all<KeyValue & { name: string }>('SELECT name, key, value FROM registered_model_tags ORDER BY name, key'), (t) => t.name);
  return store
    .all<{ name: string; creation_time: number; last_updated_time: number }>('SELECT name, creation_time, last_updated_time FROM registered_models')
    .map((m) => ({ name: m.name, creation_timestamp: m.creation_time, last_updated_timestamp: m.last_updated_time, tags: tags.get(m.name) ?? [] }));
}

/** What a model-version search filters and orders on, for every live version in two queries. */
function searchableVersions(store: Store): SearchableModelVersion[] {
  const tags = group(
    store.all<KeyValue & { name: string; version: number }>('SELECT name, version, key, value FROM model_version_tags ORDER BY name, version, key'),
    (t) => `${t.name}\0${t.version}`,
  );
  return store
    .all<{ name: string; version: number; run_id: string; source: string; creation_time: number; last_updated_time: number; current_stage: string }>(
      'SELECT name, version, run_id, source, creation_time, last_updated_time, current_stage FROM model_versions WHERE current_stage != ?',
      [DELETED],
    )
    .map((v) => ({
      name: v.name,
      version: String(v.version),
      run_id: v.run_id,
      source: v.source,
      creation_timestamp: v.creation_time,
      last_updated_timestamp: v.last_updated_time,
      current_stage: v.current_stage,
      tags: tags.get(`${v.name}\0${v.version}`) ?? [],
    }));
}

/**
 * Offset pages as MLflow's registry store: a token only when more follow (it asks for one row more), and
 * max_results=0 answers no models and a token when any match. Matching and ordering run on light rows;
 * only the page's models are assembled in full.
 */
function page<S, F>(all: S[], limit: number, token: string | undefined, full: (s: S) => F): { items: F[]; next_page_token?: string } {
  const offset = decodePageToken(token);
  return { items: all.slice(offset, offset + limit).map(full), ...(offset + limit < all.length ? { next_page_token: encodePageToken(offset + limit) } : {}) };
}

export function searchRegisteredModels(
  store: Store,
  req: { filter?: string; max_results?: unknown; order_by?: string[]; page_token?: string },
): { registered_models: RegisteredModel[]; next_page_token?: string } {
  const limit = maxResults(req.max_results, 100, 1000, 0);
  const match = compileRegisteredModelFilter(req.filter);
  const order = compileRegisteredModelOrder(req.order_by);
  const { items, next_page_token } = page(searchableModels(store).filter(match).sort(order), limit, req.page_token, (m) => getRegisteredModel(store, m.name));
  return { registered_models: items, ...(next_page_token ? { next_page_token } : {}) };
}

export function searchModelVersions(
  store: Store,
  req: { filter?: string; max_results?: unknown; order_by?: string[]; page_token?: string },
): { model_versions: ModelVersion[]; next_page_token?: string } {
  const limit = maxResults(req.max_results, 10000, 200000);
  const match = compileModelVersionFilter(req.filter);
  const order = compileModelVersionOrder(req.order_by);
  const { items, next_page_token } = page(searchableVersions(store).filter(match).sort(order), limit, req.page_token, (v) =>
    getModelVersion(store, v.name, v.version),
  );
  return { model_versions: items, ...(next_page_token ? { next_page_token } : {}) };
}
