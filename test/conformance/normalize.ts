// Normalises one side's observations so the real MLflow server and ours can be compared: ids, times, hosts
// and temp paths are masked by what they are (ids by order of first appearance, so a parent id that equals a
// run id still compares equal), everything else is kept.

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

const TIME_KEY = /(^|_)(time|timestamp)$|^(start_time|end_time|creation_timestamp|last_updated_timestamp|last_update_time|creation_time|deleted_time)$/;
const EXP_KEY = /^(experiment_id|experiment_ids|source_experiment_id)$/;
const HEX_ID = /\b[0-9a-f]{32}\b/g;
const MODEL_ID = /\bm-[0-9a-f]{32}\b/g;
const HOST = /https?:\/\/(?:127\.0\.0\.1|localhost):\d+/g;
/** MLflow's random run names (adjective-animal-number), generated on each side independently. */
const GENERATED_NAME = /^[a-z]+-[a-z]+-\d{1,4}$/;
const TMP = /(?:\/private)?\/(?:tmp|var\/folders)\/[^\s'",]*/g;

export class Normalizer {
  private ids = new Map<string, string>();
  private exps = new Map<string, string>();

  constructor(private readonly roots: string[]) {}

  private id(raw: string): string {
    let v = this.ids.get(raw);
    if (!v) this.ids.set(raw, (v = `<id${this.ids.size + 1}>`));
    return v;
  }

  private exp(raw: string): string {
    let v = this.exps.get(raw);
    if (!v) this.exps.set(raw, (v = `<exp${this.exps.size + 1}>`));
    return v;
  }

  str(s: string): string {
    if (GENERATED_NAME.test(s)) return '<generated run name>';
    let out = s;
    for (const r of this.roots) if (r) out = out.split(r).join('<root>');
    out = out.replace(HOST, '<host>');
    out = out.replace(MODEL_ID, (m) => this.id(m));
    out = out.replace(HEX_ID, (m) => this.id(m));
    out = out.replace(/mlflow-artifacts:\/+(\d+)(?=\/|$)/g, (_m, e) => `mlflow-artifacts:/${this.exp(e)}`);
    out = out.replace(TMP, (m) => `<tmp>/${m.split('/').pop()}`);
    return out;
  }

  value(v: Json, key = ''): Json {
    if (v === null) return null;
    if (TIME_KEY.test(key) && (typeof v === 'number' || (typeof v === 'string' && /^\d{9,}$/.test(v)))) return '<time>';
    if (EXP_KEY.test(key)) {
      if (typeof v === 'string' && /^\d+$/.test(v)) return this.exp(v);
      if (typeof v === 'number') return this.exp(String(v));
      if (Array.isArray(v)) return v.map((x) => (typeof x === 'string' || typeof x === 'number' ? this.exp(String(x)) : this.value(x)));
    }
    if (typeof v === 'string') return this.str(v);
    if (Array.isArray(v)) return v.map((x) => this.value(x));
    if (typeof v === 'object') {
      const out: { [k: string]: Json } = {};
      for (const k of Object.keys(v).sort()) out[this.str(k)] = this.value(v[k], k);
      return out;
    }
    return v;
  }
}

export interface Observation {
  label: string;
  value?: Json;
  error?: Json;
}

/** The differences between the two sides' observation lists, as readable lines (empty: they agree). */
export function diffObservations(oracle: Observation[], ours: Observation[]): { label: string; oracle: string; ours: string }[] {
  const out: { label: string; oracle: string; ours: string }[] = [];
  const n = Math.max(oracle.length, ours.length);
  for (let i = 0; i < n; i++) {
    const a = oracle[i];
    const b = ours[i];
    const sa = a ? JSON.stringify(a.error !== undefined ? { error: a.error } : { value: a.value }) : '<missing>';
    const sb = b ? JSON.stringify(b.error !== undefined ? { error: b.error } : { value: b.value }) : '<missing>';
    if (a?.label !== b?.label || sa !== sb) out.push({ label: a?.label ?? b?.label ?? `#${i}`, oracle: sa, ours: sb });
  }
  return out;
}

/** Where two JSON strings first differ, with some context, so a long value's difference is visible. */
export function firstDifference(a: string, b: string, context = 140): [string, string] {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  const from = Math.max(0, i - 40);
  const cut = (s: string) => (from > 0 ? '…' : '') + s.slice(from, from + context) + (s.length > from + context ? '…' : '');
  return [cut(a), cut(b)];
}
