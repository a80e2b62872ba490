import fs from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import { loadMLmodel, type SignatureSpec } from '../../core/project';
import { getModelVersion, getRegisteredModel } from '../../core/registry';
import { artifactDirOf } from '../../core/tracking/artifactDir';
import type { CommandRegistry } from '../shared/commandRegistry';
import type { DisposableStore } from '../shared/disposables';
import type { ModelsNode } from './modelsTree';
import type { StoreHost } from '../server/storeHost';
import { CommandIds } from '../commandIds';
import { escapeMarkdown as esc } from '../../core/markdown';

export const MODEL_SCHEME = 'mlops-model';

/** The page of a model version, titled "<model> v<version>.md" (the preview's tab title). */
export function modelVersionUri(name: string, version: string): vscode.Uri {
  return vscode.Uri.from({ scheme: MODEL_SCHEME, path: `/${name.replace(/%/g, '%25').replace(/\//g, '%2F')} v${version}.md` });
}

const tagRows = (tags: { key: string; value: string }[]) => ['| Tag | Value |', '|---|---|', ...tags.map((t) => `| ${esc(t.key)} | ${esc(t.value)} |`)];

function specTable(title: string, specs: SignatureSpec[] | undefined): string[] {
  if (!specs?.length) return [];
  const rows = specs.map(
    (s) =>
      `| ${esc(s.name ?? '(unnamed)')} | ${esc(s.tensorSpec ? `tensor ${s.tensorSpec.dtype} ${JSON.stringify(s.tensorSpec.shape)}` : s.type)} | ${s.required === false ? 'optional' : 'required'} |`,
  );
  return ['', `### ${title}`, '', '| Name | Type | |', '|---|---|---|', ...rows];
}

/** Markdown for an MLmodel: flavors, signature tables, the input example and the models:/ URI to copy. */
export function describeModel(dirOrFile: string, uri?: string): string {
  const m = loadMLmodel(dirOrFile);
  const lines = [`# ${esc(m.artifactPath ?? path.basename(m.dir))}`, ''];
  if (uri) lines.push(`**URI:** \`${uri}\`  `);
  if (m.runId) lines.push(`**Run:** \`${m.runId}\`  `);
  if (m.utcTimeCreated) lines.push(`**Created:** ${m.utcTimeCreated} UTC  `);
  if (m.mlflowVersion) lines.push(`**MLflow version:** ${m.mlflowVersion}  `);
  if (m.modelSizeBytes !== undefined) lines.push(`**Size:** ${m.modelSizeBytes.toLocaleString('en')} bytes  `);
  lines.push('', '## Flavors', '');
  for (const [name, conf] of Object.entries(m.flavors)) {
    lines.push(
      `- **${esc(name)}**: ${
        Object.entries(conf)
          .map(([k, v]) => `${esc(k)} = \`${typeof v === 'string' ? v : JSON.stringify(v)}\``)
          .join(', ') || '—'
      }`,
    );
  }
  lines.push('', '## Signature');
  if (!m.signature) lines.push('', '_none recorded_');
  else {
    lines.push(...specTable('Inputs', m.signature.inputs), ...specTable('Outputs', m.signature.outputs));
    if (m.signature.params?.length) lines.push('', '### Params', '', ...m.signature.params.map((p) => `- ${esc(JSON.stringify(p))}`));
  }
  if (m.inputExample) {
    lines.push('', '## Input example', '');
    const file = m.inputExampleFile ?? path.join(m.dir, m.inputExample.artifactPath);
    if (fs.existsSync(file)) {
      const text = fs.readFileSync(file, 'utf8');
      lines.push('```json', text.length > 4000 ? text.slice(0, 4000) + '\n…' : text, '```');
    } else lines.push(`\`${m.inputExample.artifactPath}\` (not found)`);
  }
  return lines.join('\n') + '\n';
}

/** Opens model versions and MLmodel files as read-only Markdown previews. */
export class ModelDocuments implements vscode.TextDocumentContentProvider {
  constructor(
    private readonly host: StoreHost,
    owner: DisposableStore,
    reg: CommandRegistry,
  ) {
    owner.add(vscode.workspace.registerTextDocumentContentProvider(MODEL_SCHEME, this));
    reg.register(CommandIds.openModelVersion, 'Open Model Version', async (node?: ModelsNode) => {
      if (node?.kind !== 'version') throw new Error('select a model version');
      const v = node.version;
      await vscode.commands.executeCommand('markdown.showPreview', modelVersionUri(v.name, v.version));
    });
    reg.register(CommandIds.openMLmodel, 'Open MLmodel Viewer', async (uri?: vscode.Uri) => {
      const file = uri?.fsPath ?? vscode.window.activeTextEditor?.document.uri.fsPath;
      if (!file || path.basename(file) !== 'MLmodel') throw new Error('open an MLmodel file first');
      await vscode.commands.executeCommand('markdown.showPreview', vscode.Uri.from({ scheme: MODEL_SCHEME, path: `/file${file}.md` }));
    });
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    try {
      if (uri.path.startsWith('/file/')) return describeModel(uri.path.slice('/file'.length).replace(/\.md$/, ''));
      // "/<name> v<version>.md", or "/<name>/<version>.md" for pages opened before titles were names.
      const [, name, ver] = /^\/(.+) v(\d+)\.md$/.exec(uri.path) ?? /^\/([^/]+)\/(\d+)\.md$/.exec(uri.path) ?? [];
      const store = this.host.store;
      if (!store || !name) return '# Not found';
      const v = getModelVersion(store, decodeURIComponent(name), ver);
      const model = getRegisteredModel(store, v.name);
      const modelUri = v.aliases.length ? `models:/${v.name}@${v.aliases[0]}` : `models:/${v.name}/${v.version}`;
      const header = [
        `> **${esc(v.name)}** version ${v.version}${v.aliases.length ? ` · ${v.aliases.map((a) => esc(`@${a}`)).join(' ')}` : ''} · stage ${v.current_stage} · ${v.status}`,
        v.description ? `>\n> ${esc(v.description)}` : '',
        model.description ? `>\n> Model: ${esc(model.description)}` : '',
        `>\n> Source: ${esc(v.source)}`,
        '',
        ...(v.tags.length ? ['## Version tags', '', ...tagRows(v.tags), ''] : []),
        ...(model.tags.length ? ['## Model tags', '', ...tagRows(model.tags), ''] : []),
      ].join('\n');
      const dir = artifactDirOf(this.host.workspace, v.source);
      if (!dir || !fs.existsSync(path.join(dir, 'MLmodel'))) return `${header}\n**URI:** \`${modelUri}\`\n\n_No MLmodel file found at the source._\n`;
      return header + '\n' + describeModel(dir, modelUri);
    } catch (e) {
      return `# Cannot show this model\n\n${esc((e as Error).message)}`;
    }
  }
}
