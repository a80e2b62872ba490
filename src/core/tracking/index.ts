export * from './types';
export * from './experiments';
export * from './runs';
export * from './metrics';
export { newRunId, randomRunName } from './ids';
export { LIMITS } from './validation';
export * from './loggedModels';
export * from './search';
export { artifactDirOf } from './artifactDir';
