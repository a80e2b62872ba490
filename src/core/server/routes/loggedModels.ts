import { decodePageToken, encodePageToken } from '../../search';
import { InvalidParameter } from '../../errors';
import * as T from '../../tracking';
import * as R from '../../registry';
import type { Store } from '../../store/store';
import { listArtifactDir } from '../artifactStore';
import { repeated } from '../json';
import type { RouteTable } from './types';

/** A logged model with its registry versions (LoggedModelInfo.registrations in MLflow 3's proto). */
function withRegistrations(store: Store, m: T.LoggedModel): T.LoggedModel {
  const registrations = R.registrationsOf(store, m.info.model_id);
  return registrations.length ? { ...m, info: { ...m.info, registrations } } : m;
}

export const loggedModelRoutes: RouteTable = [
  [
    'POST',
    'logged-models',
    (r, { store }) => ({
      model: T.createLoggedModel(store, {
        experiment_id: r.get('experiment_id'),
        name: r.get('name'),
        model_type: r.get('model_type'),
        source_run_id: r.get('source_run_id'),
        params: r.get('params'),
        tags: r.get('tags'),
      }),
    }),
  ],
  [
    'POST',
    'logged-models/search',
    (r, { store }) => {
      const max = r.get('max_results') ?? 50;
      if (typeof max !== 'number' || !Number.isInteger(max) || max < 1 || max > 50)
        throw new InvalidParameter(`max_results must be between 1 and 50, got ${JSON.stringify(max)}`, 'max_results');
      const ids = r.list('experiment_ids').map((e) => T.parseExperimentId(e));
      const filter = r.str('filter');
      let models = T.listLoggedModels(store, ids);
      if (filter) {
        // name = / != / IN and tags. are what clients send when registering; other clauses are refused clearly.
        const m = /^\s*(name|tags\.`?([\w.\-/ ]+)`?|source_run_id)\s*(=|!=)\s*['"]([^'"]*)['"]\s*$/i.exec(filter);
        if (!m) throw new InvalidParameter(`Unsupported logged model filter: '${filter}'`, 'filter');
        const want = m[4];
        const eq = m[3] === '=';
        models = models.filter((x) => {
          const v =
            m[1].toLowerCase() === 'name'
              ? x.info.name
              : m[1].toLowerCase() === 'source_run_id'
                ? x.info.source_run_id
                : x.info.tags.find((t) => t.key === m[2])?.value;
          return v !== undefined && (v === want) === eq;
        });
      }
      const offset = decodePageToken(r.str('page_token'));
      return {
        models: models.slice(offset, offset + max).map((m) => withRegistrations(store, m)),
        ...(offset + max < models.length ? { next_page_token: encodePageToken(offset + max) } : {}),
      };
    },
  ],
  ['GET', 'logged-models/{model_id}', (r, { store }) => ({ model: withRegistrations(store, T.getLoggedModel(store, r.params.model_id)) })],
  // ListLoggedModelArtifacts: one folder of the model's artifacts, paths relative to the model's root.
  [
    'GET',
    'logged-models/{model_id}/artifacts/directories',
    (r, { store, workspace }) => {
      const uri = T.getLoggedModel(store, r.params.model_id).info.artifact_uri;
      return { root_uri: uri, ...repeated('files', listArtifactDir(workspace, uri, r.str('artifact_directory_path') ?? '', true)) };
    },
  ],
  ['PATCH', 'logged-models/{model_id}', (r, { store }) => ({ model: T.finalizeLoggedModel(store, r.params.model_id, r.get('status')) })],
  ['DELETE', 'logged-models/{model_id}', (r, { store }) => (T.deleteLoggedModel(store, r.params.model_id), {})],
  ['PATCH', 'logged-models/{model_id}/tags', (r, { store }) => ({ model: T.setLoggedModelTags(store, r.params.model_id, r.get('tags')) })],
  ['DELETE', 'logged-models/{model_id}/tags/{tag_key}', (r, { store }) => (T.deleteLoggedModelTag(store, r.params.model_id, r.params.tag_key), {})],
  ['POST', 'logged-models/{model_id}/params', (r, { store }) => (T.logLoggedModelParams(store, r.params.model_id, r.get('params')), {})],
];
