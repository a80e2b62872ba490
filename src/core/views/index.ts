export * from './runSummary';
export * from './runIndex';
export * from './runList';
export * from './describe';
export * from './remoteRunPage';
