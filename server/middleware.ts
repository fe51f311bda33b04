/** Shared middleware: bearer-key check for write endpoints and JSON body parsing with a size limit. */
import { createHash, timingSafeEqual } from 'node:crypto';
import express, { type RequestHandler } from 'express';
import { HttpError } from './errors.js';

const digest = (s: string) => createHash('sha256').update(s).digest();

/** Requires `Authorization: Bearer KEY` when a key is configured; a no-op otherwise. */
export function requireKey(apiKey: string | undefined): RequestHandler {
  if (!apiKey) return (_req, _res, next) => next();
  const expected = digest(apiKey);
  const challenge = { 'WWW-Authenticate': 'Bearer realm="rectify"' };
  return (req, _res, next) => {
    const header = req.headers.authorization;
    if (!header) return next(new HttpError(401, 'unauthorized', 'this endpoint needs the API key: send "Authorization: Bearer <key>"', {}, challenge));
    const match = /^Bearer\s+(.+)$/i.exec(header.trim());
    if (!match) return next(new HttpError(401, 'unauthorized', 'the Authorization header must be "Bearer <key>"', {}, challenge));
    if (!timingSafeEqual(digest(match[1]), expected)) return next(new HttpError(401, 'unauthorized', 'the API key is not valid', {}, challenge));
    next();
  };
}

/**
 * Parses a JSON body (limit → 413). With `optional`, a request without a body counts as `{}`; a body in
 * another content type is refused with 415 rather than silently ignored.
 */
export function jsonBody(limit: string, options: { optional?: boolean } = {}): RequestHandler[] {
  const parse = express.json({ limit, strict: true, type: ['application/json', 'application/*+json'] });
  const check: RequestHandler = (req, _res, next) => {
    if (req.body !== undefined) return next();
    const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
    if (hasBody) return next(new HttpError(415, 'unsupported_media_type', `send the body as JSON with "Content-Type: application/json" (got ${JSON.stringify(req.headers['content-type'] ?? 'none')})`));
    if (options.optional) {
      req.body = {};
      return next();
    }
    next(new HttpError(400, 'invalid_request', 'the request needs a JSON body'));
  };
  return [parse, check];
}
