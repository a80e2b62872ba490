import { JOURNAL_OP_MODULES } from './journalOps';
import { Store, type StoreOptions } from './store/store';

export { Store } from './store/store';
export type { StoreOptions, OpenReport } from './store/store';

/** Opens the store of a workspace with every operation known, so the journal can be replayed. */
export function openStore(workspace: string, options?: StoreOptions): Promise<Store> {
  // Referenced, not just imported: every operation a journal may hold is defined before replay.
  if (!Object.keys(JOURNAL_OP_MODULES).length) throw new Error('no journaled operations are defined');
  return Store.open(workspace, options);
}
