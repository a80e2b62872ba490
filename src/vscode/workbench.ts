import * as vscode from 'vscode';
import type { Store } from '../core/openStore';
import { registerCiCommands } from './ci/ciCommands';
import { registerServingCommands } from './serving/servingCommands';
import { ServingHost } from './serving/servingHost';
import { CommandRegistry } from './shared/commandRegistry';
import { registerCompareCommands } from './compare/compareCommands';
import { ComparePanels, type ComparePanelInfo, type SaveTarget } from './compare/comparePanel';
import { registerDataCommands } from './data/dataCommands';
import { DataHost } from './data/dataHost';
import { DataDecorations, DataTree } from './data/dataTree';
import { DataWatcherPrompt, registerPromptCommands } from './data/dataWatcherPrompt';
import { registerDataRemoteCommands } from './data/dataRemoteCommands';
import { DataUi } from './data/dataUi';
import { DisposableStore } from './shared/disposables';
import { registerExperimentCommands } from './experiments/experimentCommands';
import { ExperimentsTree } from './experiments/experimentsTree';
import { ModelDocuments } from './models/modelDocument';
import { MlprojectEditor } from './runs/mlprojectEditor';
import { registerSweepCommands } from './runs/sweepCommands';
import { registerMLprojectScaffold } from './runs/mlprojectScaffold';
import { registerDvcLiveImportCommand, registerImportCommand } from './experiments/importCommands';
import { registerServerCommands } from './server/serverCommands';
import { ModelsTree } from './models/modelsTree';
import { registerRegistryCommands } from './models/modelCommands';
import { registerRunCommands } from './runs/runCommands';
import { RunDocuments } from './runs/runDocument';
import { RunNotes } from './runs/runNotes';
import { StatusBar } from './server/statusBar';
import { ServerHost } from './server/serverHost';
import { EntryPointRunner, registerRunEntryPointCommands, TASK_TYPE } from './runs/entryPointCommands';
import { StoreHost } from './server/storeHost';
import { registerViewCommands } from './experiments/viewCommands';
import { registerPipelines, type PipelinesParts } from './pipelines';
import { registerTeamCommands } from './team/teamCommands';
import { TeamHost } from './team/teamHost';
import { TeamTree } from './team/teamTree';
import { TeamRunDocuments } from './team/teamRunDocument';
import { TeamCompare } from './team/teamCompare';

/** What the extension exports: used by the extension-host tests and by other extensions. */
export interface WorkbenchApi {
  readonly version: string;
  readonly workspace: string | undefined;
  /** The workspace store, opened (and created if needed). */
  store(): Promise<Store>;
  readonly experimentsTree: ExperimentsTree | undefined;
  readonly modelsTree: ModelsTree | undefined;
  readonly dataTree: DataTree | undefined;
  /** The data features' messages and questions: what was shown, and a stand-in for the user's answers (tests). */
  readonly dataUi: DataUi | undefined;
  /** The commands that failed lately (title and message, newest last), as their error messages said. */
  readonly commandFailures: readonly { title: string; message: string }[];
  /** Recomputes and returns the data status (DVC outputs). */
  dataStatus(): Promise<unknown>;
  /** The tracking server runs log into ({url, token}), if one is running. */
  serverInfo(): { url: string; token: string } | undefined;
  /** The task that runs an entry point as a tracked run (what tasks.json pins and the palette runs). */
  entryPointTask(def: { project: string; entryPoint: string; parameters?: Record<string, string | number>; experiment?: string }): vscode.Task;
  /** The open compare panels: their runs and the messages that went each way (for tests). */
  comparePanels(): ComparePanelInfo[];
  /** Opens (or reveals) the compare panel of these runs. */
  openCompare(runIds: string[]): ComparePanelInfo;
  /** Acts as a compare panel's webview: hands it a message as if the webview had sent it (for tests). */
  sendToComparePanel(runIds: string[], message: unknown): Promise<void>;
  /**
   * Replaces where compare panels' exports (CSV, PNG) are saved, instead of the save dialog, for tests and
   * automation; returns the target it replaced, so the caller can put it back.
   */
  setCompareSaveTarget(target: SaveTarget): SaveTarget;
  /** Resolves when the background start has ended: the store opened (if the folder has one) and the server started. */
  whenReady(): Promise<void>;
  /** Whether the store finished opening before `activate` returned (it must not: activation awaits nothing). */
  readonly storeOpenedDuringActivation: boolean;
  /** The Pipelines view, its host and graph panel (dvc.yaml stages). */
  readonly pipelines: PipelinesParts | undefined;
  /** The team server (mlops.tracking.uri): its state and the Team Server view. */
  readonly team: { host: TeamHost; tree: TeamTree; compare?: TeamCompare } | undefined;
}

/** The composition root: creates every service in order and owns their disposal. */
export class Workbench implements vscode.Disposable {
  private readonly owner = new DisposableStore();
  readonly api: WorkbenchApi;
  host: StoreHost | undefined;
  experiments: ExperimentsTree | undefined;
  models: ModelsTree | undefined;
  data: DataHost | undefined;
  servers: ServerHost | undefined;
  runner: EntryPointRunner | undefined;
  dataTree: DataTree | undefined;
  dataUi: DataUi | undefined;
  compare: ComparePanels | undefined;
  serving: ServingHost | undefined;
  pipelines: PipelinesParts | undefined;
  registry: CommandRegistry | undefined;
  team: { host: TeamHost; tree: TeamTree; compare?: TeamCompare } | undefined;

  private constructor(readonly context: vscode.ExtensionContext) {
    const self = this;
    this.api = {
      version: context.extension.packageJSON.version,
      get workspace() {
        return self.host?.workspace;
      },
      store: () => {
        if (!self.host) throw new Error('no folder is open');
        return self.host.ensure();
      },
      get experimentsTree() {
        return self.experiments;
      },
      get modelsTree() {
        return self.models;
      },
      get dataTree() {
        return self.dataTree;
      },
      get dataUi() {
        return self.dataUi;
      },
      get commandFailures() {
        return self.registry?.failures ?? [];
      },
      dataStatus: async () => self.data?.refresh(),
      serverInfo: () => self.servers?.info,
      entryPointTask: (def) => {
        if (!self.runner) throw new Error('no folder is open');
        return self.runner.task({ type: TASK_TYPE, ...def });
      },
      comparePanels: () => self.compare?.list().map((p) => p.info) ?? [],
      openCompare: (runIds) => {
        if (!self.compare) throw new Error('no folder is open');
        return self.compare.open(runIds).info;
      },
      sendToComparePanel: async (runIds, message) => {
        const key = [...runIds].sort().join(',');
        const panel = self.compare?.list().find((p) => [...p.runIds].sort().join(',') === key);
        if (!panel) throw new Error('no compare panel compares these runs');
        await panel.receive(message);
      },
      setCompareSaveTarget: (target) => {
        if (!self.compare) throw new Error('no folder is open');
        const previous = self.compare.saveTarget;
        self.compare.saveTarget = target;
        return previous;
      },
      whenReady: () => self.ready,
      get storeOpenedDuringActivation() {
        return self.openedDuringActivation;
      },
      get pipelines() {
        return self.pipelines;
      },
      get team() {
        return self.team;
      },
    };
  }

  /**
   * Builds every service and returns at once: the store (sql.js load, snapshot, journal replay) and the
   * tracking server start in the background while the views say "Loading…". Activation awaits nothing.
   */
  static open(context: vscode.ExtensionContext): Workbench {
    const wb = new Workbench(context);
    wb.start();
    wb.activating = false;
    return wb;
  }

  private activating = true;
  private openedDuringActivation = false;

  /** Resolves when the background start (store open, server start) has ended, well or not. */
  ready: Promise<void> = Promise.resolve();

  private start() {
    const output = this.owner.add(vscode.window.createOutputChannel('MLOps', { log: true }));
    const reg = (this.registry = new CommandRegistry(this.owner, output));
    const folder = vscode.workspace.workspaceFolders?.[0];
    void vscode.commands.executeCommand('setContext', 'mlops.hasFolder', !!folder);
    if (!folder || folder.uri.scheme !== 'file') {
      output.info('no local folder is open; MLOps Workbench is idle');
      void vscode.commands.executeCommand('setContext', 'mlops.ready', true);
      return;
    }
    const host = (this.host = new StoreHost(folder.uri.fsPath, output, this.owner));
    const experiments = (this.experiments = new ExperimentsTree(host, this.owner));
    const models = (this.models = new ModelsTree(host, this.owner));
    const docs = new RunDocuments(host, this.owner);
    new ModelDocuments(host, this.owner, reg);
    const status = new StatusBar(host, this.owner);
    const servers = (this.servers = new ServerHost(host, status, this.context.environmentVariableCollection, output, this.owner));
    const runner = (this.runner = new EntryPointRunner(host, servers, output, this.context.workspaceState));
    this.owner.add(vscode.tasks.registerTaskProvider(TASK_TYPE, runner));
    this.owner.add(runner.onDidStartRun((id) => void experiments.revealRun(id)));
    registerRunEntryPointCommands(reg, runner, host, experiments);
    new MlprojectEditor(this.owner);
    registerMLprojectScaffold(reg, host.workspace, this.owner);
    registerSweepCommands(reg, runner, host, servers, output);
    registerServerCommands(reg, servers, output);
    registerViewCommands(reg, host, experiments, models);
    registerExperimentCommands(reg, host);
    registerRunCommands(reg, host, experiments, docs, new RunNotes(host, this.owner));
    this.compare = new ComparePanels(host, this.context.extensionUri, output, this.owner);
    registerCompareCommands(reg, host, experiments, this.compare, docs);
    registerRegistryCommands(reg, host, experiments, models);
    registerImportCommand(reg, host);
    registerDvcLiveImportCommand(reg, host, output);
    registerCiCommands(reg, host);
    const teamHost = new TeamHost(this.context.secrets, output, this.owner);
    const teamTree = new TeamTree(teamHost, this.owner);
    this.team = { host: teamHost, tree: teamTree };
    runner.team = teamHost;
    const storage = (this.context.storageUri ?? this.context.globalStorageUri).fsPath;
    const teamCompare = new TeamCompare(teamHost, storage, this.context.extensionUri, output, this.owner);
    this.team.compare = teamCompare;
    registerTeamCommands(reg, teamHost, teamTree, new TeamRunDocuments(teamHost, this.owner), teamCompare, host, experiments);
    this.serving = new ServingHost(host, this.context.extensionUri, output, this.owner);
    registerServingCommands(reg, host, models, this.serving);
    const data = (this.data = new DataHost(host.workspace, output, this.owner));
    this.dataTree = new DataTree(data, this.owner);
    new DataDecorations(data, this.owner);
    const dataUi = (this.dataUi = new DataUi(output));
    const prompt = new DataWatcherPrompt(data, this.context.workspaceState, output, dataUi, this.owner);
    registerDataCommands(reg, data, this.dataTree, dataUi, (fn) => prompt.mute(fn));
    this.pipelines = registerPipelines(reg, host, servers, this.context.extensionUri, output, this.owner);
    registerDataRemoteCommands(reg, data, dataUi);
    registerPromptCommands(reg, prompt, dataUi);
    void data.refresh().then(() => prompt.start());
    this.owner.add(vscode.workspace.onDidGrantWorkspaceTrust(() => void prompt.start()));
    this.owner.add(
      vscode.workspace.onDidCreateFiles((e) => {
        if (e.files.some((f) => f.fsPath.endsWith('.dvc') || f.fsPath.endsWith('config'))) {
          data.reset();
          void data.refresh().then(() => prompt.restart());
        }
      }),
    );
    this.owner.add(vscode.workspace.onDidGrantWorkspaceTrust(() => void (host.store && servers.ensure())));
    this.ready = this.openInBackground(host, servers, reg);
  }

  private async openInBackground(host: StoreHost, servers: ServerHost, reg: CommandRegistry) {
    try {
      const store = await host.openIfExists();
      this.openedDuringActivation = !!store && this.activating;
      if (store) await servers.ensure();
    } catch (e) {
      reg.report('Opening the MLOps store', e);
    } finally {
      await vscode.commands.executeCommand('setContext', 'mlops.ready', true);
      this.experiments?.refresh();
      this.models?.refresh();
    }
  }

  dispose() {
    this.owner.dispose();
  }
}
