import * as vscode from 'vscode';
import { validateAlias } from '../../core/registry';
import { LocalBackend, publishedTags, type RemoteBackend, publishRuns, runsWaitingToPublish, type PublishedRun } from '../../core/backend';
import type { ExperimentsNode, ExperimentsTree } from '../experiments/experimentsTree';
import type { StoreHost } from '../server/storeHost';
import type { CommandRegistry } from '../shared/commandRegistry';
import { CommandIds } from '../commandIds';
import { withCancellableProgress } from '../shared/progress';
import type { TeamHost } from './teamHost';
import type { TeamRunDocuments } from './teamRunDocument';
import type { TeamCompare } from './teamCompare';
import type { TeamNode, TeamTree } from './teamTree';

/** What a publish did, for the message and for tests. */
export interface PublishOutcome {
  server: string;
  published: PublishedRun[];
}

export function registerTeamCommands(
  reg: CommandRegistry,
  team: TeamHost,
  tree: TeamTree,
  pages: TeamRunDocuments,
  compare: TeamCompare,
  host: StoreHost,
  experiments: ExperimentsTree,
): void {
  reg.register(CommandIds.teamShowRun, 'Show Team Run', async (node?: TeamNode | string) => {
    if (typeof node === 'string') return pages.show(node);
    const run = tree.selectedRuns(node)[0];
    return run && pages.show(run.run.run_id, run.run.run_name);
  });

  reg.register(CommandIds.teamRefresh, 'Refresh Team Server', async () => {
    await team.check();
    tree.refresh();
  });

  reg.register(CommandIds.teamShowMore, 'Show More Team Runs', (experimentId: string) => tree.showMore(experimentId));

  reg.register(CommandIds.teamFilterRuns, 'Filter Team Runs', async (given?: string) => {
    const filter =
      given ??
      (await vscode.window.showInputBox({
        title: 'Filter the team server’s runs',
        prompt: "MLflow's search syntax, evaluated by the server: metrics.rmse < 0.8 and params.lr = '0.1' and tags.owner = 'ana'",
        value: tree.filter,
        ignoreFocusOut: true,
      }));
    if (filter === undefined) return;
    const b = await team.backend();
    // Asked once here, so a typo is an error message rather than an error in every experiment.
    if (b && filter.trim()) {
      const exps = await b.listExperiments();
      if (exps.length) await b.searchRuns({ experimentIds: [exps[0]!.experiment_id], filter: filter.trim(), maxResults: 1 });
    }
    tree.setFilter(filter);
  });

  reg.register(CommandIds.teamClearFilter, 'Clear Team Runs Filter', () => tree.setFilter(''));

  reg.register(CommandIds.teamSetToken, 'Set Team Server Token', async (given?: string) => {
    const uri = team.configuredUri();
    if (!uri) {
      await askForTeamServer('No team server is set: set mlops.tracking.uri first.');
      return;
    }
    const token =
      given ??
      (await vscode.window.showInputBox({
        title: `Token for ${uri}`,
        prompt: 'Kept in VS Code\u2019s secret storage, never in settings. Sent as "Authorization: Bearer …".',
        password: true,
        ignoreFocusOut: true,
      }));
    if (token === undefined) return;
    await team.setToken(token.trim() || undefined);
    await team.check();
  });

  reg.register(CommandIds.teamClearToken, 'Forget Team Server Token', async () => {
    await team.setToken(undefined);
    await team.check();
  });

  reg.register(CommandIds.teamMenu, 'Team Server', async () => {
    type Item = vscode.QuickPickItem & { run: () => unknown };
    const items: Item[] = [
      { label: '$(refresh) Check the team server again', run: () => vscode.commands.executeCommand(CommandIds.teamRefresh) },
      { label: '$(key) Set token…', run: () => vscode.commands.executeCommand(CommandIds.teamSetToken) },
      { label: '$(cloud-upload) Publish pending runs', run: () => vscode.commands.executeCommand(CommandIds.publishPending) },
      {
        label: '$(settings-gear) Change the team server',
        run: openTeamServerSetting,
      },
    ];
    if (await team.hasToken()) items.splice(2, 0, { label: '$(trash) Forget token', run: () => vscode.commands.executeCommand(CommandIds.teamClearToken) });
    const pick = await vscode.window.showQuickPick(items, { title: team.state.kind === 'none' ? 'No team server' : describeShort(team) });
    await pick?.run();
  });

  reg.register(CommandIds.teamOpenRun, 'Open Team Run in MLflow', async (node?: TeamNode) => {
    const run = tree.selectedRuns(node)[0];
    if (!run) return;
    const url = `${run.serverUrl}/#/experiments/${encodeURIComponent(run.run.experiment_id)}/runs/${encodeURIComponent(run.run.run_id)}`;
    await vscode.env.openExternal(vscode.Uri.parse(url));
  });

  const versionOf = (node?: TeamNode) => (node?.kind === 'version' ? node.version : undefined);

  reg.register(CommandIds.teamSetAlias, 'Set Alias on Team Model Version', async (node?: TeamNode, given?: string) => {
    const v = versionOf(node);
    if (!v) return;
    const alias =
      given ??
      (await vscode.window.showInputBox({
        title: `Alias for ${v.name} version ${v.version} on the team server`,
        prompt: 'Moves the alias here if another version holds it (champion, challenger, …)',
        validateInput: (x) => {
          try {
            validateAlias(x.trim());
            return undefined;
          } catch (e) {
            return (e as Error).message;
          }
        },
      }));
    if (alias === undefined) return;
    const b = await team.backend();
    if (!b) return;
    await b.setModelAlias(v.name, validateAlias(alias.trim()), v.version);
    tree.refresh();
  });

  reg.register(CommandIds.teamRemoveAlias, 'Remove Alias from Team Model Version', async (node?: TeamNode, given?: string) => {
    const v = versionOf(node);
    if (!v?.aliases.length) return;
    const alias =
      given ??
      (v.aliases.length === 1 ? v.aliases[0] : await vscode.window.showQuickPick(v.aliases, { title: `Remove which alias of ${v.name} v${v.version}?` }));
    if (!alias) return;
    const b = await team.backend();
    if (!b) return;
    await b.deleteModelAlias(v.name, alias);
    tree.refresh();
  });

  reg.register(CommandIds.teamTransitionStage, 'Transition Team Model Version Stage', async (node?: TeamNode, given?: string, archiveGiven?: boolean) => {
    const v = versionOf(node);
    if (!v) return;
    const stage =
      given ??
      (await vscode.window.showQuickPick(
        ['Staging', 'Production', 'Archived', 'None'].filter((x) => x !== v.current_stage),
        { title: `Stage of ${v.name} version ${v.version} (now ${v.current_stage}) on the team server` },
      ));
    if (!stage) return;
    const archive =
      archiveGiven ??
      (stage === 'Staging' || stage === 'Production'
        ? (await vscode.window.showQuickPick(['No', 'Yes'], { title: `Archive the other ${stage} versions of ${v.name}?` })) === 'Yes'
        : false);
    const b = await team.backend();
    if (!b) return;
    await b.transitionModelStage(v.name, v.version, stage, archive);
    tree.refresh();
  });

  reg.register(CommandIds.teamRegisterModel, 'Register Team Run as Model Version', async (node?: TeamNode, givenName?: string, givenPath?: string) => {
    const run = tree.selectedRuns(node)[0];
    const b = await team.backend();
    if (!run || !b) return undefined;
    const name =
      givenName ??
      (await vscode.window.showInputBox({
        title: `Register a model from ${run.run.run_name} on the team server`,
        prompt: 'Model name (created if new)',
        ignoreFocusOut: true,
      }));
    if (!name?.trim()) return undefined;
    let artifactPath = givenPath;
    if (artifactPath === undefined) {
      const dirs = (await b.listArtifacts(run.run.run_id).catch(() => [])).filter((f) => f.is_dir).map((f) => f.path);
      artifactPath = await vscode.window.showInputBox({
        title: 'The model folder in the run’s artifacts',
        value: dirs.includes('model') ? 'model' : (dirs[0] ?? 'model'),
        prompt: dirs.length ? `Folders: ${dirs.join(', ')}` : 'The run has no artifact folders yet',
      });
    }
    if (!artifactPath?.trim()) return undefined;
    const v = await b.registerModelVersion(name.trim(), run.run.run_id, artifactPath.trim());
    void vscode.window.showInformationMessage(`Registered ${v.name} version ${v.version} on ${b.location}.`);
    tree.refresh();
    return v;
  });

  reg.register(CommandIds.teamCopyModelUri, 'Copy Team Model URI', async (node?: TeamNode) => {
    const v = versionOf(node);
    if (v) await vscode.env.clipboard.writeText(v.aliases[0] ? `models:/${v.name}@${v.aliases[0]}` : `models:/${v.name}/${v.version}`);
  });

  reg.register(CommandIds.teamCompareRuns, 'Compare Team Runs', async (node?: TeamNode | string[], nodes?: TeamNode[]) => {
    const ids =
      Array.isArray(node) && node.every((x) => typeof x === 'string')
        ? (node as string[])
        : tree.selectedRuns(node as TeamNode, nodes).map((n) => n.run.run_id);
    if (!ids.length) {
      void vscode.window.showInformationMessage('Select team runs to compare (Ctrl/Cmd-click) in the Team Server view.');
      return undefined;
    }
    return (await compare.open(ids))?.info;
  });

  reg.register(CommandIds.teamCopyRunId, 'Copy Team Run ID', async (node?: TeamNode, nodes?: TeamNode[]) => {
    const ids = tree.selectedRuns(node, nodes).map((n) => n.run.run_id);
    if (ids.length) await vscode.env.clipboard.writeText(ids.join('\n'));
  });

  const publish = async (runIds: string[], what: string): Promise<PublishOutcome | undefined> => {
    const remote = await team.openBackend();
    if (!remote) {
      await askForTeamServer('No team server is set: set mlops.tracking.uri to the MLflow server to publish to.');
      return undefined;
    }
    try {
      return await publishWith(remote, runIds, what);
    } finally {
      await remote.close();
    }
  };

  const publishWith = async (remote: RemoteBackend, runIds: string[], what: string): Promise<PublishOutcome> => {
    const store = await host.writable();
    const local = new LocalBackend(store, host.workspace);
    const published = await withCancellableProgress(
      `Publishing ${what} to ${remote.location}`,
      (p) => publishRuns(local, remote, runIds, { signal: p.signal, onProgress: (x) => p.report(`${x.done + 1}/${x.total}: ${x.step}`, x.done, x.total) }),
      { abortReason: () => new Error('publishing cancelled; what was sent stays on the server, and publishing again carries on from there') },
    );
    for (const t of publishedTags(published, remote.location)) await local.setTag(t.runId, t.key, t.value);
    const created = published.filter((p) => p.created).length;
    const warnings = published.flatMap((p) => p.warnings);
    const msg = `Published ${published.length} run${published.length === 1 ? '' : 's'} to ${remote.location} (${created} new, ${published.length - created} updated).`;
    if (warnings.length) void vscode.window.showWarningMessage(`${msg} ${warnings.join(' ')}`);
    else void vscode.window.showInformationMessage(msg);
    void team.check();
    tree.refresh();
    return { server: remote.location, published };
  };

  reg.register(
    CommandIds.publishRuns,
    'Publish to Team Server',
    async (node?: ExperimentsNode | string[], nodes?: ExperimentsNode[]) => {
      let ids: string[];
      if (Array.isArray(node)) ids = node;
      else if (node?.kind === 'experiment') ids = experiments.runsOfExperiment(node.experiment.experiment_id).map((r) => r.run_id);
      else ids = experiments.selectedRuns(node, nodes).map((r) => r.run_id);
      if (!ids.length) {
        void vscode.window.showInformationMessage('Select the runs (or an experiment) to publish in the Experiments view.');
        return undefined;
      }
      return publish(ids, ids.length === 1 ? `run ${ids[0]!.slice(0, 8)}` : `${ids.length} runs`);
    },
    { needsTrust: true },
  );

  reg.register(
    CommandIds.publishPending,
    'Publish Pending Runs',
    async () => {
      const store = await host.writable();
      const waiting = await runsWaitingToPublish(new LocalBackend(store, host.workspace));
      if (!waiting.length) {
        void vscode.window.showInformationMessage('No runs wait to be published.');
        return { server: '', published: [] } satisfies PublishOutcome;
      }
      return publish(
        waiting.map((r) => r.info.run_id),
        `${waiting.length} pending run${waiting.length === 1 ? '' : 's'}`,
      );
    },
    { needsTrust: true },
  );
}

function describeShort(team: TeamHost): string {
  const s = team.state;
  return 'url' in s ? `Team server ${s.url} (${s.kind})` : 'Team server';
}

const openTeamServerSetting = () => vscode.commands.executeCommand('workbench.action.openWorkspaceSettings', 'mlops.tracking.uri');

/** Says no team server is set, offering to open the setting. */
async function askForTeamServer(message: string): Promise<void> {
  if (await vscode.window.showWarningMessage(message, 'Open Settings')) await openTeamServerSetting();
}
