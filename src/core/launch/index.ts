export * from './trackedRun';
export * from './tracker';
export * from './sweep';
