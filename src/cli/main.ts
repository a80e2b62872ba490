import { Command, CommanderError } from 'commander';
import { MlopsError } from '../core/store/errors';

const program = new Command('mlops');
program
  .description('MLOps Workbench on the command line: the same workspace store as the editor extension')
  .version('0.1.0')
  .showHelpAfterError()
  .exitOverride();

/**
 * `mlops data …` loads only the data commands: the store (sql.js), server and tracking modules cost more to load
 * than a warm `data status` takes. Anything else (including help) registers every command.
 */
async function register(): Promise<void> {
  const first = process.argv.slice(2).find((a) => !a.startsWith('-'));
  const data = await import('./commands/data');
  if (first === 'data') return data.registerDataCommands(program);
  const [tracking, store, server, run, imp] = await Promise.all([
    import('./commands/tracking'),
    import('./commands/store'),
    import('./commands/server'),
    import('./commands/run'),
    import('./commands/import'),
  ]);
  tracking.registerTrackingCommands(program);
  store.registerStoreCommands(program);
  data.registerDataCommands(program);
  server.registerServerCommands(program);
  run.registerRunCommands(program);
  imp.registerImportCommands(program);
  run.registerSweepCommand(program);
}

register()
  .then(() => program.parseAsync(process.argv))
  .catch((e: unknown) => {
    if (e instanceof CommanderError) process.exit(e.exitCode === 0 ? 0 : 2);
    const msg = e instanceof Error ? e.message : String(e);
    console.error(`mlops: ${msg}`);
    process.exit(e instanceof MlopsError && e.code === 'DATA_LOSS' ? 3 : 1);
  });
