/**
 * Label and field selectors, parsed once per request into predicates.
 *
 * Labels: `a=b`, `a==b`, `a!=b`, `a in (x,y)`, `a notin (x,y)`, `a` (exists), `!a` (absent),
 * joined by commas. Fields: `=`, `==` and `!=` on the few fields a real server indexes for the
 * resources served here. Anything else is a 400, as on a real server.
 */
import { badRequest } from './status.js';

type Labels = Readonly<Record<string, string>> | undefined;
export type LabelPredicate = (labels: Labels) => boolean;
export type FieldPredicate = (object: unknown) => boolean;

const matchAll = (): boolean => true;

/** Splits on commas that are not inside parentheses. */
function splitTerms(text: string): string[] {
  const terms: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) {
      terms.push(text.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(text.slice(start));
  return terms.map((t) => t.trim()).filter((t) => t !== '');
}

const labelKey = /^([a-z0-9A-Z]([-a-z0-9A-Z_.]*[a-z0-9A-Z])?\/)?[a-z0-9A-Z]([-a-z0-9A-Z_.]*[a-z0-9A-Z])?$/;
const labelValue = /^([a-z0-9A-Z]([-a-z0-9A-Z_.]*[a-z0-9A-Z])?)?$/;

function checkKey(key: string, selector: string): string {
  if (!labelKey.test(key)) throw badRequest(`unable to parse requirement: invalid label key "${key}" in selector "${selector}"`);
  return key;
}

function checkValue(value: string, selector: string): string {
  if (!labelValue.test(value)) throw badRequest(`unable to parse requirement: invalid label value "${value}" in selector "${selector}"`);
  return value;
}

function parseLabelTerm(term: string, selector: string): LabelPredicate {
  const setMatch = /^(\S+)\s+(in|notin)\s*\(([^()]*)\)$/.exec(term);
  if (setMatch) {
    const key = checkKey(setMatch[1] ?? '', selector);
    const values = new Set((setMatch[3] ?? '').split(',').map((v) => checkValue(v.trim(), selector)));
    return setMatch[2] === 'in' ? (l) => l?.[key] !== undefined && values.has(l[key]) : (l) => l?.[key] === undefined || !values.has(l[key]);
  }
  const cmp = /^([^=!\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(term);
  if (cmp) {
    const key = checkKey(cmp[1] ?? '', selector);
    const value = checkValue(cmp[3] ?? '', selector);
    return cmp[2] === '!=' ? (l) => l?.[key] !== value : (l) => l?.[key] === value;
  }
  if (term.startsWith('!')) {
    const key = checkKey(term.slice(1).trim(), selector);
    return (l) => l?.[key] === undefined;
  }
  const key = checkKey(term, selector);
  return (l) => l?.[key] !== undefined;
}

export function parseLabelSelector(selector: string | null | undefined): LabelPredicate {
  if (!selector || selector.trim() === '') return matchAll;
  const predicates = splitTerms(selector).map((t) => parseLabelTerm(t, selector));
  return (labels) => predicates.every((p) => p(labels));
}

/** Reads a dotted path such as `spec.nodeName` from a plain object; missing fields read as "". */
export function fieldValue(object: unknown, path: string): string {
  let at: unknown = object;
  for (const part of path.split('.')) {
    if (at === null || typeof at !== 'object') return '';
    at = (at as Record<string, unknown>)[part];
  }
  return at === undefined || at === null ? '' : String(at);
}

export function parseFieldSelector(selector: string | null | undefined, supported: readonly string[]): FieldPredicate {
  if (!selector || selector.trim() === '') return matchAll;
  const predicates = splitTerms(selector).map((term): FieldPredicate => {
    const m = /^([^=!\s]+)\s*(==|=|!=)\s*(.*)$/.exec(term);
    if (!m) throw badRequest(`invalid field selector: "${term}" is not of the form field=value or field!=value`);
    const field = m[1] ?? '';
    const value = (m[3] ?? '').trim();
    if (!supported.includes(field)) {
      throw badRequest(`field label not supported: ${field} (supported: ${supported.join(', ')})`);
    }
    return m[2] === '!=' ? (o) => fieldValue(o, field) !== value : (o) => fieldValue(o, field) === value;
  });
  return (object) => predicates.every((p) => p(object));
}
