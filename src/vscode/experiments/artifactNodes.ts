import fs from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import { runArtifactDir } from '../runs/artifacts';
import type { RunSummary } from '../../core/views';
import { CommandIds } from '../commandIds';

/** The "Artifacts" folder under a run, and the files and folders in it. */
export type ArtifactNode = { kind: 'artifacts'; run: RunSummary; dir: string } | { kind: 'artifact'; runId: string; abs: string; rel: string; isDir: boolean };

/** Listing a folder stops here so a folder of 100k files cannot stall the editor. */
const MAX_ENTRIES = 2000;

/** The run's artifact folder when it holds anything, else undefined (then the run shows no Artifacts row). */
export function artifactsOf(workspace: string, run: RunSummary): ArtifactNode | undefined {
  const dir = runArtifactDir(workspace, run.artifact_uri);
  if (!dir) return undefined;
  try {
    const d = fs.opendirSync(dir);
    const first = d.readSync();
    d.closeSync();
    return first ? { kind: 'artifacts', run, dir } : undefined;
  } catch {
    return undefined;
  }
}

export function artifactChildren(node: ArtifactNode): ArtifactNode[] {
  const dir = node.kind === 'artifacts' ? node.dir : node.abs;
  const runId = node.kind === 'artifacts' ? node.run.run_id : node.runId;
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true }).slice(0, MAX_ENTRIES);
  } catch {
    return [];
  }
  entries.sort((a, b) => Number(b.isDirectory()) - Number(a.isDirectory()) || a.name.localeCompare(b.name));
  const base = node.kind === 'artifact' ? node.rel : '';
  return entries.map((e) => ({ kind: 'artifact', runId, abs: path.join(dir, e.name), rel: base ? `${base}/${e.name}` : e.name, isDir: e.isDirectory() }));
}

export function artifactItem(node: ArtifactNode): vscode.TreeItem {
  if (node.kind === 'artifacts') {
    const item = new vscode.TreeItem('Artifacts', vscode.TreeItemCollapsibleState.Collapsed);
    item.id = `artifacts:${node.run.run_id}`;
    item.iconPath = new vscode.ThemeIcon('files');
    item.resourceUri = vscode.Uri.file(node.dir);
    item.tooltip = node.dir;
    item.contextValue = 'artifact;dir';
    return item;
  }
  const uri = vscode.Uri.file(node.abs);
  const item = new vscode.TreeItem(uri, node.isDir ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
  item.id = `artifact:${node.runId}:${node.rel}`;
  item.iconPath = node.isDir ? vscode.ThemeIcon.Folder : vscode.ThemeIcon.File;
  item.tooltip = node.rel;
  item.contextValue = node.isDir ? 'artifact;dir' : 'artifact;file';
  if (!node.isDir) item.command = { command: CommandIds.openArtifact, title: 'Open Artifact', arguments: [node] };
  return item;
}

/** The file or folder an artifact command acts on: a tree node, or a path (for the palette and tests). */
export function artifactPath(arg: unknown): string {
  if (typeof arg === 'string') return arg;
  if (arg instanceof vscode.Uri) return arg.fsPath;
  const n = arg as Partial<ArtifactNode> | undefined;
  if (n?.kind === 'artifact') return n.abs!;
  if (n?.kind === 'artifacts') return n.dir!;
  throw new Error("select an artifact under a run's Artifacts in the Experiments view first");
}
