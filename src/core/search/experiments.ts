import { compileDomainFilter, compileDomainOrder, type Domain, type TagsLike } from './domain';

export interface SearchableExperiment {
  experiment_id: string;
  name: string;
  creation_time: number;
  last_update_time: number;
  lifecycle_stage: string;
  tags: TagsLike;
}

/** Ids are integers as strings; compare them as numbers so "10" follows "9". */
const byId = (a: SearchableExperiment, b: SearchableExperiment) => {
  const x = Number(a.experiment_id);
  const y = Number(b.experiment_id);
  if (!Number.isNaN(x) && !Number.isNaN(y) && x !== y) return x - y;
  return a.experiment_id < b.experiment_id ? -1 : a.experiment_id > b.experiment_id ? 1 : 0;
};

const experiments: Domain<SearchableExperiment> = {
  what: 'experiment',
  // SearchExperimentsUtils.VALID_SEARCH_ATTRIBUTE_KEYS
  attrs: {
    name: { kind: 'string', get: (e) => e.name },
    creation_time: { kind: 'number', get: (e) => e.creation_time },
    last_update_time: { kind: 'number', get: (e) => e.last_update_time },
  },
  tags: (e) => e.tags,
  orderable: {
    name: (e) => e.name,
    experiment_id: (e) => Number(e.experiment_id),
    creation_time: (e) => e.creation_time,
    last_update_time: (e) => e.last_update_time,
  },
  tieBreak: (a, b) => byId(b, a),
};

/** A predicate for experiments/search `filter`: name, creation_time, last_update_time, tags.<key>. */
export const compileExperimentFilter = (filter: string | undefined | null) => compileDomainFilter(experiments, filter);
/** A comparator for experiments/search `order_by`; ties break on experiment_id DESC. */
export const compileExperimentOrder = (orderBy: string[] | undefined | null) => compileDomainOrder(experiments, orderBy);
