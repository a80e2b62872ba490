export { launch, terminateGroup, groupAlive, processAlive, type LaunchOptions, type LaunchResult } from './launch';
export * from './errors';
export {
  findExecutable,
  findPython,
  findConda,
  dockerAvailable,
  prepareEnvironment,
  readPythonEnv,
  venvDirFor,
  runProgram,
  type PreparedEnv,
  type PrepareOptions,
  type PythonEnvSpec,
} from './interpreter';
export { importDvcLiveFolder, type DvcLiveImport } from './dvcliveImport';
export { DvcLiveTailer, readDvcLive, mlflowKey, toMetricInput, parseDvcLiveValue, type DvcLiveData, type DvcLiveMetric } from './dvclive';
