import { Command, CommanderError } from 'commander';
import { MlopsError } from '../core/store/errors';
import { registerCiCommands } from './commands/ci';
import { registerDataCommands } from './commands/data';
import { registerModelServingCommands } from './commands/model';
import { registerImportCommands } from './commands/import';
import { registerModelListCommands } from './commands/models';
import { registerPipelineCommands } from './commands/pipelines';
import { registerRunCommands, registerSweepCommand } from './commands/run';
import { registerServerCommands } from './commands/server';
import { registerStoreCommands } from './commands/store';
import { registerTrackingCommands } from './commands/tracking';
import { useColour } from './format';

const program = new Command('mlops');
program
  .description('MLOps Workbench on the command line: the same workspace store as the editor extension')
  .version('0.1.0')
  // Every command takes --workspace; given before the command name it applies to that command.
  .option('--workspace <dir>', 'workspace folder for the command (default: current folder)')
  .enablePositionalOptions()
  .exitOverride()
  .configureOutput({
    getOutHasColors: () => useColour(process.stdout),
    getErrHasColors: () => useColour(process.stderr),
  });
registerTrackingCommands(program);
registerStoreCommands(program);
registerDataCommands(program);
registerServerCommands(program);
registerRunCommands(program);
registerModelListCommands(program);
registerImportCommands(program);
registerSweepCommand(program);
registerCiCommands(program);
registerModelServingCommands(program);

/** A usage error prints one line and where to get help, not the whole help text. */
function hintAfterErrors(cmd: Command, path: string): void {
  cmd.showHelpAfterError(`(run "${path} --help" for usage)`);
  for (const sub of cmd.commands) hintAfterErrors(sub.exitOverride(), `${path} ${sub.name()}`);
}
hintAfterErrors(program, 'mlops');

program.hook('preAction', (_root, action) => {
  const given = program.opts<{ workspace?: string }>().workspace;
  if (given === undefined) return;
  if (!action.options.some((o) => o.attributeName() === 'workspace')) throw new Error(`"${action.name()}" does not take --workspace`);
  if (action.getOptionValue('workspace') === undefined) action.setOptionValue('workspace', given);
});
registerPipelineCommands(program);

program.parseAsync(process.argv).catch((e: unknown) => {
  if (e instanceof CommanderError) process.exit(e.exitCode === 0 ? 0 : 2);
  const msg = e instanceof Error ? e.message : String(e);
  console.error(`mlops: ${msg}`);
  process.exit(e instanceof MlopsError && e.code === 'DATA_LOSS' ? 3 : 1);
});
