// The MLproject / MLmodel API. Adapters (VS Code, CLI) use only what is exported here.
export type { Diagnostic, Position, Range, Parameter, EntryPoint, Project, ProjectEnv, EnvKind, DockerEnv, ParseResult, ResolvedEntryPoint } from './types';
export { KNOWN_PARAMETER_TYPES } from './types';
export { parseProject, ENV_KEYS } from './parse';
export { loadProject, findProjectFile, isProjectFileName, listScripts } from './load';
export {
  resolveEntryPoint,
  getEntryPoint,
  scriptCommand,
  checkParameterValue,
  parseDashP,
  parseDashPEntries,
  isUri,
  isPythonInt,
  isPythonFloat,
  type ResolveOptions,
  type UserParams,
} from './resolve';
export { shlexQuote, pyFloatRepr, pyStr, type PyValue } from './pyvalue';
export { loadPyYaml, type PyNode, type PyYamlDocument } from './pyyaml';
export { parseTemplate, renderTemplate, type TemplatePart } from './template';
export { mlprojectScaffold } from './scaffold';
export {
  parseMLmodel,
  loadMLmodel,
  isModelDir,
  parseUtcTimeCreated,
  InvalidMLmodel,
  type MLmodel,
  type ModelSignature,
  type SignatureSpec,
  type ParamSpec,
  type InputExampleInfo,
} from './mlmodel';
export * from './errors';
