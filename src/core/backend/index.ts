export * from './types';
export { Connection, ServerError, ServerUnreachable, connectionFromEnv, isServerUri, type Auth, type ConnectionOptions } from './connection';
export { RemoteBackend, normalizeRun, proxiedArtifactPath } from './remote';
export { LocalBackend } from './local';
export {
  publishRuns,
  SOURCE_RUN_TAG,
  PENDING_TAG,
  PUBLISHED_TAG,
  PUBLISHED_TO_TAG,
  publishedTags,
  runsWaitingToPublish,
  type PublishedRun,
  type PublishProgress,
  type PublishOptions,
} from './publish';
export { mirrorRuns, type MirrorOptions } from './mirror';
