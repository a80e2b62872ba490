import { MlopsError } from '../errors';

/** A program the run needs is not installed (python, conda, a Docker engine, the venv module). */
export class MissingTool extends MlopsError {
  constructor(
    readonly tool: string,
    readonly install: string,
  ) {
    super('INVALID_STATE', `${tool} is needed but was not found. ${install}`);
  }
}

/** Setting up the run's environment failed (venv creation, pip install, conda env create). */
export class EnvironmentSetupFailed extends MlopsError {
  constructor(
    readonly step: string,
    readonly exitCode: number | null,
    readonly output: string,
  ) {
    const tail = output.trim().split('\n').slice(-15).join('\n');
    super('INVALID_STATE', `${step} failed${exitCode === null ? '' : ` with exit code ${exitCode}`}${tail ? `:\n${tail}` : ''}`);
  }
}
