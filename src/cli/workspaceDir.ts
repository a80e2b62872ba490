import path from 'node:path';

// Kept apart from workspace.ts (which opens the sql.js store) so commands that never touch the store load fast.
export interface WorkspaceOption {
  workspace?: string;
}

export function workspaceDir(opts: WorkspaceOption): string {
  return path.resolve(opts.workspace ?? process.cwd());
}
