import type { IncomingMessage } from 'node:http';
import { InvalidParameter } from '../errors';
import { HttpError } from './errors';
import { parseJsonLenient } from './json';

/** A parsed API request: GET fields come from the query string, every other method carries a JSON body. */
export class ApiRequest {
  constructor(
    readonly method: string,
    readonly path: string,
    readonly query: URLSearchParams,
    readonly body: Record<string, unknown>,
    readonly params: Record<string, string> = {},
  ) {}

  get(name: string): unknown {
    if (this.method === 'GET') return this.query.has(name) ? this.query.get(name) : undefined;
    return this.body[name];
  }

  /** A string field; `run_uuid` is accepted for `run_id`. */
  str(name: string, required = false): string | undefined {
    let v = this.get(name);
    if ((v === undefined || v === null || v === '') && name === 'run_id') v = this.get('run_uuid');
    if (v === undefined || v === null || v === '') {
      if (required)
        throw new InvalidParameter(`Missing value for required parameter '${name}'. See the API docs for more information about request parameters.`, name);
      return undefined;
    }
    if (typeof v !== 'string')
      throw new InvalidParameter(`Invalid value ${JSON.stringify(v).slice(0, 100)} for parameter '${name}' supplied: expected a string.`, name);
    return v;
  }

  /** A repeated field: repeated query keys for GET, a JSON array otherwise. */
  list(name: string): unknown[] {
    if (this.method === 'GET') return this.query.getAll(name);
    const v = this.body[name];
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v)) throw new InvalidParameter(`Invalid value for parameter '${name}': expected a list.`, name);
    return v;
  }

  strList(name: string): string[] {
    return this.list(name).map((x) => {
      if (typeof x !== 'string') throw new InvalidParameter(`Invalid value in '${name}': expected strings.`, name);
      return x;
    });
  }

  bool(name: string): boolean | undefined {
    const v = this.get(name);
    if (v === undefined || v === null) return undefined;
    if (v === true || v === 'true') return true;
    if (v === false || v === 'false') return false;
    throw new InvalidParameter(`Invalid value ${JSON.stringify(v)} for parameter '${name}': expected true or false.`, name);
  }
}

/** Reads a request body up to a size cap; a bigger body is refused without reading it all. */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > limit) {
      req.resume();
      return reject(new HttpError('REQUEST_LIMIT_EXCEEDED', `Request body of ${declared} bytes exceeds the limit of ${limit} bytes.`, 413));
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        req.removeAllListeners('data');
        req.resume();
        reject(new HttpError('REQUEST_LIMIT_EXCEEDED', `Request body exceeds the limit of ${limit} bytes.`, 413));
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Parses a JSON body as MLflow does: empty is {}, a double-encoded JSON string is decoded twice. */
export function parseBody(buf: Buffer): Record<string, unknown> {
  const text = buf.toString('utf8').trim();
  if (!text) return {};
  let v: unknown;
  try {
    v = parseJsonLenient(text);
    if (typeof v === 'string') v = parseJsonLenient(v);
  } catch (e) {
    throw new HttpError('INVALID_PARAMETER_VALUE', `Malformed JSON in request body: ${(e as Error).message}`, 400);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new HttpError('INVALID_PARAMETER_VALUE', 'The request body must be a JSON object.', 400);
  return v as Record<string, unknown>;
}
