import { compileDomainFilter, compileDomainOrder, type Domain, type TagsLike } from './domain';
import { compareStrings } from './order';

export interface SearchableRegisteredModel {
  name: string;
  creation_timestamp: number;
  last_updated_timestamp: number;
  tags: TagsLike;
}

const models: Domain<SearchableRegisteredModel> = {
  what: 'registered model',
  attrs: { name: { kind: 'string', get: (m) => m.name } },
  tags: (m) => m.tags,
  orderable: {
    name: (m) => m.name,
    creation_timestamp: (m) => m.creation_timestamp,
    last_updated_timestamp: (m) => m.last_updated_timestamp,
    // older clients' name for last_updated_timestamp
    timestamp: (m) => m.last_updated_timestamp,
  },
  tieBreak: (a, b) => compareStrings(a.name, b.name),
};

/** A predicate for registered-models/search `filter`: name and tags.<key>, string comparators. */
export const compileRegisteredModelFilter = (filter: string | undefined | null) => compileDomainFilter(models, filter);
/** A comparator for registered-models/search `order_by`; ties break on name ASC. */
export const compileRegisteredModelOrder = (orderBy: string[] | undefined | null) => compileDomainOrder(models, orderBy);

export interface SearchableModelVersion {
  name: string;
  /** a positive integer as a string */
  version: string;
  run_id: string;
  source: string;
  creation_timestamp: number;
  last_updated_timestamp: number;
  current_stage?: string;
  tags: TagsLike;
}

const versions: Domain<SearchableModelVersion> = {
  what: 'model version',
  attrs: {
    name: { kind: 'string', get: (v) => v.name },
    run_id: { kind: 'string', get: (v) => v.run_id, list: ['IN'] },
    source_path: { kind: 'string', get: (v) => v.source },
    version_number: { kind: 'number', get: (v) => Number(v.version) },
    creation_timestamp: { kind: 'number', get: (v) => v.creation_timestamp },
    last_updated_timestamp: { kind: 'number', get: (v) => v.last_updated_timestamp },
  },
  tags: (v) => v.tags,
  orderable: {
    name: (v) => v.name,
    version_number: (v) => Number(v.version),
    creation_timestamp: (v) => v.creation_timestamp,
    last_updated_timestamp: (v) => v.last_updated_timestamp,
    timestamp: (v) => v.last_updated_timestamp,
  },
  tieBreak: (a, b) => compareStrings(a.name, b.name) || Number(b.version) - Number(a.version),
};

/** A predicate for model-versions/search `filter`; `IN` only for run_id. */
export const compileModelVersionFilter = (filter: string | undefined | null) => compileDomainFilter(versions, filter);
/** A comparator for model-versions/search `order_by`; ties break on name ASC, then version DESC (numeric). */
export const compileModelVersionOrder = (orderBy: string[] | undefined | null) => compileDomainOrder(versions, orderBy);
