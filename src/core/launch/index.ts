export * from './trackedRun';
export * from './tracker';
export * from './sweep';
export * from './sweepRun';
export * from './rerun';
export * from './remoteTracker';
export * from './teamLaunch';
