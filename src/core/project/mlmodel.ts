/**
 * Reader for MLflow `MLmodel` files (written by PyYAML `safe_dump`, keys sorted). Unknown fields are kept in
 * `raw` so nothing is lost; the signature's JSON strings are decoded.
 */
import fs from 'node:fs';
import path from 'node:path';
import { MlopsError } from '../errors';
import { loadPyYaml, toPy } from './pyyaml';
import { pyToJs } from './pyvalue';
import type { Diagnostic } from './types';

/** One column or tensor of a signature, as MLflow serialises it (`{"name", "type", "required", "tensor-spec"}`). */
export interface SignatureSpec {
  name?: string;
  type: string;
  required?: boolean;
  /** For `type: tensor`. */
  tensorSpec?: { dtype: string; shape: number[] };
  /** Every field as written (array `items`, object `properties`, ...). */
  raw: Record<string, unknown>;
}

export interface ParamSpec {
  name: string;
  type: string;
  default: unknown;
  shape: unknown;
}

export interface ModelSignature {
  inputs?: SignatureSpec[];
  outputs?: SignatureSpec[];
  params?: ParamSpec[];
  /** True when the inputs are tensors rather than columns. */
  tensorBased: boolean;
}

export interface InputExampleInfo {
  /** Relative to the model directory (`input_example.json`). */
  artifactPath: string;
  type?: string;
  pandasOrient?: string;
  servingInputPath?: string;
}

export interface MLmodel {
  flavors: Record<string, Record<string, unknown>>;
  artifactPath?: string;
  runId?: string;
  modelUuid?: string;
  modelId?: string;
  /** As written: naive UTC `YYYY-MM-DD HH:MM:SS.ffffff` (older files: `time_created`). */
  utcTimeCreated?: string;
  /** utcTimeCreated as epoch milliseconds, when it parses. */
  createdMs?: number;
  mlflowVersion?: string;
  modelSizeBytes?: number;
  signature?: ModelSignature;
  inputExample?: InputExampleInfo;
  metadata?: Record<string, unknown>;
  /** The whole file as plain data, unknown keys included. */
  raw: Record<string, unknown>;
}

export class InvalidMLmodel extends MlopsError {
  constructor(
    readonly file: string,
    readonly diagnostics: Diagnostic[],
  ) {
    super(
      'INVALID_PARAMETER_VALUE',
      `${file}: ${diagnostics
        .filter((d) => d.severity === 'error')
        .map((d) => `line ${d.range.start.line + 1}: ${d.message}`)
        .join('; ')}`,
    );
  }
}

const str = (v: unknown): string | undefined => (v === null || v === undefined ? undefined : String(v));
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function toSpec(x: unknown): SignatureSpec {
  const raw = isObj(x) ? x : {};
  const ts = raw['tensor-spec'];
  return {
    name: str(raw.name),
    type: str(raw.type) ?? 'unknown',
    required: typeof raw.required === 'boolean' ? raw.required : undefined,
    tensorSpec: isObj(ts) ? { dtype: String(ts.dtype), shape: Array.isArray(ts.shape) ? ts.shape.map(Number) : [] } : undefined,
    raw,
  };
}

/** Epoch ms of MLflow's `str(datetime.utcnow())`. */
export function parseUtcTimeCreated(s: string): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?$/.exec(s.trim());
  if (!m) return undefined;
  return Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6], m[7] ? Math.floor(Number(m[7].padEnd(6, '0')) / 1000) : 0);
}

/** Parses MLmodel text. Never throws; `model` is undefined when the file is not a YAML mapping. */
export function parseMLmodel(text: string): { model?: MLmodel; diagnostics: Diagnostic[] } {
  const doc = loadPyYaml(text);
  const diagnostics = [...doc.diagnostics];
  const root = doc.root;
  if (doc.diagnostics.some((d) => d.severity === 'error' && d.message.startsWith('YAML syntax'))) return { diagnostics };
  if (!root || root.kind !== 'map') {
    diagnostics.push({ severity: 'error', message: 'An MLmodel file must be a YAML mapping', range: root?.range ?? doc.rangeOf(0, 0), code: 'mlproject' });
    return { diagnostics };
  }
  const raw = pyToJs(toPy(root)) as Record<string, unknown>;
  const rangeOfKey = (key: string) =>
    root.entries.find((e) => e.key.kind === 'scalar' && e.key.value.t === 'str' && e.key.value.v === key)?.value.range ?? root.range;
  const problem = (key: string, message: string) => diagnostics.push({ severity: 'error', message, range: rangeOfKey(key), code: 'mlproject' });

  const flavors: MLmodel['flavors'] = {};
  if (isObj(raw.flavors)) {
    for (const [k, v] of Object.entries(raw.flavors)) flavors[k] = isObj(v) ? v : {};
  } else problem('flavors', 'MLmodel has no flavors mapping');

  let signature: ModelSignature | undefined;
  if (isObj(raw.signature)) {
    const part = (name: 'inputs' | 'outputs' | 'params'): unknown[] | undefined => {
      const v = (raw.signature as Record<string, unknown>)[name];
      if (v === null || v === undefined) return undefined;
      if (typeof v !== 'string') {
        problem('signature', `signature.${name} must be a JSON string`);
        return undefined;
      }
      try {
        const parsed: unknown = JSON.parse(v);
        if (Array.isArray(parsed)) return parsed;
        problem('signature', `signature.${name} must be a JSON list`);
      } catch (e) {
        problem('signature', `signature.${name} is not valid JSON: ${(e as Error).message}`);
      }
      return undefined;
    };
    const inputs = part('inputs')?.map(toSpec);
    const outputs = part('outputs')?.map(toSpec);
    const params = part('params')?.map((p) => {
      const o = isObj(p) ? p : {};
      return { name: String(o.name ?? ''), type: String(o.type ?? ''), default: o.default ?? null, shape: o.shape ?? null };
    });
    signature = { inputs, outputs, params, tensorBased: !!inputs?.some((s) => s.type === 'tensor') };
  }

  let inputExample: InputExampleInfo | undefined;
  const ie = raw.saved_input_example_info;
  if (isObj(ie) && typeof ie.artifact_path === 'string') {
    inputExample = {
      artifactPath: ie.artifact_path,
      type: str(ie.type),
      pandasOrient: str(ie.pandas_orient),
      servingInputPath: str(ie.serving_input_path),
    };
  }
  const utc = str(raw.utc_time_created) ?? str(raw.time_created);
  const size = raw.model_size_bytes;
  const model: MLmodel = {
    flavors,
    artifactPath: str(raw.artifact_path),
    runId: str(raw.run_id),
    modelUuid: str(raw.model_uuid),
    modelId: str(raw.model_id),
    utcTimeCreated: utc,
    createdMs: utc ? parseUtcTimeCreated(utc) : undefined,
    mlflowVersion: str(raw.mlflow_version),
    modelSizeBytes: typeof size === 'number' ? size : undefined,
    signature,
    inputExample,
    metadata: isObj(raw.metadata) ? raw.metadata : undefined,
    raw,
  };
  return { model, diagnostics };
}

/** Reads `<dir>/MLmodel` (or an MLmodel file path). Throws InvalidMLmodel when it cannot be parsed. */
export function loadMLmodel(dirOrFile: string): MLmodel & { dir: string; inputExampleFile?: string } {
  const file = fs.statSync(dirOrFile).isDirectory() ? path.join(dirOrFile, 'MLmodel') : dirOrFile;
  const { model, diagnostics } = parseMLmodel(fs.readFileSync(file, 'utf8'));
  if (!model) throw new InvalidMLmodel(file, diagnostics);
  const dir = path.dirname(path.resolve(file));
  return { ...model, dir, inputExampleFile: model.inputExample ? path.join(dir, model.inputExample.artifactPath) : undefined };
}

/** True when a folder holds a model (an `MLmodel` file at its root). */
export function isModelDir(dir: string): boolean {
  try {
    return fs.statSync(path.join(dir, 'MLmodel')).isFile();
  } catch {
    return false;
  }
}
