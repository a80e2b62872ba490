import fs from 'node:fs';
import path from 'node:path';
import { syncDir } from './atomicFile';

/**
 * Writes a snapshot image off the event loop: a temporary file, written and synced with fs promises, then
 * renamed over `name` (the previous one kept as `.prev`). `stillCurrent` is asked before the rename, so an
 * image overtaken by a newer snapshot (a blocking one made meanwhile) is dropped instead of replacing it.
 */
export async function writeImage(dir: string, name: string, image: Uint8Array, stillCurrent: () => boolean): Promise<void> {
  const tmp = path.join(dir, `.${name}.${process.pid}.bg.tmp`);
  const fh = await fs.promises.open(tmp, 'w', 0o600);
  try {
    await fh.writeFile(image);
    await fh.sync();
  } catch (e) {
    await fh.close().catch(() => {});
    await fs.promises.rm(tmp, { force: true }).catch(() => {});
    throw e;
  }
  await fh.close();
  if (!stillCurrent()) {
    await fs.promises.rm(tmp, { force: true });
    return;
  }
  const snap = path.join(dir, name);
  if (fs.existsSync(snap)) fs.renameSync(snap, snap + '.prev');
  fs.renameSync(tmp, snap);
  syncDir(dir);
}
