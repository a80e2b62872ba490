// The routes MLflow's Flask app serves outside the REST API, which its UI and some clients call:
// GET /get-artifact?run_id&path and GET /model-versions/get-artifact?name&version&path (a run's or a model
// version's file). Both resolve real paths inside the artifact folder, like every other artifact request.
import fs from 'node:fs';
import type { Store } from '../store/store';
import { InvalidParameter, NotFound } from '../errors';
import * as R from '../registry';
import * as T from '../tracking';
import { artifactSegments, containedPath } from './artifactStore';

const FLASK_PATHS = new Set(['/get-artifact', '/model-versions/get-artifact']);

export function isFlaskArtifactRoute(pathname: string): boolean {
  return FLASK_PATHS.has(pathname);
}

/** The folder an artifact URI names on this machine (`runs:/<id>/<path>` through the run's artifact URI). */
function uriDir(store: Store, workspace: string, uri: string): string | undefined {
  const m = /^runs:\/+([^/]+)(?:\/(.*))?$/.exec(uri);
  if (!m) return T.artifactDirOf(workspace, uri);
  const base = T.artifactDirOf(workspace, T.getRun(store, m[1]).info.artifact_uri);
  return base && m[2] ? containedPath(base, artifactSegments(m[2])) : base;
}

/** The file a Flask artifact route asks for: its real path and size. */
export function flaskArtifactFile(store: Store, workspace: string, pathname: string, q: URLSearchParams): { abs: string; size: number } {
  const rel = q.get('path');
  if (rel === null) throw new InvalidParameter("Missing value for required parameter 'path'.", 'path');
  const segments = artifactSegments(rel);
  let uri: string;
  if (pathname === '/get-artifact') {
    const runId = q.get('run_id') || q.get('run_uuid');
    if (!runId) throw new InvalidParameter("Missing value for required parameter 'run_id'.", 'run_id');
    uri = T.getRun(store, runId).info.artifact_uri;
  } else {
    uri = R.getModelVersion(store, q.get('name') ?? '', q.get('version')).source;
  }
  const base = uriDir(store, workspace, uri);
  if (!base) throw new NotFound(`Artifacts at '${uri}' are not stored by this server.`);
  const abs = containedPath(base, segments);
  let st: fs.Stats;
  try {
    st = fs.statSync(abs);
  } catch {
    throw new NotFound(`Artifact '${rel}' does not exist.`);
  }
  if (!st.isFile()) throw new NotFound(`Artifact '${rel}' is a folder, not a file.`);
  return { abs, size: st.size };
}
