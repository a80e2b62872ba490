import * as vscode from 'vscode';
import * as R from '../../core/registry';
import type { Deployment } from '../../core/serving';
import { CommandIds } from '../commandIds';
import type { ModelsNode, ModelsTree } from '../models/modelsTree';
import type { StoreHost } from '../server/storeHost';
import type { CommandRegistry } from '../shared/commandRegistry';
import type { ServingHost } from './servingHost';

function uriOf(v: R.ModelVersion): string {
  return v.aliases.length ? `models:/${v.name}@${v.aliases[0]}` : `models:/${v.name}/${v.version}`;
}

async function pickVersion(host: StoreHost, title: string, name?: string): Promise<R.ModelVersion | undefined> {
  const store = await host.ensure();
  const versions = R.listModelVersions(store, name).sort((a, b) => a.name.localeCompare(b.name) || Number(b.version) - Number(a.version));
  if (!versions.length) throw new Error('no registered model versions: register a model from a run first');
  const pick = await vscode.window.showQuickPick(
    versions.map((v) => ({ label: `${v.name} version ${v.version}`, description: v.aliases.map((a) => `@${a}`).join(' '), v })),
    { title },
  );
  return pick?.v;
}

async function pickDeployment(serving: ServingHost, title: string): Promise<Deployment | undefined> {
  const list = serving.list();
  if (!list.length) throw new Error('nothing is being served from this window');
  if (list.length === 1) return list[0];
  return (
    await vscode.window.showQuickPick(
      list.map((d) => ({ label: `${d.info.champion.name} v${d.info.champion.version}`, description: d.info.url, d })),
      { title },
    )
  )?.d;
}

async function announce(serving: ServingHost, d: Deployment) {
  serving.monitor(d.info.id);
  const c = await vscode.window.showInformationMessage(
    `Serving ${d.info.champion.name} version ${d.info.champion.version} at ${d.info.url}/invocations (bearer token required).`,
    'Copy URL',
    'Copy Token',
  );
  if (c === 'Copy URL') await vscode.env.clipboard.writeText(`${d.info.url}/invocations`);
  if (c === 'Copy Token') await vscode.env.clipboard.writeText(d.proxy.token);
}

/** Serve a version, champion vs challenger, stop, monitor: from the Models view and the palette. */
export function registerServingCommands(reg: CommandRegistry, host: StoreHost, models: ModelsTree, serving: ServingHost) {
  reg.register(
    CommandIds.serveModelVersion,
    'Serve Model Version',
    async (node?: ModelsNode) => {
      const v = (node ? models.selectedVersions(node)[0] : undefined) ?? (await pickVersion(host, 'Serve which model version?'));
      if (!v) return undefined;
      const d = await serving.start(uriOf(v));
      void announce(serving, d);
      return d.info;
    },
    { needsTrust: true },
  );

  reg.register(
    CommandIds.serveChampionChallenger,
    'Serve Champion and Challenger',
    async (node?: ModelsNode) => {
      const champion = (node ? models.selectedVersions(node)[0] : undefined) ?? (await pickVersion(host, 'Champion: the version that answers (1/3)'));
      if (!champion) return undefined;
      const challenger = await pickVersion(host, `Challenger to compare with ${champion.name} version ${champion.version} (2/3)`, champion.name);
      if (!challenger) return undefined;
      if (challenger.version === champion.version) throw new Error('pick a different version as the challenger');
      const mode = await vscode.window.showQuickPick(
        [
          { label: 'Shadow', description: 'every request goes to both; only the champion answers', mode: 'shadow' as const },
          { label: 'Split', description: 'a share of requests is answered by the challenger', mode: 'split' as const },
        ],
        { title: 'How should traffic reach the challenger? (3/3)' },
      );
      if (!mode) return undefined;
      let splitPercent: number | undefined;
      if (mode.mode === 'split') {
        const typed = await vscode.window.showInputBox({
          title: "Challenger's share of requests (%)",
          value: '10',
          validateInput: (s) => (/^\d+(\.\d+)?$/.test(s) && Number(s) <= 100 ? undefined : 'A percentage from 0 to 100'),
        });
        if (typed === undefined) return undefined;
        splitPercent = Number(typed);
      }
      const d = await serving.start(uriOf(champion), { challenger: uriOf(challenger), mode: mode.mode, splitPercent });
      void announce(serving, d);
      return d.info;
    },
    { needsTrust: true },
  );

  reg.register(CommandIds.stopServing, 'Stop Serving', async () => {
    const d = await pickDeployment(serving, 'Stop which deployment?');
    if (d) await serving.stop(d.info.id);
  });

  reg.register(CommandIds.openDeploymentMonitor, 'Open Deployment Monitor', async () => {
    const d = await pickDeployment(serving, 'Monitor which deployment?');
    if (d) serving.monitor(d.info.id);
  });
}
