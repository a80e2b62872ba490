export * from './types';
export * from './models';
