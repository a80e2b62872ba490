import * as R from '../../registry';
import * as T from '../../tracking';
import type { KeyValue } from '../../tracking/types';
import type { RouteTable } from './types';

export const registryRoutes: RouteTable = [
  [
    'POST',
    'registered-models/create',
    (r, { store }) => ({
      registered_model: R.createRegisteredModel(store, { name: r.str('name', true)!, description: r.str('description'), tags: r.list('tags') as KeyValue[] }),
    }),
  ],
  ['GET', 'registered-models/get', (r, { store }) => ({ registered_model: R.getRegisteredModel(store, r.str('name', true)!) })],
  [
    'POST',
    'registered-models/rename',
    (r, { store }) => ({ registered_model: R.renameRegisteredModel(store, r.str('name', true)!, r.str('new_name', true)!) }),
  ],
  ['PATCH', 'registered-models/update', (r, { store }) => ({ registered_model: R.updateRegisteredModel(store, r.str('name', true)!, r.str('description')) })],
  ['DELETE', 'registered-models/delete', (r, { store }) => (R.deleteRegisteredModel(store, r.str('name', true)!), {})],
  [
    'GET',
    'registered-models/search',
    (r, { store }) =>
      R.searchRegisteredModels(store, {
        filter: r.str('filter'),
        max_results: r.get('max_results'),
        order_by: r.strList('order_by'),
        page_token: r.str('page_token'),
      }),
  ],
  [
    'POST',
    'registered-models/search',
    (r, { store }) =>
      R.searchRegisteredModels(store, {
        filter: r.str('filter'),
        max_results: r.get('max_results'),
        order_by: r.strList('order_by'),
        page_token: r.str('page_token'),
      }),
  ],
  [
    'POST',
    'registered-models/set-tag',
    (r, { store }) => (R.setRegisteredModelTag(store, r.str('name', true)!, r.str('key', true)!, r.get('value') ?? ''), {}),
  ],
  ['DELETE', 'registered-models/delete-tag', (r, { store }) => (R.deleteRegisteredModelTag(store, r.str('name', true)!, r.str('key', true)!), {})],
  ['POST', 'registered-models/alias', (r, { store }) => (R.setRegisteredModelAlias(store, r.str('name', true)!, r.str('alias', true)!, r.get('version')), {})],
  ['DELETE', 'registered-models/alias', (r, { store }) => (R.deleteRegisteredModelAlias(store, r.str('name', true)!, r.str('alias', true)!), {})],
  ['GET', 'registered-models/alias', (r, { store }) => ({ model_version: R.getModelVersionByAlias(store, r.str('name', true)!, r.str('alias', true)!) })],
  [
    'POST',
    'registered-models/get-latest-versions',
    (r, { store }) => ({ model_versions: R.getLatestVersions(store, r.str('name', true)!, r.strList('stages')) }),
  ],
  [
    'GET',
    'registered-models/get-latest-versions',
    (r, { store }) => ({ model_versions: R.getLatestVersions(store, r.str('name', true)!, r.strList('stages')) }),
  ],
  [
    'POST',
    'model-versions/create',
    (r, { store }) => ({
      model_version: R.createModelVersion(store, {
        name: r.str('name', true)!,
        source: r.str('source', true)!,
        run_id: r.str('run_id'),
        run_link: r.str('run_link'),
        description: r.str('description'),
        tags: r.list('tags') as KeyValue[],
        model_id: r.str('model_id'),
      }),
    }),
  ],
  ['GET', 'model-versions/get', (r, { store }) => ({ model_version: R.getModelVersion(store, r.str('name', true)!, r.get('version')) })],
  [
    'PATCH',
    'model-versions/update',
    (r, { store }) => ({ model_version: R.updateModelVersion(store, r.str('name', true)!, r.get('version'), r.str('description')) }),
  ],
  ['DELETE', 'model-versions/delete', (r, { store }) => (R.deleteModelVersion(store, r.str('name', true)!, r.get('version')), {})],
  [
    'GET',
    'model-versions/search',
    (r, { store }) =>
      R.searchModelVersions(store, {
        filter: r.str('filter'),
        max_results: r.get('max_results'),
        order_by: r.strList('order_by'),
        page_token: r.str('page_token'),
      }),
  ],
  [
    'POST',
    'model-versions/transition-stage',
    (r, { store }) => ({
      model_version: R.transitionModelVersionStage(
        store,
        r.str('name', true)!,
        r.get('version'),
        r.str('stage', true),
        r.bool('archive_existing_versions') ?? false,
      ),
    }),
  ],
  [
    'POST',
    'model-versions/set-tag',
    (r, { store }) => (R.setModelVersionTag(store, r.str('name', true)!, r.get('version'), r.str('key', true)!, r.get('value') ?? ''), {}),
  ],
  ['DELETE', 'model-versions/delete-tag', (r, { store }) => (R.deleteModelVersionTag(store, r.str('name', true)!, r.get('version'), r.str('key', true)!), {})],
  [
    'GET',
    'model-versions/get-download-uri',
    (r, { store }) => ({
      artifact_uri: R.versionDownloadUri(store, r.str('name', true)!, r.get('version'), (id) => T.getLoggedModel(store, id).info.artifact_uri),
    }),
  ],
];
