/**
 * The JSON types of the fields of built-in kinds that kube-apiserver's typed decoder would
 * enforce, for the kinds clients may create here. A real server refuses a body whose `spec.ports`
 * is a string before it validates anything ("cannot unmarshal string into Go struct field"), and
 * stores a typed object, so `spec` is always an object and a list is always a list. Checking the
 * same here keeps what printers and the simulation's controllers read in the shapes they expect,
 * whatever a client sends. Custom resources have no such types (they have no schema here).
 */
import type { ResourceInfo } from './resources.js';
import { badRequest } from './status.js';

type Shape = 'object' | 'array' | 'string' | 'number' | 'boolean' | 'stringMap' | 'intOrString';

/** Paths are dotted; `[]` stands for every element of a list. */
const objectsOf = (paths: string[]): Record<string, Shape> => Object.fromEntries(paths.map((p) => [p, 'object' as Shape]));

const selector: Record<string, Shape> = { 'spec.selector': 'object', 'spec.selector.matchLabels': 'stringMap', 'spec.selector.matchExpressions': 'array' };

const shapesByKind: Record<string, Record<string, Shape>> = {
  ConfigMap: { data: 'stringMap', binaryData: 'stringMap' },
  Secret: { data: 'stringMap', stringData: 'stringMap', type: 'string' },
  Service: {
    ...objectsOf(['spec', 'status', 'spec.ports[]', 'status.loadBalancer']),
    'spec.selector': 'stringMap',
    'spec.ports': 'array',
    'spec.ports[].port': 'number',
    'spec.ports[].nodePort': 'number',
    'spec.ports[].targetPort': 'intOrString',
    'spec.ports[].protocol': 'string',
    'spec.ports[].name': 'string',
    'spec.type': 'string',
    'spec.clusterIP': 'string',
    'spec.externalIPs': 'array',
    'spec.externalName': 'string',
    'status.loadBalancer.ingress': 'array',
  },
  Endpoints: { subsets: 'array', 'subsets[]': 'object', 'subsets[].addresses': 'array', 'subsets[].addresses[]': 'object', 'subsets[].addresses[].ip': 'string', 'subsets[].notReadyAddresses': 'array', 'subsets[].ports': 'array', 'subsets[].ports[]': 'object' },
  EndpointSlice: { endpoints: 'array', 'endpoints[]': 'object', 'endpoints[].addresses': 'array', 'endpoints[].conditions': 'object', ports: 'array', 'ports[]': 'object', addressType: 'string' },
  Ingress: { ...objectsOf(['spec', 'status', 'spec.rules[]', 'spec.rules[].http', 'spec.defaultBackend']), 'spec.rules': 'array', 'spec.rules[].host': 'string', 'spec.rules[].http.paths': 'array', 'spec.tls': 'array', 'spec.ingressClassName': 'string', 'status.loadBalancer': 'object' },
  NetworkPolicy: { ...objectsOf(['spec', 'spec.podSelector']), 'spec.podSelector.matchLabels': 'stringMap', 'spec.policyTypes': 'array', 'spec.ingress': 'array', 'spec.egress': 'array' },
  IngressClass: { spec: 'object', 'spec.controller': 'string' },
  ServiceAccount: { secrets: 'array', imagePullSecrets: 'array' },
  Role: { rules: 'array', 'rules[]': 'object', 'rules[].verbs': 'array', 'rules[].resources': 'array', 'rules[].apiGroups': 'array' },
  ClusterRole: { rules: 'array', 'rules[]': 'object', 'rules[].verbs': 'array', 'rules[].resources': 'array', 'rules[].apiGroups': 'array', aggregationRule: 'object' },
  RoleBinding: { subjects: 'array', 'subjects[]': 'object', roleRef: 'object', 'roleRef.kind': 'string', 'roleRef.name': 'string' },
  ClusterRoleBinding: { subjects: 'array', 'subjects[]': 'object', roleRef: 'object', 'roleRef.kind': 'string', 'roleRef.name': 'string' },
  PersistentVolumeClaim: { ...objectsOf(['spec', 'status', 'spec.resources']), 'spec.accessModes': 'array', 'spec.resources.requests': 'stringMap', 'spec.storageClassName': 'string', 'spec.volumeName': 'string', 'status.phase': 'string', 'status.capacity': 'stringMap', 'status.accessModes': 'array' },
  PersistentVolume: { ...objectsOf(['spec', 'status', 'spec.claimRef']), 'spec.capacity': 'stringMap', 'spec.accessModes': 'array', 'spec.storageClassName': 'string', 'spec.persistentVolumeReclaimPolicy': 'string', 'status.phase': 'string' },
  StorageClass: { provisioner: 'string', parameters: 'stringMap', reclaimPolicy: 'string', volumeBindingMode: 'string', allowVolumeExpansion: 'boolean' },
  HorizontalPodAutoscaler: { ...objectsOf(['spec', 'status', 'spec.scaleTargetRef']), 'spec.minReplicas': 'number', 'spec.maxReplicas': 'number', 'spec.metrics': 'array', 'spec.metrics[]': 'object', 'status.currentReplicas': 'number', 'status.desiredReplicas': 'number', 'status.currentMetrics': 'array', 'status.conditions': 'array' },
  ResourceQuota: { ...objectsOf(['spec', 'status']), 'spec.hard': 'stringMap', 'status.hard': 'stringMap', 'status.used': 'stringMap' },
  LimitRange: { spec: 'object', 'spec.limits': 'array', 'spec.limits[]': 'object' },
  PodDisruptionBudget: { ...objectsOf(['spec', 'status']), ...selector, 'spec.minAvailable': 'intOrString', 'spec.maxUnavailable': 'intOrString', 'status.currentHealthy': 'number', 'status.desiredHealthy': 'number', 'status.disruptionsAllowed': 'number', 'status.expectedPods': 'number' },
  PriorityClass: { value: 'number', globalDefault: 'boolean', description: 'string', preemptionPolicy: 'string' },
  ValidatingWebhookConfiguration: { webhooks: 'array', 'webhooks[]': 'object', 'webhooks[].rules': 'array', 'webhooks[].clientConfig': 'object' },
  MutatingWebhookConfiguration: { webhooks: 'array', 'webhooks[]': 'object', 'webhooks[].rules': 'array', 'webhooks[].clientConfig': 'object' },
  Namespace: { spec: 'object', status: 'object', 'spec.finalizers': 'array' },
};

const goType: Record<Shape, string> = {
  object: 'struct',
  array: 'slice',
  string: 'string',
  number: 'number',
  boolean: 'bool',
  stringMap: 'map[string]string',
  intOrString: 'intstr.IntOrString',
};

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

function fits(shape: Shape, value: unknown): boolean {
  switch (shape) {
    case 'object':
      return isObject(value);
    case 'array':
      return Array.isArray(value);
    case 'string':
      return typeof value === 'string';
    case 'number':
      return typeof value === 'number';
    case 'boolean':
      return typeof value === 'boolean';
    case 'stringMap':
      return isObject(value) && Object.values(value).every((v) => typeof v === 'string');
    case 'intOrString':
      return typeof value === 'string' || (typeof value === 'number' && Number.isInteger(value));
  }
}

const describe = (v: unknown): string => (Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v);

/**
 * The object as a typed decoder would leave it: a `null` at a typed path is dropped (the zero
 * value, which Kubernetes does not print), and the top-level `spec` of a kind that has one is an
 * object. Throws 400 BadRequest, in the decoder's words, for a value of the wrong JSON type.
 */
export function decodeAsTyped(info: ResourceInfo, object: Record<string, unknown>): void {
  const shapes = info.custom ? undefined : shapesByKind[info.kind];
  if (!shapes) return;
  const check = (path: string, value: unknown): void => {
    const shape = shapes[path];
    if (shape === undefined || value === undefined || value === null) return;
    if (!fits(shape, value)) {
      throw badRequest(`${info.kind} in version "${info.version}" cannot be handled as a ${info.kind}: json: cannot unmarshal ${describe(value)} into Go struct field ${info.kind}.${path} of type ${goType[shape]}`);
    }
  };
  // Shorter paths first, so a parent is known to be the right type before its fields are read.
  for (const path of Object.keys(shapes).sort((a, b) => a.split('.').length - b.split('.').length)) {
    const parts = path.split('.');
    if (!path.endsWith('[]')) {
      const parent = parts.slice(0, -1);
      const last = parts[parts.length - 1] as string;
      const owners = collect(object, parent);
      for (const owner of owners) {
        if (!isObject(owner)) continue;
        if (owner[last] === null) delete owner[last];
        else check(path, owner[last]);
      }
    } else {
      const last = parts[parts.length - 1] as string;
      for (const list of collect(object, [...parts.slice(0, -1), last.slice(0, -2)])) {
        if (!Array.isArray(list)) continue;
        // A null element decodes as the zero value: an empty object, for a list of objects.
        list.forEach((element, i) => {
          if (element === null && shapes[path] === 'object') list[i] = {};
          else check(path, element);
        });
      }
    }
  }
  if (shapes.spec === 'object' && object.spec === undefined) object.spec = {};
}

/** The values a dotted path with `[]` steps reaches in `root`. */
function collect(root: unknown, parts: string[]): unknown[] {
  let current: unknown[] = [root];
  for (const part of parts) {
    const each = part.endsWith('[]');
    const key = each ? part.slice(0, -2) : part;
    const next: unknown[] = [];
    for (const value of current) {
      if (!isObject(value)) continue;
      const child = value[key];
      if (child === undefined || child === null) continue;
      if (each) {
        if (Array.isArray(child)) next.push(...child);
      } else next.push(child);
    }
    current = next;
  }
  return current;
}
