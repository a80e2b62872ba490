import path from 'node:path';
import * as vscode from 'vscode';
import { selectedPython } from './pythonInterpreter';
import type { TeamHost } from '../team/teamHost';
import { launchTrackedRun, rerunDefinition, RestTracker, StoreTracker, type RunRequest } from '../../core/launch';
import { checkParameterValue, loadProject, resolveEntryPoint, type EntryPoint, type Project } from '../../core/project';
import type { CommandRegistry } from '../shared/commandRegistry';
import type { ExperimentsNode, ExperimentsTree } from '../experiments/experimentsTree';
import type { ServerHost } from '../server/serverHost';
import type { StoreHost } from '../server/storeHost';
import { CommandIds } from '../commandIds';

export const TASK_TYPE = 'mlproject';

interface MlprojectTaskDefinition extends vscode.TaskDefinition {
  project: string;
  entryPoint: string;
  parameters?: Record<string, string | number>;
  experiment?: string;
}

/**
 * Entry points as tasks: each MLproject entry point is a task of type `mlproject`, run in a pseudoterminal
 * as a tracked run. The palette flow, the code lens and rerun all execute the same task.
 */
export class EntryPointRunner implements vscode.TaskProvider {
  private readonly running = new Map<string, AbortController>();
  private readonly started = new vscode.EventEmitter<string>();
  /** Fires with the id of each run this window starts (the Experiments view reveals it). */
  readonly onDidStartRun = this.started.event;
  /** The team server, when the workbench has one: launched runs log there. */
  team: TeamHost | undefined;

  /** Announces a run started elsewhere in this window (a sweep's parent), to be revealed like the others. */
  announceRun(runId: string) {
    this.started.fire(runId);
  }

  constructor(
    private readonly host: StoreHost,
    private readonly servers: ServerHost,
    private readonly output: vscode.LogOutputChannel,
    private readonly state: vscode.Memento,
  ) {}

  async projects(): Promise<Project[]> {
    const files = await vscode.workspace.findFiles('**/[Mm][Ll][Pp]roject', '**/{node_modules,.mlops,.git}/**', 100);
    const out: Project[] = [];
    for (const f of files) {
      try {
        out.push(loadProject(path.dirname(f.fsPath)));
      } catch (e) {
        this.output.warn(`${f.fsPath}: ${(e as Error).message}`);
      }
    }
    return out;
  }

  task(def: MlprojectTaskDefinition): vscode.Task {
    const folder = vscode.workspace.workspaceFolders![0];
    const label = `${def.project === '.' ? '' : def.project + ': '}${def.entryPoint}`;
    return new vscode.Task(def, folder, label, 'mlproject', new vscode.CustomExecution(async (resolved) => this.terminal(resolved as MlprojectTaskDefinition)));
  }

  async provideTasks(): Promise<vscode.Task[]> {
    if (!vscode.workspace.isTrusted) return [];
    const ws = this.host.workspace;
    return (await this.projects()).flatMap((p) =>
      p.entryPoints.map((e) => this.task({ type: TASK_TYPE, project: path.relative(ws, p.dir) || '.', entryPoint: e.name })),
    );
  }

  resolveTask(task: vscode.Task): vscode.Task | undefined {
    const def = task.definition as MlprojectTaskDefinition;
    return def.project && def.entryPoint ? this.task(def) : undefined;
  }

  stop(runId: string): boolean {
    const ac = this.running.get(runId);
    ac?.abort();
    return !!ac;
  }

  private terminal(def: MlprojectTaskDefinition): vscode.Pseudoterminal {
    const write = new vscode.EventEmitter<string>();
    const close = new vscode.EventEmitter<number>();
    const ac = new AbortController();
    const ws = this.host.workspace;
    return {
      onDidWrite: write.event,
      onDidClose: close.event,
      open: () => {
        void (async () => {
          try {
            const server = await this.servers.ensure();
            if (!server) throw new Error('no tracking server: trust the workspace, or start one in the window that owns the store');
            const store = this.host.store;
            const localTracker = store && !store.isReadOnly ? new StoreTracker(store, server) : new RestTracker(server);
            // A team server (mlops.tracking.uri) takes the run when it answers; else it logs here, marked pending.
            const team = await this.team?.launchTracker(() => localTracker);
            const tracker = team?.tracker ?? localTracker;
            if (team && !team.offline) write.fire(`\x1b[2m[mlops] logging to the team server\x1b[0m\r\n`);
            if (team?.offline) write.fire(`\x1b[33m[mlops] ${team.reason}: logging locally, to publish later\x1b[0m\r\n`);
            const params = Object.fromEntries(Object.entries(def.parameters ?? {}).map(([k, v]) => [k, String(v)]));
            const req: RunRequest = {
              projectDir: path.resolve(ws, def.project),
              entryPoint: def.entryPoint,
              params,
              experimentName: def.experiment,
              cwd: path.resolve(ws, def.project),
            };
            const python = await selectedPython(vscode.Uri.file(req.projectDir));
            let runId = '';
            const out = await launchTrackedRun({
              ...req,
              python,
              tracker,
              workspace: ws,
              signal: ac.signal,
              onOutput: (s) => write.fire(s),
              onRunCreated: (id) => {
                runId = id;
                this.running.set(id, ac);
                this.started.fire(id);
                write.fire(`\x1b[2m[mlops] run ${id}\x1b[0m\r\n`);
              },
            });
            this.running.delete(runId);
            await team?.close();
            write.fire(`\r\n[mlops] run ${out.runId} ${out.status}${out.reason ? `: ${out.reason}` : ''}\r\n`);
            close.fire(out.status === 'FINISHED' ? 0 : 1);
          } catch (e) {
            write.fire(`\r\n[mlops] ${(e as Error).message}\r\n`);
            close.fire(1);
          }
        })();
      },
      close: () => ac.abort(),
    };
  }

  /** Asks for each parameter, typed and validated, pre-filled with the last used value or the default. */
  async askParameters(project: Project, entry: EntryPoint): Promise<Record<string, string> | undefined> {
    const key = `mlops.lastParams:${project.dir}:${entry.name}`;
    const last = this.state.get<Record<string, string>>(key, {});
    const values: Record<string, string> = {};
    for (const p of entry.parameters) {
      const v = await vscode.window.showInputBox({
        title: `${entry.name}: ${p.name} (${p.type})`,
        prompt: p.required ? 'required' : `default ${p.defaultText ?? ''}`,
        value: last[p.name] ?? p.defaultText ?? '',
        validateInput: (text) => {
          if (!text && p.required) return `${p.name} is required`;
          try {
            if (text) checkParameterValue(p, text, { cwd: project.dir });
            return undefined;
          } catch (e) {
            return (e as Error).message;
          }
        },
      });
      if (v === undefined) return undefined;
      if (v !== '') values[p.name] = v;
    }
    await this.state.update(key, values);
    return values;
  }
}

export function registerRunEntryPointCommands(reg: CommandRegistry, runner: EntryPointRunner, host: StoreHost, tree: ExperimentsTree) {
  const execute = (def: MlprojectTaskDefinition) => vscode.tasks.executeTask(runner.task(def));

  reg.register(
    CommandIds.runEntryPoint,
    'Run Entry Point',
    async (projectDir?: string, entryName?: string) => {
      const projects = await runner.projects();
      if (!projects.length) throw new Error('no MLproject file in this workspace');
      let project = projects.find((p) => p.dir === projectDir);
      let entry = project?.entryPoints.find((e) => e.name === entryName);
      if (!project || !entry) {
        const pick = await vscode.window.showQuickPick(
          projects.flatMap((p) => p.entryPoints.map((e) => ({ label: e.name, description: p.name, detail: e.command, project: p, entry: e }))),
          { title: 'Run entry point', matchOnDetail: true },
        );
        if (!pick) return;
        project = pick.project;
        entry = pick.entry;
      }
      const params = await runner.askParameters(project, entry);
      if (!params) return;
      const resolved = resolveEntryPoint(project, entry.name, params, { cwd: project.dir });
      const go = await vscode.window.showQuickPick([{ label: '$(play) Run', detail: resolved.command }], { title: `Run ${entry.name}: final command` });
      if (!go) return;
      await execute({ type: TASK_TYPE, project: path.relative(host.workspace, project.dir) || '.', entryPoint: entry.name, parameters: params });
    },
    { needsTrust: true },
  );

  reg.register(
    CommandIds.runEntryPointDefaults,
    'Run Entry Point with Defaults',
    async (projectDir: string, entryName: string) => {
      await execute({ type: TASK_TYPE, project: path.relative(host.workspace, projectDir) || '.', entryPoint: entryName });
    },
    { needsTrust: true },
  );

  reg.register(
    CommandIds.rerunRun,
    'Rerun with Same Parameters',
    async (node?: ExperimentsNode) => {
      const run = tree.selectedRuns(node)[0];
      if (!run) throw new Error('select a run first');
      await execute({ type: TASK_TYPE, ...rerunDefinition(run, host.workspace) });
    },
    { needsTrust: true },
  );

  reg.register(CommandIds.stopRun, 'Stop Run', (node?: ExperimentsNode) => {
    const run = tree.selectedRuns(node)[0];
    if (!run || !runner.stop(run.run_id)) void vscode.window.showWarningMessage('That run was not started from this window, so it cannot be stopped here.');
  });
}
