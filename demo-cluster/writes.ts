/**
 * What a client may change, and the checks that keep the demo cluster's state sound whatever a
 * client sends. A write is accepted only if every difference from the stored object lies in a
 * field the demo lets clients change, with a value of the right type; `status` in a body is
 * ignored (as on a real server, status has its own subresource). Anything else is 422 Invalid,
 * naming the field.
 */
import { invalid } from './status.js';
import type { KubeObject } from './store.js';

type Json = unknown;

interface Rule {
  path: string[];
  check: (value: Json) => string | undefined;
}

const isStringMap = (v: Json): string | undefined =>
  v === undefined || (v !== null && typeof v === 'object' && !Array.isArray(v) && Object.values(v as object).every((x) => typeof x === 'string'))
    ? undefined
    : 'must be a map of strings';

const isBoolean = (v: Json): string | undefined => (v === undefined || typeof v === 'boolean' ? undefined : 'must be a boolean');

const taintEffects = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];
const isTaints = (v: Json): string | undefined => {
  if (v === undefined) return undefined;
  if (!Array.isArray(v)) return 'must be a list of taints';
  for (const t of v) {
    if (t === null || typeof t !== 'object' || Array.isArray(t)) return 'each taint must be an object';
    const { key, value, effect, timeAdded, ...rest } = t as Record<string, unknown>;
    if (typeof key !== 'string' || key === '' || key.length > 253) return 'each taint needs a non-empty string key';
    if (value !== undefined && typeof value !== 'string') return 'a taint value must be a string';
    if (typeof effect !== 'string' || !taintEffects.includes(effect)) return `a taint effect must be one of ${taintEffects.join(', ')}`;
    if (timeAdded !== undefined && timeAdded !== null && typeof timeAdded !== 'string') return 'timeAdded must be a timestamp';
    if (Object.keys(rest).length > 0) return `unknown taint field(s): ${Object.keys(rest).join(', ')}`;
  }
  return undefined;
};

/** Deployments clients may create: with maxReplicas each, at most the demo's 100,000 pods. */
export const maxClientDeployments = 100;

/** Most replicas a client may ask for: the demo should survive a typo of one extra zero. */
export const maxReplicas = 1000;
export const isReplicas = (v: Json): string | undefined =>
  typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= maxReplicas ? undefined : `must be a whole number from 0 to ${maxReplicas}`;

const metadataRules: Rule[] = [
  { path: ['metadata', 'labels'], check: isStringMap },
  { path: ['metadata', 'annotations'], check: isStringMap },
];

const rulesByKind: Record<string, Rule[]> = {
  Node: [...metadataRules, { path: ['spec', 'unschedulable'], check: isBoolean }, { path: ['spec', 'taints'], check: isTaints }],
  Deployment: [
    ...metadataRules,
    { path: ['spec', 'replicas'], check: isReplicas },
    { path: ['spec', 'paused'], check: isBoolean },
    { path: ['spec', 'template', 'metadata', 'annotations'], check: isStringMap },
  ],
  // Replicas and the template's annotations: `kubectl scale` and `kubectl rollout restart`.
  StatefulSet: [...metadataRules, { path: ['spec', 'replicas'], check: isReplicas }, { path: ['spec', 'template', 'metadata', 'annotations'], check: isStringMap }],
  DaemonSet: [...metadataRules, { path: ['spec', 'template', 'metadata', 'annotations'], check: isStringMap }],
  // Suspend and resume: `kubectl patch cronjob -p '{"spec":{"suspend":true}}'`.
  CronJob: [...metadataRules, { path: ['spec', 'suspend'], check: isBoolean }],
};

/** Fields that are never compared: the server owns them (or, for status, ignores the client's). */
const ignored = new Set(['metadata.resourceVersion', 'metadata.managedFields', 'metadata.generation', 'status']);

function get(o: Json, path: string[]): Json {
  let at = o;
  for (const p of path) {
    if (at === null || typeof at !== 'object') return undefined;
    at = (at as Record<string, Json>)[p];
  }
  return at;
}

function set(o: Record<string, Json>, path: string[], value: Json): void {
  let at = o;
  for (const p of path.slice(0, -1)) {
    const next = at[p];
    if (next === null || typeof next !== 'object' || Array.isArray(next)) at[p] = {};
    at = at[p] as Record<string, Json>;
  }
  const last = path[path.length - 1] as string;
  if (value === undefined) delete at[last];
  else at[last] = value;
}

/** The first path where two JSON values differ, or undefined when they are equal (key order aside). */
function firstDifference(a: Json, b: Json, path: string[] = []): string | undefined {
  if (ignored.has(path.join('.'))) return undefined;
  if (a === b) return undefined;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object' || Array.isArray(a) !== Array.isArray(b)) return path.join('.') || '<root>';
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return path.join('.');
    for (let i = 0; i < a.length; i++) {
      const d = firstDifference(a[i], b[i], [...path, String(i)]);
      if (d) return d;
    }
    return undefined;
  }
  const ao = a as Record<string, Json>;
  const bo = b as Record<string, Json>;
  for (const key of new Set([...Object.keys(ao), ...Object.keys(bo)])) {
    const d = firstDifference(ao[key], bo[key], [...path, key]);
    if (d) return d;
  }
  return undefined;
}

/**
 * Returns the object to store: the stored one with the client's permitted changes applied.
 * Throws 422 Invalid when the client changed anything else or sent a value of the wrong type.
 */
export function checkedUpdate(stored: KubeObject, proposed: Json): KubeObject {
  const kind = stored.kind;
  const name = stored.metadata.name;
  if (proposed === null || typeof proposed !== 'object' || Array.isArray(proposed)) throw invalid(kind, name, [{ field: '<root>', message: 'must be an object' }]);
  const rules = rulesByKind[kind] ?? metadataRules;
  const next = structuredClone(stored) as unknown as Record<string, Json>;
  const problems: { field: string; message: string }[] = [];
  for (const rule of rules) {
    const value = get(proposed, rule.path);
    const problem = rule.check(value);
    if (problem) problems.push({ field: rule.path.join('.'), message: problem });
    else set(next, rule.path, structuredClone(value));
  }
  if (problems.length > 0) throw invalid(kind, name, problems);
  const difference = firstDifference(next, proposed);
  if (difference) {
    throw invalid(kind, name, [{ field: difference, message: `may not be changed on the demo cluster (changeable: ${rules.map((r) => r.path.join('.')).join(', ')})` }]);
  }
  return next as unknown as KubeObject;
}

// ---- a Deployment a client creates ---------------------------------------------------------------

const dnsLabel = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const isObject = (v: Json): v is Record<string, Json> => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * The Deployment a create stores, checked as the apps/v1 validation checks it where the demo's
 * controllers depend on it (a selector of matchLabels that the template's labels match, at least
 * one container with a name and an image) and defaulted as the API server defaults it (one
 * replica, RollingUpdate at 25 % / 25 %, ten old ReplicaSets kept, a 600 s progress deadline; the
 * pod template's restart policy, grace period, DNS policy and scheduler). Status is the
 * controller's: a client's is dropped. Throws 422 Invalid naming each bad field.
 */
export function checkedDeploymentCreate(object: KubeObject): KubeObject {
  const name = object.metadata.name;
  const problems: { field: string; message: string }[] = [];
  const spec = object.spec;
  if (!isObject(spec)) throw invalid('Deployment.apps', name, [{ field: 'spec', message: 'Required value' }]);
  if (spec.replicas !== undefined) {
    const problem = isReplicas(spec.replicas);
    if (problem) problems.push({ field: 'spec.replicas', message: `Invalid value: ${JSON.stringify(spec.replicas)}: ${problem}` });
  }
  const selector = spec.selector;
  const matchLabels = isObject(selector) ? selector.matchLabels : undefined;
  if (!isObject(selector)) problems.push({ field: 'spec.selector', message: 'Required value' });
  else if (selector.matchExpressions !== undefined) problems.push({ field: 'spec.selector.matchExpressions', message: 'Unsupported value: the demo cluster selects by matchLabels only' });
  if (isObject(selector) && (!isObject(matchLabels) || Object.keys(matchLabels).length === 0 || isStringMap(matchLabels) !== undefined)) {
    problems.push({ field: 'spec.selector.matchLabels', message: 'Required value: a non-empty map of strings' });
  }
  const template = spec.template;
  const labels = isObject(template) && isObject(template.metadata) ? template.metadata.labels : undefined;
  if (!isObject(labels) || isStringMap(labels) !== undefined) problems.push({ field: 'spec.template.metadata.labels', message: 'Required value: a map of strings' });
  else if (isObject(matchLabels) && Object.entries(matchLabels).some(([k, v]) => labels[k] !== v)) {
    problems.push({ field: 'spec.template.metadata.labels', message: `Invalid value: ${JSON.stringify(labels)}: \`selector\` does not match template \`labels\`` });
  }
  const podSpec = isObject(template) ? template.spec : undefined;
  const containers = isObject(podSpec) ? podSpec.containers : undefined;
  if (!Array.isArray(containers) || containers.length === 0) problems.push({ field: 'spec.template.spec.containers', message: 'Required value' });
  else {
    const seen = new Set<string>();
    containers.forEach((c, i) => {
      const at = `spec.template.spec.containers[${i}]`;
      if (!isObject(c)) return problems.push({ field: at, message: 'Invalid value: must be an object' });
      if (typeof c.name !== 'string' || !dnsLabel.test(c.name) || c.name.length > 63) problems.push({ field: `${at}.name`, message: `Invalid value: ${JSON.stringify(c.name)}: must be a DNS label` });
      else if (seen.has(c.name)) problems.push({ field: `${at}.name`, message: `Duplicate value: ${JSON.stringify(c.name)}` });
      else seen.add(c.name);
      if (typeof c.image !== 'string' || c.image.trim() === '') problems.push({ field: `${at}.image`, message: 'Required value' });
      return undefined;
    });
  }
  if (problems.length > 0) throw invalid('Deployment.apps', name, problems);

  const next = structuredClone(object) as unknown as { spec: Record<string, any>; status?: unknown };
  const s = next.spec;
  s.replicas ??= 1;
  s.strategy ??= { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } };
  s.revisionHistoryLimit ??= 10;
  s.progressDeadlineSeconds ??= 600;
  const pod = s.template.spec as Record<string, any>;
  pod.restartPolicy ??= 'Always';
  pod.terminationGracePeriodSeconds ??= 30;
  pod.dnsPolicy ??= 'ClusterFirst';
  pod.schedulerName ??= 'default-scheduler';
  pod.securityContext ??= {};
  for (const c of pod.containers as Record<string, any>[]) {
    c.imagePullPolicy ??= String(c.image).endsWith(':latest') || !String(c.image).includes(':') ? 'Always' : 'IfNotPresent';
    c.terminationMessagePath ??= '/dev/termination-log';
    c.terminationMessagePolicy ??= 'File';
    c.resources ??= {};
  }
  next.status = {};
  return next as unknown as KubeObject;
}
