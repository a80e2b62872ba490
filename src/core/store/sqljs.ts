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
