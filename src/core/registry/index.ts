export * from './types';
export * from './models';
export * from './search';
