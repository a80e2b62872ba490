import * as vscode from 'vscode';
import { getRun, getExperiment } from '../../core/tracking';
import { versionsOfRun } from '../../core/registry';
import { formatDuration, formatNumber } from '../../core/format';
import { listArtifacts, runArtifactDir } from './artifacts';
import type { DisposableStore } from '../shared/disposables';
import type { StoreHost } from '../server/storeHost';

export const RUN_SCHEME = 'mlops-run';
const IMAGE = /\.(png|jpe?g|gif|svg|webp)$/i;

function esc(s: string): string {
  return s.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, '\\$&');
}

/**
 * Run details as a read-only Markdown document (shown in the Markdown preview): params, latest metrics,
 * tags, notes, source and commit, duration, registered versions and the artifact tree with links that open
 * the files in the editor.
 */
export class RunDocuments implements vscode.TextDocumentContentProvider {
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private readonly open = new Set<string>();

  constructor(private readonly host: StoreHost, owner: DisposableStore) {
    owner.add(vscode.workspace.registerTextDocumentContentProvider(RUN_SCHEME, this));
    owner.add(this.changed);
    owner.add(
      host.onDidChange((batch) => {
        for (const id of this.open) {
          if (!batch || batch.all || batch.runs.has(id) || batch.metrics.has(id)) this.changed.fire(RunDocuments.uri(id));
        }
      }),
    );
  }

  static uri(runId: string): vscode.Uri {
    return vscode.Uri.from({ scheme: RUN_SCHEME, path: `/${runId}.md` });
  }

  async show(runId: string) {
    const uri = RunDocuments.uri(runId);
    this.open.add(runId);
    await vscode.commands.executeCommand('markdown.showPreview', uri);
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    const store = this.host.store;
    const runId = uri.path.replace(/^\//, '').replace(/\.md$/, '');
    if (!store) return '# No store\n\nThis workspace has no MLOps store yet.';
    let run;
    try {
      run = getRun(store, runId);
    } catch (e) {
      return `# Run not found\n\n${esc((e as Error).message)}`;
    }
    const i = run.info;
    const tags = Object.fromEntries(run.data.tags.map((t) => [t.key, t.value]));
    const lines: string[] = [];
    lines.push(`# ${esc(i.run_name)}`, '');
    lines.push(`**Status:** ${i.status}${i.lifecycle_stage === 'deleted' ? ' (deleted)' : ''}  `);
    lines.push(`**Experiment:** ${esc(getExperiment(store, i.experiment_id).name)} (${i.experiment_id})  `);
    lines.push(`**Run ID:** \`${i.run_id}\`  `);
    lines.push(`**Started:** ${new Date(i.start_time).toISOString().replace('T', ' ').slice(0, 19)}${i.end_time ? ` · **Duration:** ${formatDuration(i.end_time - i.start_time)}` : ''}  `);
    if (tags['mlflow.source.name']) lines.push(`**Source:** \`${tags['mlflow.source.name']}\`${tags['mlflow.project.entryPoint'] ? ` (entry point \`${tags['mlflow.project.entryPoint']}\`)` : ''}  `);
    if (tags['mlflow.source.git.commit']) {
      lines.push(`**Commit:** \`${tags['mlflow.source.git.commit']}\`${tags['mlflow.source.git.branch'] ? ` on \`${tags['mlflow.source.git.branch']}\`` : ''}${tags['mlops.git.dirty'] === 'true' ? ' (uncommitted changes)' : ''}  `);
    }
    if (tags['mlflow.parentRunId']) lines.push(`**Parent run:** \`${tags['mlflow.parentRunId']}\`  `);
    if (tags['mlflow.note.content']) lines.push('', '## Notes', '', tags['mlflow.note.content']);
    const section = (title: string, head: [string, string], rows: [string, string][]) => {
      lines.push('', `## ${title}`, '');
      if (!rows.length) return lines.push('_none_');
      lines.push(`| ${head[0]} | ${head[1]} |`, '|---|---|', ...rows.map(([k, v]) => `| ${esc(k)} | ${esc(v)} |`));
    };
    section('Parameters', ['Name', 'Value'], run.data.params.map((p) => [p.key, p.value]));
    section('Metrics (latest)', ['Name', 'Value'], run.data.metrics.map((m) => [m.key, `${formatNumber(m.value)} (step ${m.step})`]));
    if (run.inputs.dataset_inputs.length) section('Inputs', ['Dataset', 'Digest'], run.inputs.dataset_inputs.map((d) => [d.dataset.name, d.dataset.digest]));
    const versions = versionsOfRun(store, i.run_id);
    if (versions.length) section('Registered versions', ['Model', 'Version'], versions.map((v) => [v.name, `v${v.version}${v.aliases.length ? ' ' + v.aliases.map((a) => '@' + a).join(' ') : ''}`]));
    section('Tags', ['Name', 'Value'], run.data.tags.filter((t) => t.key !== 'mlflow.note.content').map((t) => [t.key, t.value.length > 120 ? t.value.slice(0, 117) + '...' : t.value]));
    lines.push('', '## Artifacts', '');
    const dir = runArtifactDir(this.host.workspace, i.artifact_uri);
    const entries = dir ? listArtifacts(dir) : [];
    if (!entries.length) lines.push('_none_');
    for (const e of entries) {
      const indent = '  '.repeat(e.depth);
      const name = e.rel.split('/').pop()!;
      if (e.isDir) lines.push(`${indent}- 📁 ${esc(name)}/`);
      else lines.push(`${indent}- [${esc(name)}](${vscode.Uri.file(e.abs).toString()}) (${e.size.toLocaleString('en')} bytes)`);
    }
    // Plots and other images a run logged are shown inline (the Markdown preview may load workspace files).
    const images = entries.filter((e) => !e.isDir && IMAGE.test(e.rel) && e.size <= 8 * 1024 * 1024).slice(0, 24);
    if (images.length) {
      lines.push('', '## Images', '');
      for (const e of images) lines.push(`**${esc(e.rel)}**`, '', `![${esc(e.rel)}](${vscode.Uri.file(e.abs).toString()})`, '');
    }
    return lines.join('\n') + '\n';
  }
}
