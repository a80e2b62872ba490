import type { Command } from 'commander';

/** `mlops model …` (also `mlops models …`): the registry's commands, registered from several files. */
export function modelCommandGroup(program: Command): Command {
  return (
    program.commands.find((c) => c.name() === 'model') ??
    program.command('model').alias('models').description('registered models: list, show, serve, deployments, promote, dockerfile')
  );
}
