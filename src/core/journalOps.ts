// Every module that defines journaled operations (or store hooks), in one list. Opening a store loads this list,
// so a journal written by any part of the product can be replayed; test/core/journalOps.test.ts fails when a
// module defines an operation and is missing here.
import * as importOps from './import/ops';
import * as registryModels from './registry/models';
import * as storeOps from './store/store';
import * as experiments from './tracking/experiments';
import * as loggedModels from './tracking/loggedModels';
import * as metrics from './tracking/metrics';
import * as pointIndex from './tracking/pointIndex';
import * as runs from './tracking/runs';

export const JOURNAL_OP_MODULES = {
  'store/store': storeOps,
  'tracking/experiments': experiments,
  'tracking/runs': runs,
  'tracking/metrics': metrics,
  'tracking/pointIndex': pointIndex,
  'tracking/loggedModels': loggedModels,
  'registry/models': registryModels,
  'import/ops': importOps,
} as const;
