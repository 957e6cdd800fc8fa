/**
 * The three patch types kubectl and client libraries send, applied to a private copy:
 *
 * - JSON merge patch (RFC 7386): objects merge, null deletes, anything else replaces.
 * - Strategic merge patch: the same for the fields the demo lets clients change (node
 *   `spec.unschedulable`, `spec.taints` (no merge key: lists replace), labels, annotations,
 *   replicas), plus the `$patch: replace|delete` directives; `$setElementOrder/` and `$retainKeys`
 *   lines are accepted and ignored, since no list here merges by key.
 * - JSON patch (RFC 6902): add, remove, replace, test, copy, move.
 *
 * Malformed patches are 400s; what the result may contain is checked by the caller.
 */
import { ApiError, badRequest } from './status.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function isObject(v: unknown): v is Record<string, Json> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

export function mergePatch(target: unknown, patch: unknown): Json {
  if (!isObject(patch)) return patch as Json;
  const result: Record<string, Json> = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = mergePatch(result[key], value);
  }
  return result;
}

export function strategicMergePatch(target: unknown, patch: unknown): Json {
  if (!isObject(patch)) return patch as Json;
  const directive = patch.$patch;
  if (directive !== undefined) {
    if (directive === 'delete') return null;
    if (directive !== 'replace' && directive !== 'merge') throw badRequest(`unknown patch type "${String(directive)}" in strategic merge patch`);
  }
  const base: Record<string, Json> = directive === 'replace' || !isObject(target) ? {} : { ...target };
  for (const [key, value] of Object.entries(patch)) {
    if (key === '$patch' || key === '$retainKeys' || key.startsWith('$setElementOrder/') || key.startsWith('$deleteFromPrimitiveList/')) continue;
    if (key.startsWith('$')) throw badRequest(`unknown strategic merge patch directive "${key}"`);
    if (value === null) delete base[key];
    else {
      const merged = strategicMergePatch(base[key], value);
      if (merged === null) delete base[key];
      else base[key] = merged;
    }
  }
  return base;
}

function unescapePointer(token: string): string {
  return token.replace(/~1/g, '/').replace(/~0/g, '~');
}

function parsePointer(pointer: unknown): string[] {
  if (typeof pointer !== 'string' || (pointer !== '' && !pointer.startsWith('/'))) throw badRequest(`invalid JSON pointer ${JSON.stringify(pointer)}`);
  return pointer === '' ? [] : pointer.slice(1).split('/').map(unescapePointer);
}

function resolveParent(doc: Json, path: string[]): { parent: Json; key: string } {
  let at: Json = doc;
  for (const token of path.slice(0, -1)) {
    if (Array.isArray(at)) at = at[Number(token)] as Json;
    else if (isObject(at)) at = at[token] as Json;
    else at = undefined as unknown as Json;
    if (at === undefined || at === null || typeof at !== 'object') throw new ApiError(422, 'Invalid', `JSON patch path /${path.join('/')} does not exist`);
  }
  return { parent: at, key: path[path.length - 1] as string };
}

function getAt(doc: Json, path: string[]): Json | undefined {
  let at: Json | undefined = doc;
  for (const token of path) {
    if (Array.isArray(at)) at = at[Number(token)];
    else if (isObject(at)) at = Object.prototype.hasOwnProperty.call(at, token) ? at[token] : undefined;
    else return undefined;
    if (at === undefined) return undefined;
  }
  return at;
}

function arrayIndex(parent: Json[], key: string, forAdd: boolean): number {
  if (forAdd && key === '-') return parent.length;
  if (!/^(0|[1-9]\d*)$/.test(key)) throw badRequest(`invalid array index "${key}" in JSON patch`);
  const i = Number(key);
  if (i > parent.length || (!forAdd && i >= parent.length)) throw new ApiError(422, 'Invalid', `JSON patch array index ${i} is out of range`);
  return i;
}

function removeAt(doc: Json, path: string[]): Json {
  if (path.length === 0) throw badRequest('cannot remove the whole document');
  const { parent, key } = resolveParent(doc, path);
  if (Array.isArray(parent)) return parent.splice(arrayIndex(parent, key, false), 1)[0] as Json;
  const obj = parent as Record<string, Json>;
  if (!Object.prototype.hasOwnProperty.call(obj, key)) throw new ApiError(422, 'Invalid', `JSON patch path /${path.join('/')} does not exist`);
  const old = obj[key] as Json;
  delete obj[key];
  return old;
}

function addAt(doc: Json, path: string[], value: Json, replace: boolean): Json {
  if (path.length === 0) return value;
  const { parent, key } = resolveParent(doc, path);
  if (Array.isArray(parent)) {
    const i = arrayIndex(parent, key, !replace);
    if (replace) parent[i] = value;
    else parent.splice(i, 0, value);
  } else {
    const obj = parent as Record<string, Json>;
    if (replace && !Object.prototype.hasOwnProperty.call(obj, key)) throw new ApiError(422, 'Invalid', `JSON patch path /${path.join('/')} does not exist`);
    obj[key] = value;
  }
  return doc;
}

export function jsonPatch(target: unknown, operations: unknown): Json {
  if (!Array.isArray(operations)) throw badRequest('a JSON patch must be an array of operations');
  let doc = structuredClone(target) as Json;
  for (const op of operations) {
    if (!isObject(op)) throw badRequest('each JSON patch operation must be an object');
    const path = parsePointer(op.path);
    switch (op.op) {
      case 'add':
      case 'replace':
        if (!('value' in op)) throw badRequest(`JSON patch "${op.op}" needs a value`);
        doc = addAt(doc, path, structuredClone(op.value as Json), op.op === 'replace');
        break;
      case 'remove':
        removeAt(doc, path);
        break;
      case 'test':
        if (JSON.stringify(getAt(doc, path)) !== JSON.stringify(op.value)) throw new ApiError(422, 'Invalid', `JSON patch test failed at ${String(op.path)}`);
        break;
      case 'copy':
      case 'move': {
        const from = parsePointer(op.from);
        const value = getAt(doc, from);
        if (value === undefined) throw new ApiError(422, 'Invalid', `JSON patch "from" path ${String(op.from)} does not exist`);
        if (op.op === 'move') removeAt(doc, from);
        doc = addAt(doc, path, structuredClone(value), false);
        break;
      }
      default:
        throw badRequest(`unknown JSON patch operation ${JSON.stringify(op.op)}`);
    }
  }
  return doc;
}

export const patchContentTypes = {
  'application/merge-patch+json': mergePatch,
  'application/strategic-merge-patch+json': strategicMergePatch,
  'application/json-patch+json': jsonPatch,
} as const;

export function applyPatch(contentType: string, target: unknown, patch: unknown): Json {
  const type = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  const apply = (patchContentTypes as Record<string, (t: unknown, p: unknown) => Json>)[type];
  if (!apply) {
    throw new ApiError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: ${Object.keys(patchContentTypes).join(', ')}`);
  }
  return apply(target, patch);
}
