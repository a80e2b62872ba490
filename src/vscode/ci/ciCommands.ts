import fs from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import { planWorkflow, writeWorkflow } from '../../core/ci/workflow';
import * as R from '../../core/registry';
import * as T from '../../core/tracking';
import { CommandIds } from '../commandIds';
import type { StoreHost } from '../server/storeHost';
import type { CommandRegistry } from '../shared/commandRegistry';

/** Metric keys the workspace's runs logged, most used first (what a promotion is usually judged by). */
async function knownMetrics(host: StoreHost): Promise<string[]> {
  const store = await host.openIfExists();
  if (!store) return [];
  const counts = new Map<string, number>();
  for (const e of T.listExperiments(store, 'ACTIVE_ONLY')) {
    for (const r of T.listRunRows(store, e.experiment_id).slice(0, 200))
      for (const k of T.metricKeys(store, r.run_uuid)) counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  return [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([k]) => k);
}

async function pickOrType(title: string, known: string[], placeholder: string): Promise<string | undefined> {
  if (!known.length)
    return (await vscode.window.showInputBox({ title, prompt: placeholder, validateInput: (v) => (v.trim() ? undefined : 'Required') }))?.trim();
  const other = '$(edit) Another…';
  const pick = await vscode.window.showQuickPick([...known, other], { title, placeHolder: placeholder });
  if (pick !== other) return pick;
  return (await vscode.window.showInputBox({ title, prompt: placeholder, validateInput: (v) => (v.trim() ? undefined : 'Required') }))?.trim();
}

/** "Set Up Continuous Training…": the palette side of `mlops ci init`. */
export function registerCiCommands(reg: CommandRegistry, host: StoreHost) {
  reg.register(
    CommandIds.setUpContinuousTraining,
    'Set Up Continuous Training',
    async () => {
      const store = await host.openIfExists();
      const model = await pickOrType(
        'Model to retrain and promote (1/4)',
        store ? R.listRegisteredModels(store).map((m) => m.name) : [],
        'Registered model name',
      );
      if (!model) return;
      const metric = await pickOrType('Metric that decides promotion (2/4)', await knownMetrics(host), 'Metric key, e.g. rmse');
      if (!metric) return;
      const mode = (
        await vscode.window.showQuickPick(
          [
            { label: 'Lower is better', description: 'rmse, loss, error', mode: 'min' as const },
            { label: 'Higher is better', description: 'accuracy, f1, auc', mode: 'max' as const },
          ],
          { title: `Which ${metric} wins? (3/4)` },
        )
      )?.mode;
      if (!mode) return;
      const schedule = await vscode.window.showInputBox({
        title: 'Also retrain on a schedule? (4/4)',
        prompt: 'A cron expression in UTC (e.g. 0 3 * * 1 for Mondays at 03:00), or empty for pushes only',
        validateInput: (v) => {
          if (!v.trim()) return undefined;
          try {
            planWorkflow(host.workspace, { model, metric, mode, schedule: v });
            return undefined;
          } catch (e) {
            return (e as Error).message;
          }
        },
      });
      if (schedule === undefined) return;
      const plan = planWorkflow(host.workspace, { model, metric, mode, schedule: schedule.trim() || undefined });
      const file = path.join(host.workspace, plan.file);
      let force = false;
      if (fs.existsSync(file)) {
        const c = await vscode.window.showWarningMessage(`${plan.file} exists. Replace it?`, { modal: true }, 'Replace');
        if (c !== 'Replace') return;
        force = true;
      }
      writeWorkflow(host.workspace, plan, force);
      await vscode.window.showTextDocument(vscode.Uri.file(file));
      const notes = plan.notes.length ? ` Note: ${plan.notes.join('; ')}.` : '';
      const secrets = plan.secrets.length
        ? ` Add the repository secrets it reads: ${plan.secrets.map((s) => `${s.name}${s.optional ? ' (optional)' : ''}`).join(', ')}.`
        : '';
      void vscode.window.showInformationMessage(`Wrote ${plan.file}.${secrets}${notes}`);
    },
    { needsTrust: true },
  );
}
