import * as vscode from 'vscode';
import type { Store } from '../core/openStore';
import { CommandRegistry } from './commandRegistry';
import { registerCompareCommands } from './compareCommands';
import { ComparePanels, type ComparePanelInfo, type SaveTarget } from './comparePanel';
import { registerDataCommands } from './dataCommands';
import { DataHost } from './dataHost';
import { DataDecorations, DataTree } from './dataTree';
import { DataWatcherPrompt } from './dataWatcherPrompt';
import { DisposableStore } from './disposables';
import { registerExperimentCommands } from './experimentCommands';
import { ExperimentsTree } from './experimentsTree';
import { ModelDocuments } from './modelDocument';
import { MlprojectEditor } from './mlprojectEditor';
import { registerSweepCommands } from './sweepCommand';
import { registerImportCommand } from './importCommand';
import { ModelsTree } from './modelsTree';
import { registerRegistryCommands } from './registryCommands';
import { registerRunCommands } from './runCommands';
import { RunDocuments } from './runDocument';
import { StatusBar } from './statusBar';
import { ServerHost } from './serverHost';
import { EntryPointRunner, registerRunEntryPointCommands, TASK_TYPE } from './runEntryPoint';
import { StoreHost } from './storeHost';
import { registerViewCommands } from './viewCommands';
import { registerPipelines, type PipelinesParts } from './pipelines';

/** What the extension exports: used by the extension-host tests and by other extensions. */
export interface WorkbenchApi {
  readonly version: string;
  readonly workspace: string | undefined;
  /** The workspace store, opened (and created if needed). */
  store(): Promise<Store>;
  readonly experimentsTree: ExperimentsTree | undefined;
  readonly modelsTree: ModelsTree | undefined;
  readonly dataTree: DataTree | undefined;
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
  /** The Pipelines view, its host and graph panel (dvc.yaml stages). */
  readonly pipelines: PipelinesParts | undefined;
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
  compare: ComparePanels | undefined;
  pipelines: PipelinesParts | undefined;

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
      get pipelines() {
        return self.pipelines;
      },
    };
  }

  static async open(context: vscode.ExtensionContext): Promise<Workbench> {
    const wb = new Workbench(context);
    await wb.start();
    return wb;
  }

  private async start() {
    const output = this.owner.add(vscode.window.createOutputChannel('MLOps', { log: true }));
    const reg = new CommandRegistry(this.owner, output);
    const folder = vscode.workspace.workspaceFolders?.[0];
    void vscode.commands.executeCommand('setContext', 'mlops.hasFolder', !!folder);
    if (!folder || folder.uri.scheme !== 'file') {
      output.info('no local folder is open; MLOps Workbench is idle');
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
    registerRunEntryPointCommands(reg, runner, host, experiments);
    new MlprojectEditor(this.owner);
    registerSweepCommands(reg, runner, host, servers, output);
    reg.register('mlops.statusMenu', 'Tracking Server Menu', async () => {
      const info = servers.info;
      const items = info
        ? [
            { label: '$(copy) Copy environment for a terminal', id: 'env' },
            { label: '$(link) Copy server URL', description: info.url, id: 'url' },
            { label: '$(debug-stop) Stop tracking server', id: 'stop' },
          ]
        : [{ label: '$(play) Start tracking server', id: 'start' }];
      items.push({ label: '$(output) Show MLOps log', id: 'log' });
      const pick = await vscode.window.showQuickPick(items, { title: 'MLOps tracking server' });
      if (pick?.id === 'env' && info) await vscode.env.clipboard.writeText(`export MLFLOW_TRACKING_URI=${info.url}\nexport MLFLOW_TRACKING_TOKEN=${info.token}\n`);
      if (pick?.id === 'url' && info) await vscode.env.clipboard.writeText(info.url);
      if (pick?.id === 'stop') await servers.stop();
      if (pick?.id === 'start') await servers.ensure();
      if (pick?.id === 'log') output.show();
    });
    registerViewCommands(reg, host, experiments, models);
    registerExperimentCommands(reg, host);
    registerRunCommands(reg, host, experiments, docs);
    this.compare = new ComparePanels(host, this.context.extensionUri, output, this.owner);
    registerCompareCommands(reg, host, experiments, this.compare);
    registerRegistryCommands(reg, host, experiments, models);
    registerImportCommand(reg, host);
    const data = (this.data = new DataHost(host.workspace, output, this.owner));
    this.dataTree = new DataTree(data, this.owner);
    new DataDecorations(data, this.owner);
    registerDataCommands(reg, data, this.dataTree);
    this.pipelines = registerPipelines(reg, host, servers, this.context.extensionUri, output, this.owner);
    const prompt = new DataWatcherPrompt(data, this.context.workspaceState, output, this.owner);
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
    try {
      if (await host.openIfExists()) await servers.ensure();
    } catch (e) {
      reg.report('Opening the MLOps store', e);
    }
    this.owner.add(vscode.workspace.onDidGrantWorkspaceTrust(() => void (host.store && servers.ensure())));
    void vscode.commands.executeCommand('setContext', 'mlops.ready', true);
  }

  dispose() {
    this.owner.dispose();
  }
}
