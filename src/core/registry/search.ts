import { compileModelVersionFilter, compileModelVersionOrder, compileRegisteredModelFilter, compileRegisteredModelOrder, decodePageToken, encodePageToken } from '../search';
import type { Store } from '../store/store';
import { maxResults } from '../tracking/search';
import { listModelVersions, listRegisteredModels } from './models';
import type { ModelVersion, RegisteredModel } from './types';

export function searchRegisteredModels(
  store: Store,
  req: { filter?: string; max_results?: unknown; order_by?: string[]; page_token?: string },
): { registered_models: RegisteredModel[]; next_page_token?: string } {
  // As MLflow: max_results=0 answers no models, and a token when any match.
  const limit = maxResults(req.max_results, 100, 1000, 0);
  const match = compileRegisteredModelFilter(req.filter);
  const order = compileRegisteredModelOrder(req.order_by);
  const offset = decodePageToken(req.page_token);
  const all = listRegisteredModels(store).filter(match).sort(order);
  return { registered_models: all.slice(offset, offset + limit), ...(offset + limit < all.length ? { next_page_token: encodePageToken(offset + limit) } : {}) };
}

export function searchModelVersions(
  store: Store,
  req: { filter?: string; max_results?: unknown; order_by?: string[]; page_token?: string },
): { model_versions: ModelVersion[]; next_page_token?: string } {
  const limit = maxResults(req.max_results, 10000, 200000);
  const match = compileModelVersionFilter(req.filter);
  const order = compileModelVersionOrder(req.order_by);
  const offset = decodePageToken(req.page_token);
  const all = listModelVersions(store).filter(match).sort(order);
  return { model_versions: all.slice(offset, offset + limit), ...(offset + limit < all.length ? { next_page_token: encodePageToken(offset + limit) } : {}) };
}
