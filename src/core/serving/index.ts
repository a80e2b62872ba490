export * from './payload';
export * from './drift';
export * from './recorder';
export * from './proxy';
export * from './scoring';
export * from './deployment';
