import { MlopsError } from '../errors';

/** Where in a file something was wrong: 1-based line and column. */
export interface SourcePos {
  file: string;
  line?: number;
  col?: number;
}

export function formatPos(p: SourcePos): string {
  return p.line ? `${p.file}:${p.line}:${p.col ?? 1}` : p.file;
}

/** A `dvc.yaml`, `dvc.lock` or params file that cannot be used; the message starts with file:line:column. */
export class PipelineFileError extends MlopsError {
  constructor(
    readonly pos: SourcePos,
    detail: string,
  ) {
    super('INVALID_PARAMETER_VALUE', `${formatPos(pos)}: ${detail}`);
  }
}

/** The stages cannot form a pipeline: a cycle, two stages writing one path, an unknown target. */
export class PipelineGraphError extends MlopsError {
  constructor(detail: string) {
    super('INVALID_PARAMETER_VALUE', detail);
  }
}

/** A stage's command failed, or an output it declares was not produced. */
export class StageFailed extends MlopsError {
  constructor(
    readonly stage: string,
    detail: string,
  ) {
    super('INVALID_STATE', `stage '${stage}': ${detail}`);
  }
}
