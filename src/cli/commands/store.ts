import type { Command } from 'commander';
import { requireStore, withWriteStore, workspaceDir, type WorkspaceOption } from '../workspace';

export function registerStoreCommands(program: Command) {
  const store = program.command('store').description('maintain the workspace store (.mlops)');
  store
    .command('recover')
    .description('open a damaged store using whatever is intact; damaged files are copied aside, never deleted')
    .option('--workspace <dir>', 'workspace folder (default: current folder)')
    .action(async (opts: WorkspaceOption) => {
      requireStore(opts);
      await withWriteStore({ ...opts, recover: true }, (s) => {
        const r = s.report;
        if (!r.notes.length) console.log(`${workspaceDir(opts)}: the store is intact; nothing to recover.`);
        for (const n of r.notes) console.log(`- ${n}`);
        for (const c of r.keptCopies) {
          console.log(`kept a copy ${/\.damaged-\d+$/.test(c) ? 'of the damaged file' : 'of a file recovery rewrites'}: ${c}`);
        }
        s.snapshot();
      });
    });
  store
    .command('snapshot')
    .description('write a fresh snapshot and start a new journal')
    .option('--workspace <dir>', 'workspace folder (default: current folder)')
    .action(async (opts: WorkspaceOption) => {
      requireStore(opts);
      await withWriteStore(opts, (s) => s.snapshot());
      console.log(`${workspaceDir(opts)}: wrote a fresh snapshot.`);
    });
}
