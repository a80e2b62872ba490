import path from 'node:path';
import { getEntryPoint, loadProject } from '../project';

/** What a rerun launches: the same project folder (relative to the workspace) and entry point, and its parameters. */
export interface RerunDefinition {
  project: string;
  entryPoint: string;
  parameters: Record<string, string>;
}

/**
 * "Rerun with Same Parameters": the entry point the run was launched from, with the values the run used for
 * the parameters that entry point declares (MLflow records them as params). Params the script logged itself
 * (`--rows 120` in the quickstart) are not passed back: the entry point would refuse them. A script entry
 * point (`train.py`) declares none, so it reruns with its command alone.
 */
export function rerunDefinition(run: { run_name: string; tags: Record<string, string>; params: Record<string, string> }, workspace: string): RerunDefinition {
  const entryPoint = run.tags['mlflow.project.entryPoint'];
  const project = run.tags['mlflow.source.name'];
  if (!entryPoint || project === undefined) throw new Error(`run "${run.run_name}" was not launched from an MLproject entry point`);
  const dir = path.resolve(workspace, project);
  const loaded = loadProject(dir);
  const declared = getEntryPoint(loaded, entryPoint);
  const parameters: Record<string, string> = {};
  for (const p of declared.parameters) if (p.name in run.params) parameters[p.name] = run.params[p.name];
  return { project: path.relative(workspace, dir) || '.', entryPoint, parameters };
}
