import { Command, CommanderError } from 'commander';
import { MlopsError } from '../core/store/errors';
import { registerDataCommands } from './commands/data';
import { registerImportCommands } from './commands/import';
import { registerPipelineCommands } from './commands/pipelines';
import { registerRunCommands, registerSweepCommand } from './commands/run';
import { registerServerCommands } from './commands/server';
import { registerStoreCommands } from './commands/store';
import { registerTrackingCommands } from './commands/tracking';

const program = new Command('mlops');
program
  .description('MLOps Workbench on the command line: the same workspace store as the editor extension')
  .version('0.1.0')
  .showHelpAfterError()
  .exitOverride();
registerTrackingCommands(program);
registerStoreCommands(program);
registerDataCommands(program);
registerServerCommands(program);
registerRunCommands(program);
registerImportCommands(program);
registerSweepCommand(program);
registerPipelineCommands(program);

program.parseAsync(process.argv).catch((e: unknown) => {
  if (e instanceof CommanderError) process.exit(e.exitCode === 0 ? 0 : 2);
  const msg = e instanceof Error ? e.message : String(e);
  console.error(`mlops: ${msg}`);
  process.exit(e instanceof MlopsError && e.code === 'DATA_LOSS' ? 3 : 1);
});
