// The data-versioning API (DVC 3 compatible). Adapters (VS Code, CLI) use only what is exported here.
export { DataRepo, type OpenOptions, type RepoStatus, type TransferOptions, type PullResult } from './repo';
export type { AddResult } from './add';
export type { CommitResult } from './commit';
export type { CheckoutOptions, CheckoutResult } from './checkout';
export type { TrackedOutput, Collected } from './collect';
export type { DvcOutput, DvcFile } from './dvcfile';
export type { OutputStatus, OutputState, FileChange } from './status';
export type { Progress, ProgressFn } from './build';
export type { OpOptions } from './parts';
export type { TransferResult, RemoteOutputStatus } from './transfer';
export type { RemoteStorage, ObjectRef } from './remote';
export type { RemoteConfig } from './config';
export type { HashName } from './hash';
export { openRemote } from './remote';
export { LocalRemote } from './localRemote';
export { initRepo, findRepoRoot } from './init';
export { DataWatcher, type DataWatchEvent, type DataWatcherOptions } from './watcher';
export * from './errors';
