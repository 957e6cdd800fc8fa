/**
 * What any stored kind without a simulation behind it accepts (ConfigMaps, Services, custom
 * resources, CRDs themselves): the checks a create or an update must pass and the fields the
 * server owns. Bad input is a 400 or 422 naming the problem, and nothing is stored; what passes
 * is a plain JSON object with sound metadata, so printers and watchers can read it.
 */
import { randomUUID } from 'node:crypto';
import type { ResourceInfo } from './resources.js';
import { apiVersionOf } from './resources.js';
import { decodeAsTyped } from './shapes.js';
import { ApiError, badRequest } from './status.js';
import type { KubeObject } from './store.js';

type Any = Record<string, any>;

const subdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const subdomainHint =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

const isObject = (v: unknown): v is Any => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Kind as kube-apiserver names it in an Invalid message: `ConfigMap`, `Widget.example.com`. */
export function qualifiedKind(info: ResourceInfo): string {
  return info.group ? `${info.kind}.${info.group}` : info.kind;
}

interface Problem {
  field: string;
  message: string;
  reason: string;
}

export function invalidObject(info: ResourceInfo, name: string, problems: Problem[]): ApiError {
  const text = problems.map((p) => `${p.field}: ${p.message}`).join(', ');
  return new ApiError(422, 'Invalid', `${qualifiedKind(info)} ${JSON.stringify(name)} is invalid: ${problems.length > 1 ? `[${text}]` : text}`, {
    name,
    group: info.group,
    kind: info.kind,
    causes: problems.map((p) => ({ reason: p.reason, message: p.message, field: p.field })),
  });
}

export function isValidName(name: unknown): name is string {
  return typeof name === 'string' && name.length <= 253 && subdomain.test(name);
}

function metadataProblems(metadata: Any): Problem[] {
  const problems: Problem[] = [];
  for (const field of ['labels', 'annotations'] as const) {
    const map = metadata[field];
    if (map === undefined || map === null) continue;
    if (!isObject(map) || !Object.values(map).every((v) => typeof v === 'string')) problems.push({ field: `metadata.${field}`, message: 'Invalid value: must be a map of strings', reason: 'FieldValueInvalid' });
  }
  if (metadata.ownerReferences !== undefined && !(Array.isArray(metadata.ownerReferences) && metadata.ownerReferences.every(isObject))) {
    problems.push({ field: 'metadata.ownerReferences', message: 'Invalid value: must be a list of owner references', reason: 'FieldValueInvalid' });
  }
  if (metadata.finalizers !== undefined && !(Array.isArray(metadata.finalizers) && metadata.finalizers.every((f: unknown) => typeof f === 'string'))) {
    problems.push({ field: 'metadata.finalizers', message: 'Invalid value: must be a list of strings', reason: 'FieldValueInvalid' });
  }
  return problems;
}

/** Checks the body's apiVersion and kind against the path, as the apiserver's decoder does. */
function checkTypeMeta(info: ResourceInfo, body: Any, servedVersions: readonly string[]): void {
  if (typeof body.kind !== 'string' || body.kind === '') throw badRequest(`Object 'Kind' is missing in '${JSON.stringify(body).slice(0, 200)}'`);
  if (typeof body.apiVersion !== 'string' || body.apiVersion === '') throw badRequest(`Object 'apiVersion' is missing in '${JSON.stringify(body).slice(0, 200)}'`);
  const expected = apiVersionOf(info);
  const sameGroup = servedVersions.some((v) => body.apiVersion === apiVersionOf({ group: info.group, version: v }));
  if (!sameGroup) throw badRequest(`the API version in the data (${body.apiVersion}) does not match the expected API version (${expected})`);
  if (body.kind !== info.kind) throw badRequest(`the kind in the data (${body.kind}) does not match the expected kind (${info.kind})`);
}

const generateSuffixChars = 'bcdfghjklmnpqrstvwxz2456789';

/** The name a create gets: metadata.name, or generateName plus five random characters as the apiserver makes them. */
function nameFor(metadata: Any): string | undefined {
  if (typeof metadata.name === 'string' && metadata.name !== '') return metadata.name;
  if (typeof metadata.generateName === 'string' && metadata.generateName !== '') {
    let suffix = '';
    for (let i = 0; i < 5; i++) suffix += generateSuffixChars[Math.floor(Math.random() * generateSuffixChars.length)];
    return `${metadata.generateName}${suffix}`;
  }
  return undefined;
}

export interface CreateContext {
  /** The namespace on the path (namespaced kinds only). */
  namespace: string | undefined;
  /** The versions of this resource's group that are served (a CRD may serve several). */
  servedVersions: readonly string[];
  now: string;
}

/**
 * The object a create stores: the client's body with the server's metadata (uid,
 * creationTimestamp, generation; resourceVersion comes from the store). Throws 400 or 422 when
 * the body is not one the server would accept. The version it is stored in is the storage one.
 */
export function prepareCreate(info: ResourceInfo, body: unknown, ctx: CreateContext): KubeObject {
  if (!isObject(body)) throw badRequest('the request body must be a JSON object');
  checkTypeMeta(info, body, ctx.servedVersions);
  const metadata = body.metadata ?? {};
  if (!isObject(metadata)) throw invalidObject(info, '', [{ field: 'metadata', message: 'Invalid value: must be an object', reason: 'FieldValueInvalid' }]);
  const name = nameFor(metadata);
  if (name === undefined) throw invalidObject(info, '', [{ field: 'metadata.name', message: 'Required value: name or generateName is required', reason: 'FieldValueRequired' }]);
  const problems: Problem[] = [];
  if (!isValidName(name)) problems.push({ field: 'metadata.name', message: `Invalid value: ${JSON.stringify(name)}: ${subdomainHint}`, reason: 'FieldValueInvalid' });
  if (info.namespaced) {
    if (metadata.namespace !== undefined && metadata.namespace !== '' && metadata.namespace !== ctx.namespace) {
      throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
  } else if (metadata.namespace !== undefined && metadata.namespace !== '') {
    problems.push({ field: 'metadata.namespace', message: 'Forbidden: not allowed on this type', reason: 'FieldValueForbidden' });
  }
  if (metadata.resourceVersion !== undefined && metadata.resourceVersion !== '') throw badRequest('resourceVersion should not be set on objects to be created');
  problems.push(...metadataProblems(metadata));
  if (problems.length > 0) throw invalidObject(info, name, problems);
  const object = structuredClone(body) as Any;
  const { uid: _uid, creationTimestamp: _created, deletionTimestamp: _deleted, deletionGracePeriodSeconds: _grace, managedFields: _managed, selfLink: _self, generateName, ...rest } = metadata;
  object.metadata = {
    ...rest,
    name,
    ...(generateName ? { generateName } : {}),
    ...(info.namespaced ? { namespace: ctx.namespace } : {}),
    uid: randomUUID(),
    resourceVersion: '',
    generation: 1,
    creationTimestamp: ctx.now,
  };
  decodeAsTyped(info, object);
  if (info.custom) object.apiVersion = apiVersionOf({ group: info.group, version: info.custom.storageVersion });
  // With a status subresource, status is the controller's to write (through /status), never the creator's.
  if (info.custom?.statusSubresource) delete object.status;
  if (!info.group && info.kind === 'Namespace') {
    // What the apiserver and the namespace controller give every new namespace.
    object.metadata.labels = { ...(object.metadata.labels ?? {}), 'kubernetes.io/metadata.name': name };
    object.spec = { finalizers: ['kubernetes'] };
    object.status = { phase: 'Active' };
  }
  return object as KubeObject;
}

/**
 * The object an update (PUT, or a patch's result) stores: the proposed object with the server's
 * metadata kept, the generation bumped when anything but metadata and status changed. Throws 400
 * for a body that names another object, 409 for a stale resourceVersion, 422 for bad metadata.
 */
export function prepareUpdate(info: ResourceInfo, current: KubeObject, proposed: unknown, servedVersions: readonly string[]): KubeObject {
  if (!isObject(proposed)) throw badRequest('the request body must be a JSON object');
  const body: Any = { ...proposed, kind: proposed.kind ?? current.kind, apiVersion: proposed.apiVersion ?? current.apiVersion };
  checkTypeMeta(info, body, servedVersions);
  const metadata = body.metadata ?? {};
  if (!isObject(metadata)) throw invalidObject(info, current.metadata.name, [{ field: 'metadata', message: 'Invalid value: must be an object', reason: 'FieldValueInvalid' }]);
  if (metadata.name !== undefined && metadata.name !== current.metadata.name) {
    throw badRequest(`the name of the object (${String(metadata.name)}) does not match the name on the URL (${current.metadata.name})`);
  }
  if (info.namespaced && metadata.namespace !== undefined && metadata.namespace !== current.metadata.namespace) {
    throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
  }
  const problems = metadataProblems(metadata);
  if (problems.length > 0) throw invalidObject(info, current.metadata.name, problems);
  const next = structuredClone(body) as Any;
  decodeAsTyped(info, next);
  next.apiVersion = current.apiVersion;
  next.metadata = {
    ...metadata,
    name: current.metadata.name,
    ...(current.metadata.namespace !== undefined ? { namespace: current.metadata.namespace } : {}),
    uid: current.metadata.uid,
    creationTimestamp: current.metadata.creationTimestamp,
    resourceVersion: current.metadata.resourceVersion,
    generation: current.metadata.generation ?? 1,
  };
  delete next.metadata.managedFields;
  // With a status subresource, a write to the object leaves its status as it was.
  if (info.custom?.statusSubresource) {
    if (current.status === undefined) delete next.status;
    else next.status = structuredClone(current.status);
  }
  if (current.metadata.deletionTimestamp !== undefined) next.metadata.deletionTimestamp = current.metadata.deletionTimestamp;
  else delete next.metadata.deletionTimestamp;
  const contentOf = (o: Any): string => JSON.stringify(Object.fromEntries(Object.entries(o).filter(([k]) => !['metadata', 'status', 'apiVersion', 'kind'].includes(k))));
  if (contentOf(next) !== contentOf(current)) next.metadata.generation = Number(current.metadata.generation ?? 1) + 1;
  return next as KubeObject;
}

/** The object as a client of `info`'s version sees it: a custom resource stored in another version has its apiVersion changed (conversion strategy None). */
export function presentAs(info: ResourceInfo): (o: KubeObject) => KubeObject {
  const apiVersion = apiVersionOf(info);
  return (o) => (o.apiVersion === apiVersion || !info.custom ? o : { ...o, apiVersion });
}

/**
 * A write through `/status`: the stored object with only the proposed status taken (and, as on a
 * real server, labels and annotations left as they were); identity and preconditions are checked
 * as for any update.
 */
export function prepareStatusUpdate(info: ResourceInfo, current: KubeObject, proposed: unknown, servedVersions: readonly string[]): KubeObject {
  if (!isObject(proposed)) throw badRequest('the request body must be a JSON object');
  prepareUpdate(info, current, proposed, servedVersions); // identity, preconditions and metadata, as for any write
  const next = structuredClone(current) as Any;
  if (proposed.status === undefined || proposed.status === null) delete next.status;
  else next.status = structuredClone(proposed.status);
  return next as KubeObject;
}
