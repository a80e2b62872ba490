import type { Command } from 'commander';
import { checkRemote, DataRepo, isUnusable } from '../../core/data';
import { planRemoteOption } from '../../core/data/s3/settings';
import { table, toJson } from '../format';
import { workspaceDir, type WorkspaceOption } from '../workspaceDir';

type Opts = WorkspaceOption & { json?: boolean; local?: boolean; default?: boolean; unset?: boolean };

function open(opts: WorkspaceOption): DataRepo {
  return DataRepo.open(workspaceDir(opts));
}

/** A local folder that cannot hold a remote is refused; one that looks wrong or is missing gets a note. */
function checkUrl(url: string): void {
  const c = checkRemote(url, process.cwd());
  if (!c.local) return;
  if (isUnusable(c)) throw new Error(`cannot use ${url} as a remote: ${c.message}`);
  if (c.state === 'missing' || c.state === 'other-files') console.error(`note: ${c.message}`);
}

/** `mlops data remote add|list|modify|rename|default|remove`, the `dvc remote` commands over `.dvc/config`. */
export function registerRemoteCommands(data: Command, ws: (c: Command) => Command): void {
  const remote = data.command('remote').description('configure remotes (.dvc/config)');
  ws(remote.command('add').description('add or change a remote; a relative path is stored relative to .dvc/'))
    .argument('<name>', 'remote name')
    .argument('<url>', 'a folder path (relative to the current folder) or URL')
    .option('-d, --default', 'make it the default remote (core.remote)')
    .option('--local', 'write to .dvc/config.local (git-ignored) instead')
    .action((name: string, url: string, opts: Opts) => {
      const repo = open(opts);
      checkUrl(url);
      repo.addRemote(name, url, { makeDefault: opts.default, local: opts.local, cwd: process.cwd() });
      console.log(`remote "${name}" → ${repo.remotes().find((r) => r.name === name)!.url}${opts.default ? ' (default)' : ''}`);
    });
  ws(remote.command('list').description('list remotes'))
    .option('--json', 'print JSON')
    .action((opts: Opts) => {
      const list = open(opts).remotes();
      if (opts.json) return console.log(toJson(list.map(({ name, url, rawUrl, isDefault }) => ({ name, url, rawUrl, isDefault }))));
      if (!list.length) return console.log('No remotes. Add one with "mlops data remote add -d NAME URL".');
      console.log(
        table(
          ['NAME', 'URL', 'DEFAULT'],
          list.map((r) => [r.name, r.rawUrl, r.isDefault ? 'yes' : '']),
        ),
      );
    });
  ws(
    remote
      .command('modify')
      .description('set (or with --unset remove) one option of a remote: url, jobs, endpointurl, region, profile, ...; secrets go to .dvc/config.local'),
  )
    .argument('<name>', 'remote name')
    .argument('<option>', 'option name, e.g. url or jobs')
    .argument('[value]', 'new value (a relative url is relative to the current folder)')
    .option('-u, --unset', 'remove the option')
    .option('--local', 'write to .dvc/config.local (git-ignored), e.g. for credentials')
    .action((name: string, option: string, value: string | undefined, opts: Opts) => {
      if (opts.unset ? value !== undefined : value === undefined)
        throw new Error(opts.unset ? '--unset takes no value' : `give a value for ${option}, or --unset`);
      const repo = open(opts);
      const key = option.toLowerCase();
      if (key === 'url' && value !== undefined) checkUrl(value);
      // Credentials always go to the git-ignored config.local, whatever was asked (and S3 options are checked).
      const plan = planRemoteOption(repo.remotes().find((r) => r.name === name)?.url ?? '', key, value, !!opts.local);
      repo.config.modifyRemote(name, key, value, { local: plan.local, cwd: process.cwd() });
      if (plan.note) console.error(plan.note);
    });
  ws(remote.command('rename').description('rename a remote (and the default with it)'))
    .argument('<name>', 'remote name')
    .argument('<new-name>', 'new name')
    .action((name: string, newName: string, opts: Opts) => open(opts).config.renameRemote(name, newName));
  ws(remote.command('default').description('print, set or (--unset) clear the default remote'))
    .argument('[name]', 'remote name')
    .option('-u, --unset', 'clear the default')
    .action((name: string | undefined, opts: Opts) => {
      const repo = open(opts);
      if (opts.unset) return repo.config.unsetDefaultRemote();
      if (name !== undefined) return repo.config.setDefaultRemote(name);
      const def = repo.config.defaultRemoteName();
      if (!def) throw new Error('no default remote is set');
      console.log(def);
    });
  ws(remote.command('remove').description('remove a remote'))
    .argument('<name>', 'remote name')
    .action((name: string, opts: Opts) => {
      const repo = open(opts);
      if (!repo.remotes().some((r) => r.name === name)) throw new Error(`remote "${name}" is not defined`);
      repo.config.removeRemote(name);
    });
}
