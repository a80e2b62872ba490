import { Command } from 'commander';

const program = new Command('mlops');
program.description('MLOps Workbench command line').version('0.1.0');
program.parseAsync(process.argv).catch((e) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exit(1);
});
