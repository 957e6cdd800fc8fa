/**
 * CustomResourceDefinitions (apiextensions.k8s.io/v1): the checks a new or changed CRD must pass
 * (422 Invalid naming each bad field, as kube-apiserver's apiextensions validation does), the
 * defaults the server fills in, the status its controllers would write (NamesAccepted,
 * Established, acceptedNames, storedVersions), and the resources an established CRD serves.
 * Pure functions: the Registry (registry.ts) decides when to apply them.
 */
import { parseJsonPath } from './jsonpath.js';
import type { PrinterColumn, ResourceInfo } from './resources.js';
import { storedKindVerbs } from './resources.js';
import { ApiError } from './status.js';
import type { KubeObject } from './store.js';

type Any = Record<string, any>; // a CRD as a client sent it: anything may be missing or wrong

export interface FieldProblem {
  field: string;
  message: string;
  reason?: string;
}

const dns1035Label = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const dns1123Subdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const columnTypes = ['integer', 'number', 'string', 'boolean', 'date'];
const columnFormats = ['', 'int32', 'int64', 'float', 'double', 'byte', 'date', 'date-time', 'password', 'name'];

const isObject = (v: unknown): v is Any => v !== null && typeof v === 'object' && !Array.isArray(v);

function labelProblem(field: string, value: unknown, problems: FieldProblem[], required = true): void {
  if (value === undefined || value === '') {
    if (required) problems.push({ field, message: 'Required value', reason: 'FieldValueRequired' });
    return;
  }
  if (typeof value !== 'string' || value.length > 63 || !dns1035Label.test(value)) {
    problems.push({ field, message: `Invalid value: ${JSON.stringify(value)}: a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character` });
  }
}

/** Fills in what the server defaults (singular, listKind, conversion, served/storage types checked later). */
export function withDefaults(crd: Any): Any {
  const out = structuredClone(crd);
  const names = isObject(out.spec?.names) ? out.spec.names : undefined;
  if (names && typeof names.kind === 'string') {
    names.singular ??= names.kind.toLowerCase();
    names.listKind ??= `${names.kind}List`;
  }
  if (isObject(out.spec)) out.spec.conversion ??= { strategy: 'None' };
  return out;
}

/** Every problem with a CRD (after defaults), as field paths and messages; empty when it is valid. */
export function validateCrd(crd: Any): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const spec = crd.spec;
  if (!isObject(spec)) return [{ field: 'spec', message: 'Required value', reason: 'FieldValueRequired' }];
  const group = spec.group;
  if (typeof group !== 'string' || group === '') problems.push({ field: 'spec.group', message: 'Required value', reason: 'FieldValueRequired' });
  else if (!dns1123Subdomain.test(group) || group.length > 253) problems.push({ field: 'spec.group', message: `Invalid value: ${JSON.stringify(group)}: a lowercase RFC 1123 subdomain is required` });
  else if (!group.includes('.')) problems.push({ field: 'spec.group', message: `Invalid value: ${JSON.stringify(group)}: should be a domain with at least one dot` });
  else if (/(^|\.)(k8s|kubernetes)\.io$/.test(group) && !crd.metadata?.annotations?.['api-approved.kubernetes.io']) {
    problems.push({ field: 'metadata.annotations[api-approved.kubernetes.io]', message: 'Required value: protected groups must have approval annotation "api-approved.kubernetes.io"', reason: 'FieldValueRequired' });
  }
  const names = spec.names;
  if (!isObject(names)) problems.push({ field: 'spec.names', message: 'Required value', reason: 'FieldValueRequired' });
  else {
    labelProblem('spec.names.plural', names.plural, problems);
    labelProblem('spec.names.singular', names.singular, problems);
    if (typeof names.kind !== 'string' || names.kind === '') problems.push({ field: 'spec.names.kind', message: 'Required value', reason: 'FieldValueRequired' });
    else if (!dns1035Label.test(names.kind.toLowerCase())) problems.push({ field: 'spec.names.kind', message: `Invalid value: ${JSON.stringify(names.kind)}: may have mixed case, but should otherwise match: [a-z]([-a-z0-9]*[a-z0-9])?` });
    if (typeof names.listKind !== 'string' || !dns1035Label.test(names.listKind.toLowerCase())) problems.push({ field: 'spec.names.listKind', message: `Invalid value: ${JSON.stringify(names.listKind)}: may have mixed case, but should otherwise match: [a-z]([-a-z0-9]*[a-z0-9])?` });
    else if (names.listKind === names.kind) problems.push({ field: 'spec.names.listKind', message: `Invalid value: ${JSON.stringify(names.listKind)}: kind and listKind may not be the same` });
    for (const list of ['shortNames', 'categories'] as const) {
      const values = names[list];
      if (values === undefined) continue;
      if (!Array.isArray(values)) problems.push({ field: `spec.names.${list}`, message: 'Invalid value: must be a list of strings' });
      else values.forEach((v: unknown, i: number) => labelProblem(`spec.names.${list}[${i}]`, v, problems));
    }
    if (typeof group === 'string' && typeof names.plural === 'string' && crd.metadata?.name !== `${names.plural}.${group}`) {
      problems.push({ field: 'metadata.name', message: `Invalid value: ${JSON.stringify(crd.metadata?.name ?? '')}: must be spec.names.plural+"."+spec.group` });
    }
  }
  if (spec.scope !== 'Namespaced' && spec.scope !== 'Cluster') {
    problems.push({ field: 'spec.scope', message: `Unsupported value: ${JSON.stringify(spec.scope ?? '')}: supported values: "Cluster", "Namespaced"`, reason: 'FieldValueNotSupported' });
  }
  validateVersions(spec.versions, problems);
  return problems;
}

function validateVersions(versions: unknown, problems: FieldProblem[]): void {
  if (!Array.isArray(versions) || versions.length === 0) {
    problems.push({ field: 'spec.versions', message: 'Invalid value: must have exactly one version marked as storage version' });
    return;
  }
  const seen = new Set<string>();
  let storage = 0;
  versions.forEach((v: unknown, i: number) => {
    const at = `spec.versions[${i}]`;
    if (!isObject(v)) {
      problems.push({ field: at, message: 'Invalid value: must be an object' });
      return;
    }
    labelProblem(`${at}.name`, v.name, problems);
    if (typeof v.name === 'string') {
      if (seen.has(v.name)) problems.push({ field: `${at}.name`, message: `Duplicate value: ${JSON.stringify(v.name)}`, reason: 'FieldValueDuplicate' });
      seen.add(v.name);
    }
    if (typeof v.served !== 'boolean') problems.push({ field: `${at}.served`, message: 'Required value: must be true or false', reason: 'FieldValueRequired' });
    if (typeof v.storage !== 'boolean') problems.push({ field: `${at}.storage`, message: 'Required value: must be true or false', reason: 'FieldValueRequired' });
    if (v.storage === true) storage++;
    if (v.subresources !== undefined && (!isObject(v.subresources) || (v.subresources.status !== undefined && !isObject(v.subresources.status)))) {
      problems.push({ field: `${at}.subresources`, message: 'Invalid value: must be an object, and its status an object' });
    }
    if (!isObject(v.schema) || !isObject(v.schema.openAPIV3Schema)) problems.push({ field: `${at}.schema.openAPIV3Schema`, message: 'Required value: schemas are required', reason: 'FieldValueRequired' });
    const columns = v.additionalPrinterColumns;
    if (columns === undefined) return;
    if (!Array.isArray(columns)) {
      problems.push({ field: `${at}.additionalPrinterColumns`, message: 'Invalid value: must be a list' });
      return;
    }
    columns.forEach((c: unknown, j: number) => validateColumn(c, `${at}.additionalPrinterColumns[${j}]`, problems));
  });
  if (storage !== 1) problems.push({ field: 'spec.versions', message: `Invalid value: must have exactly one version marked as storage version (${storage} are)` });
}

function validateColumn(c: unknown, at: string, problems: FieldProblem[]): void {
  if (!isObject(c)) {
    problems.push({ field: at, message: 'Invalid value: must be an object' });
    return;
  }
  if (typeof c.name !== 'string' || c.name === '') problems.push({ field: `${at}.name`, message: 'Required value', reason: 'FieldValueRequired' });
  if (!columnTypes.includes(c.type)) problems.push({ field: `${at}.type`, message: `Unsupported value: ${JSON.stringify(c.type ?? '')}: supported values: "integer", "number", "string", "boolean", "date"`, reason: 'FieldValueNotSupported' });
  if (c.format !== undefined && !columnFormats.includes(c.format)) problems.push({ field: `${at}.format`, message: `Unsupported value: ${JSON.stringify(c.format)}`, reason: 'FieldValueNotSupported' });
  if (c.priority !== undefined && !(Number.isInteger(c.priority) && c.priority >= 0)) problems.push({ field: `${at}.priority`, message: `Invalid value: ${JSON.stringify(c.priority)}: must be a whole number, 0 or more` });
  if (typeof c.jsonPath !== 'string' || c.jsonPath === '') problems.push({ field: `${at}.jsonPath`, message: 'Required value', reason: 'FieldValueRequired' });
  else {
    try {
      parseJsonPath(c.jsonPath);
    } catch (error) {
      problems.push({ field: `${at}.jsonPath`, message: `Invalid value: ${JSON.stringify(c.jsonPath)}: ${(error as Error).message}` });
    }
  }
}

/** 422 Invalid for a CRD, worded as kube-apiserver words it. */
export function invalidCrd(name: string, problems: FieldProblem[]): ApiError {
  const text = problems.map((p) => `${p.field}: ${p.message}`).join(', ');
  return new ApiError(422, 'Invalid', `CustomResourceDefinition.apiextensions.k8s.io ${JSON.stringify(name)} is invalid: ${problems.length > 1 ? `[${text}]` : text}`, {
    name,
    group: 'apiextensions.k8s.io',
    kind: 'CustomResourceDefinition',
    causes: problems.map((p) => ({ reason: p.reason ?? 'FieldValueInvalid', message: p.message, field: p.field })),
  });
}

/** What clashes between this CRD's names and the kinds already served in its group, or undefined. */
export type NameConflict = { reason: string; message: string } | undefined;

/**
 * The status kube-apiserver's naming and establishing controllers would write. `conflict` (names
 * already taken in the group) leaves NamesAccepted and Established False; otherwise both are True
 * and the accepted names are the spec's. Times of conditions that did not change are kept.
 */
export function crdStatus(crd: Any, conflict: NameConflict, now: string): Any {
  const names = crd.spec.names as Any;
  const previous = isObject(crd.status) && Array.isArray(crd.status.conditions) ? (crd.status.conditions as Any[]) : [];
  const condition = (type: string, ok: boolean, reason: string, message: string): Any => {
    const before = previous.find((c) => c?.type === type);
    const status = ok ? 'True' : 'False';
    return { type, status, lastTransitionTime: before?.status === status ? before.lastTransitionTime : now, reason, message };
  };
  const accepted = conflict === undefined;
  const storage = (crd.spec.versions as Any[]).find((v) => v.storage === true)?.name as string;
  const stored = new Set<string>(Array.isArray(crd.status?.storedVersions) ? crd.status.storedVersions : []);
  stored.add(storage);
  const acceptedNames: Any = accepted ? { plural: names.plural, singular: names.singular, kind: names.kind, listKind: names.listKind } : isObject(crd.status?.acceptedNames) ? crd.status.acceptedNames : { plural: '', kind: '' };
  if (accepted && names.shortNames?.length) acceptedNames.shortNames = names.shortNames;
  if (accepted && names.categories?.length) acceptedNames.categories = names.categories;
  return {
    conditions: [
      condition('NamesAccepted', accepted, conflict?.reason ?? 'NoConflicts', conflict?.message ?? 'no conflicts found'),
      condition('Established', accepted, accepted ? 'InitialNamesAccepted' : 'NotAccepted', accepted ? 'the initial names have been accepted' : 'not all names are accepted'),
    ],
    acceptedNames,
    storedVersions: [...stored],
  };
}

/** True when the CRD's status says it is established (its kinds are served). */
export function isEstablished(crd: KubeObject): boolean {
  const conditions = (crd.status as Any | undefined)?.conditions;
  return Array.isArray(conditions) && conditions.some((c: Any) => c?.type === 'Established' && c.status === 'True');
}

/** The resources an established CRD serves: one per served version. Undefined when its spec is unusable. */
export function servedResources(crd: KubeObject): ResourceInfo[] | undefined {
  const spec = crd.spec as Any;
  if (validateCrd(crd as Any).length > 0) return undefined;
  const names = spec.names as Any;
  const storageVersion = (spec.versions as Any[]).find((v) => v.storage === true)?.name as string;
  return (spec.versions as Any[])
    .filter((v) => v.served === true)
    .map((v) => ({
      group: spec.group,
      version: v.name,
      plural: names.plural,
      singular: names.singular,
      kind: names.kind,
      namespaced: spec.scope === 'Namespaced',
      verbs: storedKindVerbs,
      ...(names.shortNames?.length ? { shortNames: names.shortNames } : {}),
      ...(names.categories?.length ? { categories: names.categories } : {}),
      fields: ['metadata.name', 'metadata.namespace'],
      custom: { crdName: crd.metadata.name, listKind: names.listKind, columns: printerColumns(v.additionalPrinterColumns), storageVersion, statusSubresource: isObject(v.subresources?.status) },
    }));
}

function printerColumns(columns: unknown): PrinterColumn[] {
  if (!Array.isArray(columns)) return [];
  return columns.map((c: Any) => ({
    name: c.name,
    type: c.type,
    format: c.format ?? '',
    description: c.description || `Custom resource definition column (in JSONPath format): ${c.jsonPath}`,
    priority: c.priority ?? 0,
    jsonPath: c.jsonPath,
  }));
}

/** The spec fields that may not change once a CRD exists. */
export function immutableChange(before: KubeObject, after: Any): FieldProblem | undefined {
  const a = before.spec as Any;
  const b = after.spec as Any;
  if (a.group !== b?.group) return { field: 'spec.group', message: 'Invalid value: field is immutable' };
  if (a.names?.plural !== b?.names?.plural) return { field: 'spec.names.plural', message: 'Invalid value: field is immutable' };
  if (a.scope !== b?.scope) return { field: 'spec.scope', message: 'Invalid value: field is immutable' };
  return undefined;
}
