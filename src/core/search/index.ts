export { SearchSyntaxError } from './errors';
export { parseFilter, parseOrderTerm, type Clause, type Comparator, type Entity, type OrderTerm } from './parser';
export { compileRunFilter, compileRunOrder, type SearchableRun } from './runs';
export {
  compileExperimentFilter,
  compileExperimentOrder,
  compileRegisteredModelFilter,
  compileRegisteredModelOrder,
  compileModelVersionFilter,
  compileModelVersionOrder,
  type SearchableExperiment,
  type SearchableRegisteredModel,
  type SearchableModelVersion,
} from './entities';
export { encodePageToken, decodePageToken } from './pageToken';
export { likeToRegExp } from './match';
