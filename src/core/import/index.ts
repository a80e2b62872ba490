import fs from 'node:fs';
import path from 'node:path';
import { openMlflowDb } from './mlflowDb';
import { openMlruns } from './mlruns';
import { NotAnMlflowSource, type MlflowSource } from './source';

export * from './source';
export { openMlflowDb, isWalHeader } from './mlflowDb';
export { openMlruns } from './mlruns';
export { importMlflow, localArtifactDir, type ImportCounts, type ImportOptions, type ImportSummary } from './importer';

/** Opens an `mlflow.db` file or an `mlruns/` folder (or a folder holding one of them) for import, read-only. */
export async function openMlflowSource(p: string): Promise<MlflowSource> {
  const abs = path.resolve(p);
  let st: fs.Stats;
  try {
    st = fs.statSync(abs);
  } catch {
    throw new NotAnMlflowSource(abs, 'no such file or folder');
  }
  if (st.isDirectory()) {
    const db = path.join(abs, 'mlflow.db');
    if (!fs.existsSync(path.join(abs, 'mlruns')) && !fs.existsSync(path.join(abs, '.trash')) && fs.existsSync(db) && fs.statSync(db).isFile()) {
      try {
        return openMlruns(abs);
      } catch {
        return openMlflowDb(db);
      }
    }
    return openMlruns(abs);
  }
  return openMlflowDb(abs);
}
