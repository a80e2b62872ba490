import type { Store } from '../../store/store';
import type { ApiRequest } from '../request';

export interface RouteContext {
  store: Store;
  workspace: string;
}

export type Handler = (req: ApiRequest, ctx: RouteContext) => unknown | Promise<unknown>;

/** Method + path (relative to /api/2.0/mlflow/) → handler. `{name}` segments become req.params. */
export type RouteTable = [method: string, path: string, handler: Handler][];
