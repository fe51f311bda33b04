/**
 * Text normalisation: the first step of the pipeline (text → tokens → vectors).
 * Strips HTML (tags, script/style blocks), decodes entities, applies Unicode NFKC,
 * lower-cases, unifies apostrophes and collapses whitespace.
 */
import { decodeHTML } from 'entities';

const SCRIPT_OR_STYLE = /<(script|style)\b[^>]*>[\s\S]*?<\/\1\s*>/gi;
const TAG = /<\/?[a-z!][^>]*>/gi;
const HAS_MARKUP = /[<&]/;
const APOSTROPHES = /[\u2018\u2019\u02bc\u0060\u00b4]/g;
const WHITESPACE = /\s+/g;

export function normalize(text: string): string {
  let s = text;
  if (HAS_MARKUP.test(s)) {
    s = s.replace(SCRIPT_OR_STYLE, ' ').replace(TAG, ' ');
    if (s.includes('&')) s = decodeHTML(s);
  }
  s = s.normalize('NFKC').toLowerCase().replace(APOSTROPHES, "'");
  return s.replace(WHITESPACE, ' ').trim();
}
