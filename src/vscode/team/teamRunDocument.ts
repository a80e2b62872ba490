import * as vscode from 'vscode';
import { remoteRunMarkdown } from '../../core/views';
import type { DisposableStore } from '../shared/disposables';
import { escapeMarkdown as esc } from '../../core/markdown';
import { tabTitle } from '../shared/titles';
import type { TeamHost } from './teamHost';

export const TEAM_RUN_SCHEME = 'mlops-team-run';

/** A team server's run as a read-only page (the Markdown preview), read from the server when it opens. */
export class TeamRunDocuments implements vscode.TextDocumentContentProvider {
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;

  constructor(
    private readonly team: TeamHost,
    owner: DisposableStore,
  ) {
    owner.add(vscode.workspace.registerTextDocumentContentProvider(TEAM_RUN_SCHEME, this));
    owner.add(this.changed);
  }

  static uri(runId: string, runName?: string): vscode.Uri {
    return vscode.Uri.from({ scheme: TEAM_RUN_SCHEME, path: `/${tabTitle(runName ?? '', runId.slice(0, 8))}.md`, query: runId });
  }

  async show(runId: string, runName?: string): Promise<vscode.Uri> {
    const uri = TeamRunDocuments.uri(runId, runName);
    // Read again from the server each time it is shown.
    this.changed.fire(uri);
    await vscode.commands.executeCommand('markdown.showPreview', uri);
    return uri;
  }

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const b = await this.team.backend();
    if (!b) return '# No team server\n\nSet `mlops.tracking.uri` to the team MLflow server.';
    try {
      const run = await b.getRun(uri.query);
      const [exp, artifacts] = await Promise.all([
        b.getExperiment(run.info.experiment_id).catch(() => undefined),
        b.listArtifacts(run.info.run_id).catch(() => []),
      ]);
      const experiment = exp?.name ?? run.info.experiment_id;
      return remoteRunMarkdown({ run, experiment, server: b.location, artifacts });
    } catch (e) {
      return `# Run not available\n\n${esc((e as Error).message)}`;
    }
  }
}
