/**
 * The small JSONPath subset CRD printer columns use, evaluated the way kube-apiserver's CRD table
 * convertor does (client-go's jsonpath with missing keys allowed): `.spec.replicas`,
 * `.metadata.labels['app.kubernetes.io/name']`, `.spec.items[0]`, `.spec.items[*].name` and
 * filters such as `.status.conditions[?(@.type=="Ready")].status`. A path is parsed once, when
 * its CRD is accepted; evaluating it never throws.
 */

type Step =
  | { kind: 'field'; name: string }
  | { kind: 'index'; index: number }
  | { kind: 'all' }
  | { kind: 'filter'; path: string[]; op: '==' | '!=' | 'exists'; value?: string | number | boolean };

export type JsonPath = readonly Step[];

/** Parses a column's jsonPath; throws an Error whose message says what is wrong. */
export function parseJsonPath(text: string): JsonPath {
  if (!text.startsWith('.')) throw new Error('must be a simple json path starting with .');
  const steps: Step[] = [];
  let i = 0;
  const fail = (why: string): never => {
    throw new Error(`${why} at character ${i + 1}`);
  };
  while (i < text.length) {
    const c = text[i];
    if (c === '.') {
      i++;
      let name = '';
      while (i < text.length && text[i] !== '.' && text[i] !== '[') {
        // A backslash escapes a dot inside a key: .metadata.labels.app\.kubernetes\.io/name
        if (text[i] === '\\' && text[i + 1] === '.') i++;
        name += text[i];
        i++;
      }
      if (name === '') {
        if (i >= text.length && steps.length === 0) break; // "." alone: the object itself
        fail('empty field name');
      }
      steps.push({ kind: 'field', name });
    } else if (c === '[') {
      const end = text.indexOf(']', i);
      if (end < 0) fail('unclosed [');
      const inner = text.slice(i + 1, end);
      i = end + 1;
      if (inner === '*') steps.push({ kind: 'all' });
      else if (/^\d+$/.test(inner)) steps.push({ kind: 'index', index: Number(inner) });
      else if (/^'[^']*'$/.test(inner) || /^"[^"]*"$/.test(inner)) steps.push({ kind: 'field', name: inner.slice(1, -1) });
      else if (inner.startsWith('?(') && inner.endsWith(')')) steps.push(parseFilter(inner.slice(2, -1)));
      else fail(`unsupported subscript [${inner}]`);
    } else fail(`unexpected ${JSON.stringify(c)}`);
  }
  return steps;
}

function parseFilter(expression: string): Step {
  const match = /^@((?:\.[A-Za-z0-9_-]+)+)\s*(?:(==|!=)\s*(.+))?$/.exec(expression.trim());
  if (!match) throw new Error(`unsupported filter ?(${expression})`);
  const path = (match[1] as string).slice(1).split('.');
  if (match[2] === undefined) return { kind: 'filter', path, op: 'exists' };
  const raw = (match[3] as string).trim();
  let value: string | number | boolean;
  if (/^"[^"]*"$/.test(raw) || /^'[^']*'$/.test(raw)) value = raw.slice(1, -1);
  else if (raw === 'true' || raw === 'false') value = raw === 'true';
  else if (/^-?\d+(\.\d+)?$/.test(raw)) value = Number(raw);
  else throw new Error(`unsupported filter value ${raw}`);
  return { kind: 'filter', path, op: match[2] as '==' | '!=', value };
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Every value the path reaches in `root`, in document order; missing keys give none. */
export function evaluate(path: JsonPath, root: unknown): unknown[] {
  let current: unknown[] = [root];
  for (const step of path) {
    const next: unknown[] = [];
    for (const value of current) {
      if (step.kind === 'field') {
        if (isObject(value) && Object.prototype.hasOwnProperty.call(value, step.name)) next.push(value[step.name]);
      } else if (step.kind === 'index') {
        if (Array.isArray(value) && step.index < value.length) next.push(value[step.index]);
      } else if (step.kind === 'all') {
        if (Array.isArray(value)) next.push(...value);
        else if (isObject(value)) next.push(...Object.values(value));
      } else if (Array.isArray(value)) {
        for (const item of value) if (filterMatches(step, item)) next.push(item);
      }
    }
    current = next;
  }
  return current;
}

function filterMatches(step: Extract<Step, { kind: 'filter' }>, item: unknown): boolean {
  let at: unknown = item;
  for (const key of step.path) {
    if (!isObject(at) || !Object.prototype.hasOwnProperty.call(at, key)) return false;
    at = at[key];
  }
  if (step.op === 'exists') return at !== undefined && at !== null;
  return step.op === '==' ? at === step.value : at !== step.value;
}

/** A value as jsonpath's text output prints it: strings bare, everything else as JSON. */
export function printed(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === undefined) return '';
  return JSON.stringify(value);
}
