/**
 * Google-style custom methods (`/v1/models/default:predict`). Express 5 reads ':' in a route as a
 * parameter prefix, so the whole segment is one parameter, split on its last ':' here.
 */
import type { RequestHandler } from 'express';

export function splitAction(segment: string): { name: string; action: string | undefined } {
  const at = segment.lastIndexOf(':');
  return at < 0 ? { name: segment, action: undefined } : { name: segment.slice(0, at), action: segment.slice(at + 1) };
}

/** Continue only when `req.params[param]` ends in `:action` (stores the part before in res.locals.target). */
export function matchAction(param: string, action: string): RequestHandler {
  return (req, res, next) => {
    const { name, action: found } = splitAction(String(req.params[param] ?? ''));
    if (found !== action) return next('route');
    res.locals.target = name;
    next();
  };
}
