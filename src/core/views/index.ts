// The run index and summaries live with tracking (its search uses them); the views read them from here too.
export * from '../tracking/runSummary';
export * from '../tracking/runIndex';
export * from './runList';
export * from './describe';
export * from './remoteRunPage';
