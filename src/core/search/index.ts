export { SearchSyntaxError, InvalidPageToken } from './errors';
export { tokenize, type Token, type TokenKind } from './tokenizer';
export { parseFilter, parseOrderTerm, type Clause, type Comparator, type Entity, type OrderTerm } from './parser';
export { likeToRegExp } from './match';
export { compareValues, type SortValue } from './order';
export { compileRunFilter, compileRunOrder, defaultRunOrder, type SearchableRun } from './runs';
export { compileExperimentFilter, compileExperimentOrder, type SearchableExperiment } from './experiments';
export {
  compileRegisteredModelFilter,
  compileRegisteredModelOrder,
  compileModelVersionFilter,
  compileModelVersionOrder,
  type SearchableRegisteredModel,
  type SearchableModelVersion,
} from './registry';
export type { TagsLike } from './domain';
export { encodePageToken, decodePageToken, decodePageCursor, encodeKeysetToken, type PageCursor } from './pageToken';
export { compileRunSortKeys, sortKeyProblem, type RunSortKeys, type SortKey, type KeyPart } from './runKeys';
export { compileLoggedModelFilter, compileLoggedModelOrder, type SearchableLoggedModel, type LoggedModelOrderBy } from './loggedModels';
