import path from 'node:path';
import { listScripts } from './load';

/**
 * The text of a starter MLproject for a folder: one `main` entry point running the folder's first Python
 * script (train.py when there is one), with an example parameter the user edits. Valid for MLflow as is.
 */
export function mlprojectScaffold(dir: string): string {
  const scripts = listScripts(dir).filter((s) => s.endsWith('.py'));
  const script = scripts.find((s) => /^train/.test(s)) ?? scripts[0] ?? 'train.py';
  const name = path.basename(path.resolve(dir)).replace(/[^\w.-]+/g, '-') || 'project';
  return [
    `name: ${name}`,
    '',
    'entry_points:',
    '  main:',
    '    parameters:',
    '      alpha: {type: float, default: 0.5}',
    `    command: "python ${script} --alpha {alpha}"`,
    '',
  ].join('\n');
}
