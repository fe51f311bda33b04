/**
 * HTTP errors and the one error handler: every failure leaves as `{"error": {"code", "message"}}`
 * (plus `details` for validation problems and extra fields such as `job_id`), never as a crash or an HTML page.
 */
import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { z } from 'zod';
import { StoreError } from '../data/store.js';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export const notFound = (message: string) => new HttpError(404, 'not_found', message);
export const badRequest = (message: string, extra: Record<string, unknown> = {}) => new HttpError(400, 'invalid_request', message, extra);
export const conflict = (code: string, message: string, extra: Record<string, unknown> = {}) => new HttpError(409, code, message, extra);
export const unavailable = (code: string, message: string) => new HttpError(503, code, message);

/** `instances[3].text` from ['instances', 3, 'text']. */
export function formatPath(path: readonly PropertyKey[], root = 'body'): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out === '' ? root : out;
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return value.length > 30 ? `a string of ${value.length} characters` : JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return typeof value === 'object' ? 'an object' : typeof value;
}

const EXPECTED: Record<string, string> = {
  string: 'a string', number: 'a number', int: 'an integer', boolean: 'true or false', array: 'an array', object: 'an object',
};

/** One readable sentence per zod issue, naming the item. */
export function issueMessage(issue: z.core.$ZodIssue, root = 'body'): string {
  const where = formatPath(issue.path, root);
  const input = (issue as { input?: unknown }).input;
  switch (issue.code) {
    case 'invalid_type':
      if (input === undefined) return `${where}: is required`;
      return `${where}: must be ${EXPECTED[issue.expected] ?? issue.expected}, got ${describe(input)}`;
    case 'unrecognized_keys':
      return `${formatPath([...issue.path, issue.keys[0]], root)}: unknown field${issue.keys.length > 1 ? ` (also ${issue.keys.slice(1).map((k) => JSON.stringify(k)).join(', ')})` : ''}`;
    case 'too_small': {
      const min = Number(issue.minimum);
      if (issue.origin === 'array') return `${where}: must have at least ${min} item${min === 1 ? '' : 's'}`;
      if (issue.origin === 'string') return `${where}: must not be empty`;
      return `${where}: must be ${issue.inclusive ? 'at least' : 'greater than'} ${min}, got ${describe(input)}`;
    }
    case 'too_big': {
      const max = Number(issue.maximum);
      if (issue.origin === 'array') return `${where}: at most ${max} items per request, got ${Array.isArray(input) ? input.length : 'more'}`;
      if (issue.origin === 'string') return `${where}: at most ${max} characters, got ${typeof input === 'string' ? input.length : 'more'}`;
      return `${where}: must be ${issue.inclusive ? 'at most' : 'less than'} ${max}, got ${describe(input)}`;
    }
    case 'invalid_value':
      return `${where}: must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}, got ${describe(input)}`;
    case 'not_multiple_of':
      return `${where}: must be an integer, got ${describe(input)}`;
    default:
      return `${where}: ${issue.message}`;
  }
}

/** Validate with a schema or throw a 400 naming the first offending item (all of them in `details`). */
export function parseOr400<T extends z.ZodType>(schema: T, value: unknown, root = 'body'): z.output<T> {
  const result = schema.safeParse(value, { reportInput: true });
  if (result.success) return result.data;
  const details = result.error.issues.slice(0, 20).map((issue) => ({ path: formatPath(issue.path, root), message: issueMessage(issue, root) }));
  throw badRequest(details[0].message, { details });
}

export const unmatchedRoute: RequestHandler = (req, _res, next) => {
  next(new HttpError(404, 'not_found', `no such endpoint: ${req.method} ${req.path}`));
};

const BODY_ERRORS: Record<string, (err: any, limit: string) => HttpError> = {
  'entity.too.large': (_err, limit) => new HttpError(413, 'payload_too_large', `the request body is over the ${limit} limit`),
  'entity.parse.failed': (err) => new HttpError(400, 'invalid_json', `the request body is not valid JSON: ${err.message}`),
  'entity.verify.failed': (err) => new HttpError(400, 'invalid_json', err.message),
  'encoding.unsupported': (err) => new HttpError(415, 'unsupported_media_type', err.message),
  'charset.unsupported': (err) => new HttpError(415, 'unsupported_media_type', err.message),
  'request.aborted': () => new HttpError(400, 'request_aborted', 'the request was aborted'),
};

/** Maps anything thrown in a handler to the JSON error shape; unknown errors become a logged 500. */
export function errorHandler(log: (line: string) => void, bodyLimit: string): ErrorRequestHandler {
  return (err, req, res, next) => {
    if (res.headersSent) return next(err);
    let http: HttpError;
    if (err instanceof HttpError) http = err;
    else if (err instanceof StoreError) http = new HttpError(/not found/.test(err.message) ? 404 : 400, /not found/.test(err.message) ? 'not_found' : 'invalid_request', err.message);
    else if (err && typeof err.type === 'string' && BODY_ERRORS[err.type]) http = BODY_ERRORS[err.type](err, bodyLimit);
    else {
      log(`rectify serve: ${req.method} ${req.originalUrl} failed: ${err?.stack ?? err}`);
      http = new HttpError(500, 'internal', 'internal server error (see the server log)');
    }
    res.status(http.status).set(http.headers).json({ error: { code: http.code, message: http.message, ...http.extra } });
  };
}
