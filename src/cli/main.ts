import { Command, CommanderError } from 'commander';
import { MlopsError } from '../core/errors';
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

/** A usage error prints one line and where to get help, not the whole help text. */
function hintAfterErrors(cmd: Command, path: string): void {
  cmd.showHelpAfterError(`(run "${path} --help" for usage)`);
  for (const sub of cmd.commands) hintAfterErrors(sub.exitOverride(), `${path} ${sub.name()}`);
}

/**
 * `mlops data …` loads only the data commands: the store (sql.js), server and tracking modules cost more to load
 * than a warm `data status` takes. Anything else (including help) registers every command.
 */
async function register(): Promise<void> {
  const argv = process.argv.slice(2);
  const first = argv.find((a, i) => !a.startsWith('-') && argv[i - 1] !== '--workspace');
  const data = await import('./commands/data');
  if (first === 'data') return data.registerDataCommands(program);
  const [tracking, store, server, run, imp, models, ci, model, pipelines, publish] = await Promise.all([
    import('./commands/tracking'),
    import('./commands/store'),
    import('./commands/server'),
    import('./commands/run'),
    import('./commands/import'),
    import('./commands/models'),
    import('./commands/ci'),
    import('./commands/model'),
    import('./commands/pipelines'),
    import('./commands/publish'),
  ]);
  tracking.registerTrackingCommands(program);
  store.registerStoreCommands(program);
  data.registerDataCommands(program);
  server.registerServerCommands(program);
  run.registerRunCommands(program);
  models.registerModelListCommands(program);
  imp.registerImportCommands(program);
  run.registerSweepCommand(program);
  ci.registerCiCommands(program);
  model.registerModelServingCommands(program);
  pipelines.registerPipelineCommands(program);
  publish.registerPublishCommand(program);
}

program.hook('preAction', (_root, action) => {
  const given = program.opts<{ workspace?: string }>().workspace;
  if (given === undefined) return;
  if (!action.options.some((o) => o.attributeName() === 'workspace')) throw new Error(`"${action.name()}" does not take --workspace`);
  if (action.getOptionValue('workspace') === undefined) action.setOptionValue('workspace', given);
});

register()
  .then(() => {
    hintAfterErrors(program, 'mlops');
    return program.parseAsync(process.argv);
  })
  .catch((e: unknown) => {
    if (e instanceof CommanderError) process.exit(e.exitCode === 0 ? 0 : 2);
    const msg = e instanceof Error ? e.message : String(e);
    console.error(`mlops: ${msg}`);
    process.exit(e instanceof MlopsError && e.code === 'DATA_LOSS' ? 3 : 1);
  });
