import type { HashName } from './hash';

// What every kind of remote implements (a local folder, S3); the factory that picks one is remote.ts.

/** An object as a remote stores it: DVC 3 (`files/md5/…`) or legacy (`md5-dos2unix`, top level). */
export interface ObjectRef {
  oid: string;
  hashName: HashName;
}

export interface ObjectTransferOptions {
  signal?: AbortSignal;
  /** Called with the number of bytes moved since the last call. */
  onBytes?: (n: number) => void;
}

/**
 * Where pushed data lives. Implementations own their atomicity: an object is visible on the remote only once complete
 * (a local folder uses temp + rename; S3 PUT is atomic). Callers never see the layout.
 */
export interface RemoteStorage {
  readonly name: string;
  readonly url: string;
  /** Presence of each object, in order. May verify content (a local remote re-hashes objects not marked 0444). */
  has(refs: ObjectRef[], opts?: ObjectTransferOptions): Promise<boolean[]>;
  /** Sends a local file as the object; must verify it hashes to the id and leave nothing behind on failure/abort. */
  upload(ref: ObjectRef, sourceFile: string, opts?: ObjectTransferOptions): Promise<void>;
  /**
   * Writes the object's bytes to `destFile` (the caller's temp file; the caller verifies and moves it in place). May
   * return the md5 of the bytes written, computed while writing, which spares the caller re-reading the file.
   */
  download(ref: ObjectRef, destFile: string, opts?: ObjectTransferOptions): Promise<string | void>;
  /** How many transfers to run at once. */
  readonly jobs: number;
}
