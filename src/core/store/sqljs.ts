import fs from 'node:fs';
import path from 'node:path';
import initSqlJs, { type SqlJsStatic } from 'sql.js';

let loading: Promise<SqlJsStatic> | undefined;

/**
 * Loads sql.js once per process. The wasm is located explicitly: next to the bundle in dist/
 * (the build copies it there), else in node_modules when running from sources (tests, bench).
 */
export function loadSqlJs(): Promise<SqlJsStatic> {
  if (!loading) {
    const candidates = [
      path.join(__dirname, 'sql-wasm.wasm'),
      path.join(__dirname, '..', 'sql-wasm.wasm'),
      (() => {
        try {
          return path.join(path.dirname(require.resolve('sql.js')), 'sql-wasm.wasm');
        } catch {
          return '';
        }
      })(),
    ].filter((p) => p && fs.existsSync(p));
    if (!candidates.length) {
      return Promise.reject(new Error(`sql-wasm.wasm not found next to ${__dirname}; run the build (npm run build).`));
    }
    const wasmBinary = fs.readFileSync(candidates[0]);
    loading = initSqlJs({ wasmBinary: wasmBinary.buffer.slice(wasmBinary.byteOffset, wasmBinary.byteOffset + wasmBinary.byteLength) as ArrayBuffer });
  }
  return loading;
}

/**
 * sql.js keeps the database file in Emscripten's in-memory file system, which grows a file by copying it
 * into a new buffer 1.125 times as large once it is past 1 MiB. For a store that grows steadily (metric
 * batches) that is about nine fresh-memory copies of every byte written, on the request path, plus a
 * stall each time the whole file is copied. So the file is opened with room to grow: the image is padded
 * with zeros past its last page. SQLite goes by the page count in its header and writes new pages into the
 * padding without growing the file; the padding is never part of a snapshot (export() copies the pages
 * the header counts).
 */
const MIN_SLACK = 1024 * 1024;
const MAX_SLACK = 64 * 1024 * 1024;

/**
 * Room to grow for a database of `bytes`: as much again, within 1 MiB … 64 MiB. Doubling keeps the
 * copies made when the room is renewed (at a snapshot) to a few per byte stored, against about nine with
 * the file system's own 1.125 growth. Since the points live in segment files (v2), the image holds metadata
 * only and grows slowly, so 1 MiB (was 64 MiB: 0.65 s of filling sql.js's file system on every owner's
 * open; 4 MiB still cost 0.1-0.3 s) is plenty.
 */
export function slackFor(bytes: number): number {
  return Math.min(MAX_SLACK, Math.max(MIN_SLACK, Math.ceil(bytes / 65536) * 65536));
}

/** A database from an image (or a new, empty one), with `slack` bytes of zeros after its last page. */
export function openWithSlack(SQL: SqlJsStatic, image: Uint8Array | undefined, slack: number): { db: import('sql.js').Database; fileBytes: number } {
  let img = image;
  if (!img || img.length === 0) {
    // A file of zeros is not a database: start from a one-page image with a valid header.
    const empty = new SQL.Database();
    try {
      empty.exec('PRAGMA user_version = 0');
      img = empty.export();
    } finally {
      empty.close();
    }
  }
  const padded = new Uint8Array(img.length + slack);
  padded.set(img);
  return { db: new SQL.Database(padded), fileBytes: padded.length };
}
