import * as vscode from 'vscode';
import { withCancellableProgress } from '../shared/progress';
import { selectedPython } from './pythonInterpreter';
import { parseSweepValues, runSweep, StoreTracker, sweepGrid } from '../../core/launch';
import type { CommandRegistry } from '../shared/commandRegistry';
import type { EntryPointRunner } from './entryPointCommands';
import type { ServerHost } from '../server/serverHost';
import type { StoreHost } from '../server/storeHost';
import { CommandIds } from '../commandIds';

/**
 * "Run Parameter Sweep…": lists or ranges per parameter, the grid runs as child runs of a parent run. The
 * children are created SCHEDULED up front, so the queue shows in the Experiments tree; cancelling kills the
 * running ones and marks the rest KILLED.
 */
export function registerSweepCommands(reg: CommandRegistry, runner: EntryPointRunner, host: StoreHost, servers: ServerHost, output: vscode.LogOutputChannel) {
  reg.register(
    CommandIds.runSweep,
    'Run Parameter Sweep',
    async () => {
      const projects = await runner.projects();
      const pick = await vscode.window.showQuickPick(
        projects.flatMap((p) => p.entryPoints.map((e) => ({ label: e.name, description: p.name, detail: e.command, project: p, entry: e }))),
        { title: 'Sweep which entry point?' },
      );
      if (!pick) return;
      const values: Record<string, string[]> = {};
      for (const p of pick.entry.parameters) {
        const text = await vscode.window.showInputBox({
          title: `Sweep ${pick.entry.name}: values of ${p.name} (${p.type})`,
          prompt: 'A list (0.1, 0.2, 0.5), a range start:stop[:step] (1:5, 0:1:0.25), or one value',
          value: p.defaultText ?? '',
          validateInput: (t) => {
            try {
              parseSweepValues(p.name, t);
              return undefined;
            } catch (e) {
              return (e as Error).message;
            }
          },
        });
        if (text === undefined) return;
        values[p.name] = parseSweepValues(p.name, text);
      }
      const grid = sweepGrid(values);
      const ok = await vscode.window.showInformationMessage(
        `Run ${grid.length} combination${grid.length === 1 ? '' : 's'} of ${pick.entry.name}?`,
        { modal: true },
        'Run Sweep',
      );
      if (ok !== 'Run Sweep') return;
      const server = await servers.ensure();
      const store = await host.writable();
      if (!server) throw new Error('no tracking server (is the workspace trusted?)');
      const concurrency = Math.max(1, vscode.workspace.getConfiguration('mlops').get<number>('sweep.concurrency', 1));
      const python = await selectedPython(vscode.Uri.file(pick.project.dir), output);
      // A team server (mlops.tracking.uri) takes the sweep when it answers; else it logs here, marked pending.
      const team = await runner.team?.launchTracker(() => new StoreTracker(store, server));
      const tracker = team?.tracker ?? new StoreTracker(store, server);
      const out = await Promise.resolve(
        withCancellableProgress(`Sweep of ${pick.entry.name}`, (p) =>
          runSweep({
            projectDir: pick.project.dir,
            entryPoint: pick.entry.name,
            values,
            tracker,
            workspace: host.workspace,
            concurrency,
            python,
            signal: p.signal,
            onScheduled: (parent, children) => {
              runner.announceRun(parent);
              p.report(`0/${children.length} (${concurrency} at a time)`, 0, children.length);
            },
            onChildDone: (_id, _status, done, total) => p.report(`${done}/${total}`, done, total),
            onOutput: (id, s) => output.trace(`[${id.slice(0, 8)}] ${s.replace(/\r?\n$/, '')}`),
          }),
        ),
      ).finally(() => team?.close());
      const counts = new Map<string, number>();
      for (const c of out.children) counts.set(c.status, (counts.get(c.status) ?? 0) + 1);
      void vscode.window.showInformationMessage(`Sweep of ${pick.entry.name} ${out.status}: ${[...counts].map(([s, n]) => `${n} ${s}`).join(', ')}.`);
    },
    { needsTrust: true },
  );
}
