// Importing the modules registers their journaled operations; replay needs all of them.
import './tracking';
import './tracking/loggedModels';
import './registry';
import './import/ops';
import { Store, type StoreOptions } from './store/store';

export { Store } from './store/store';
export type { StoreOptions, OpenReport } from './store/store';

/** Opens the store of a workspace with every operation known, so the journal can be replayed. */
export function openStore(workspace: string, options?: StoreOptions): Promise<Store> {
  return Store.open(workspace, options);
}
