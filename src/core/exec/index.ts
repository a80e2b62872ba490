// Processes and their environments: commands in their own process group (cancel kills the tree), Python
// interpreters and MLproject environments (virtualenv, conda, docker), DVCLive output read as it appears. What
// a tracked run is (its lineage, its tracker) lives in ../launch; this is how its command runs.
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
