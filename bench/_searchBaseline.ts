// The runs/search implementation before the maintained index, kept as the bench's baseline: it reloads every run
// of the experiments per request, sorts them all, slices by offset and assembles each page run with its own queries.
import { compileRunFilter, compileRunOrder, decodePageToken, encodePageToken } from '../src/core/search';
import type { Store } from '../src/core/store/store';
import * as T from '../src/core/tracking';
import { RunIndex } from '../src/core/views';

export function searchRunsPerRequest(
  store: Store,
  req: { experiment_ids: string[]; max_results: number; order_by?: string[]; filter?: string; page_token?: string },
) {
  const limit = req.max_results;
  const match = compileRunFilter(req.filter);
  const order = compileRunOrder(req.order_by);
  const offset = decodePageToken(req.page_token);
  const index = new RunIndex(store);
  try {
    const matched = req.experiment_ids
      .flatMap((id) => index.runs(id))
      .filter((r) => r.lifecycle_stage === 'active' && match(r))
      .sort(order);
    const page = matched.slice(offset, offset + limit);
    const runs = page.map((r) => T.assembleRun(store, store.one<T.RunRow>('SELECT * FROM runs WHERE run_uuid = ?', [r.run_id])!));
    return { runs, ...(offset + limit < matched.length ? { next_page_token: encodePageToken(offset + limit) } : {}) };
  } finally {
    index.dispose();
  }
}
