import fs from 'node:fs';
import * as vscode from 'vscode';
import { getRun, getExperiment } from '../../core/tracking';
import { versionsOfRun } from '../../core/registry';
import { formatBytes, formatDuration, formatNumber } from '../../core/format';
import { listArtifacts, runArtifactDir } from './artifacts';
import type { DisposableStore } from '../shared/disposables';
import type { StoreHost } from '../server/storeHost';
import { escapeMarkdown as esc } from '../../core/markdown';
import { tabTitle } from '../shared/titles';

export const RUN_SCHEME = 'mlops-run';
const IMAGE_TYPES: Record<string, string> = { png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', gif: 'image/gif', webp: 'image/webp' };
/** Images up to this size are embedded in the page (the preview shows data: images, not file: ones). */
const INLINE_IMAGE_BYTES = 2 * 1024 * 1024;

function imageDataUri(file: string, ext: string): string | undefined {
  try {
    return `data:${IMAGE_TYPES[ext]};base64,${fs.readFileSync(file).toString('base64')}`;
  } catch {
    return undefined;
  }
}

/**
 * Run details as a read-only Markdown document (shown in the Markdown preview): params, latest metrics,
 * tags, notes, source and commit, duration, registered versions and the artifact tree with links that open
 * the files in the editor.
 */
function ext(rel: string): string {
  return rel.slice(rel.lastIndexOf('.') + 1).toLowerCase();
}

export class RunDocuments implements vscode.TextDocumentContentProvider {
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private readonly open = new Map<string, vscode.Uri>();

  constructor(
    private readonly host: StoreHost,
    owner: DisposableStore,
  ) {
    owner.add(vscode.workspace.registerTextDocumentContentProvider(RUN_SCHEME, this));
    owner.add(this.changed);
    owner.add(
      host.onDidChange((batch) => {
        for (const [id, uri] of this.open) {
          if (!batch || batch.all || batch.runs.has(id) || batch.metrics.has(id)) this.changed.fire(uri);
        }
      }),
    );
  }

  /** The page of a run: titled by the run's name (the preview's tab title), the run id in the query. */
  static uri(runId: string, runName?: string): vscode.Uri {
    return vscode.Uri.from({ scheme: RUN_SCHEME, path: `/${tabTitle(runName ?? '', runId.slice(0, 8))}.md`, query: runId });
  }

  static runIdOf(uri: vscode.Uri): string {
    // Pages opened before titles were names carry the id in the path.
    return uri.query || uri.path.replace(/^\//, '').replace(/\.md$/, '');
  }

  private pending: Promise<unknown> = Promise.resolve();

  async show(runId: string, opts: { preserveFocus?: boolean } = {}) {
    let name: string | undefined;
    const store = this.host.store;
    try {
      if (store) name = getRun(store, runId).info.run_name;
    } catch {
      // an unknown run gets its "not found" page
    }
    const uri = RunDocuments.uri(runId, name);
    this.open.set(runId, uri);
    const shown = vscode.commands.executeCommand('markdown.showPreview', uri, undefined, { preserveFocus: !!opts.preserveFocus });
    this.pending = Promise.resolve(shown).then(undefined, () => undefined);
    await shown;
  }

  /** Resolves once the pages asked for so far are shown (so a panel opened next lands on top of them). */
  settled(): Promise<unknown> {
    return this.pending;
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    const store = this.host.store;
    const runId = RunDocuments.runIdOf(uri);
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
    lines.push(
      `**Started:** ${new Date(i.start_time).toISOString().replace('T', ' ').slice(0, 19)}${i.end_time ? ` · **Duration:** ${formatDuration(i.end_time - i.start_time)}` : ''}  `,
    );
    if (tags['mlflow.source.name'])
      lines.push(
        `**Source:** ${esc(tags['mlflow.source.name'])}${tags['mlflow.project.entryPoint'] ? ` (entry point ${esc(tags['mlflow.project.entryPoint'])})` : ''}  `,
      );
    if (tags['mlflow.source.git.commit']) {
      lines.push(
        `**Commit:** ${esc(tags['mlflow.source.git.commit'])}${tags['mlflow.source.git.branch'] ? ` on ${esc(tags['mlflow.source.git.branch'])}` : ''}${tags['mlops.git.dirty'] === 'true' ? ' (uncommitted changes)' : ''}  `,
      );
    }
    if (tags['mlflow.parentRunId']) lines.push(`**Parent run:** ${esc(tags['mlflow.parentRunId'])}  `);
    if (tags['mlflow.note.content']) lines.push('', '## Notes', '', tags['mlflow.note.content']);
    const section = (title: string, head: [string, string], rows: [string, string][]) => {
      lines.push('', `## ${title}`, '');
      if (!rows.length) return lines.push('_none_');
      lines.push(`| ${head[0]} | ${head[1]} |`, '|---|---|', ...rows.map(([k, v]) => `| ${esc(k)} | ${esc(v)} |`));
    };
    section(
      'Parameters',
      ['Name', 'Value'],
      run.data.params.map((p) => [p.key, p.value]),
    );
    section(
      'Metrics (latest)',
      ['Name', 'Value'],
      run.data.metrics.map((m) => [m.key, `${formatNumber(m.value)} (step ${m.step})`]),
    );
    if (run.inputs.dataset_inputs.length)
      section(
        'Inputs',
        ['Dataset', 'Digest'],
        run.inputs.dataset_inputs.map((d) => [d.dataset.name, d.dataset.digest]),
      );
    const versions = versionsOfRun(store, i.run_id);
    if (versions.length)
      section(
        'Registered versions',
        ['Model', 'Version'],
        versions.map((v) => [v.name, `v${v.version}${v.aliases.length ? ' ' + v.aliases.map((a) => '@' + a).join(' ') : ''}`]),
      );
    section(
      'Tags',
      ['Name', 'Value'],
      run.data.tags.filter((t) => t.key !== 'mlflow.note.content').map((t) => [t.key, t.value.length > 120 ? t.value.slice(0, 117) + '...' : t.value]),
    );
    lines.push('', '## Artifacts', '');
    const dir = runArtifactDir(this.host.workspace, i.artifact_uri);
    const entries = dir ? listArtifacts(dir) : [];
    if (!entries.length) lines.push('_none_');
    else lines.push("_Open, reveal or copy the path of an artifact from the run's **Artifacts** in the Experiments view._", '');
    for (const e of entries) {
      const indent = '  '.repeat(e.depth);
      const name = e.rel.split('/').pop()!;
      lines.push(e.isDir ? `${indent}- 📁 ${esc(name)}/` : `${indent}- ${esc(name)} (${formatBytes(e.size)})`);
    }
    // Plots and other images a run logged are shown inline (embedded: the preview does not load file: images).
    const images = entries.filter((e) => !e.isDir && IMAGE_TYPES[ext(e.rel)] && e.size <= INLINE_IMAGE_BYTES).slice(0, 24);
    if (images.length) {
      lines.push('', '## Images', '');
      for (const e of images) {
        const src = imageDataUri(e.abs, ext(e.rel));
        if (src) lines.push(`**${esc(e.rel)}**`, '', `![${esc(e.rel)}](${src})`, '');
      }
    }
    return lines.join('\n') + '\n';
  }
}
