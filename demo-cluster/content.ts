/**
 * Builders for the objects around the workloads: Services and their EndpointSlices and
 * Endpoints, config, RBAC, storage, autoscaling, quotas, admission and example CRDs. Each is
 * shaped like what a v1.31 cluster returns, with only the fields the demo can keep true. Pure:
 * the seeder (contentSeed.ts) decides what to build, the controllers (endpointsController.ts,
 * contentChurn.ts) keep it moving.
 */
import type { KubeObject, ObjectMeta } from './store.js';
import { isPodReady } from './workloadStatus.js';

export type Labels = Record<string, string>;

const isTerminating = (pod: KubeObject): boolean => pod.metadata.deletionTimestamp !== undefined;

export function meta(name: string, uid: string, created: string, namespace?: string, extra: Partial<ObjectMeta> = {}): ObjectMeta {
  return { name, ...(namespace ? { namespace } : {}), uid, resourceVersion: '', creationTimestamp: created, ...extra };
}

/** Equal as the API would serialise them: how controllers tell a write that changes nothing. */
export function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

export const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');

// --- network -------------------------------------------------------------------------------

export interface ServicePort {
  name: string;
  port: number;
  targetPort: number;
  protocol?: 'TCP' | 'UDP';
}

export interface ServiceShape {
  name: string;
  namespace: string;
  uid: string;
  created: string;
  selector: Labels;
  /** `None` makes a headless service. */
  clusterIP: string;
  ports: ServicePort[];
  type?: 'ClusterIP' | 'NodePort' | 'LoadBalancer';
  labels?: Labels;
  /** For LoadBalancer services: the address the cloud gave. */
  loadBalancerIP?: string;
}

export function makeService(s: ServiceShape): KubeObject {
  const type = s.type ?? 'ClusterIP';
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: meta(s.name, s.uid, s.created, s.namespace, { labels: s.labels ?? { app: s.name } }),
    spec: {
      type,
      selector: s.selector,
      clusterIP: s.clusterIP,
      clusterIPs: [s.clusterIP],
      ipFamilies: ['IPv4'],
      ipFamilyPolicy: 'SingleStack',
      internalTrafficPolicy: 'Cluster',
      sessionAffinity: 'None',
      ports: s.ports.map((p, i) => ({
        name: p.name,
        protocol: p.protocol ?? 'TCP',
        port: p.port,
        targetPort: p.targetPort,
        ...(type !== 'ClusterIP' ? { nodePort: 30000 + ((p.port * 7 + i * 13 + s.name.length * 31) % 2768) } : {}),
      })),
      ...(type !== 'ClusterIP' ? { externalTrafficPolicy: 'Cluster' } : {}),
    },
    status: { loadBalancer: s.loadBalancerIP ? { ingress: [{ ip: s.loadBalancerIP, ipMode: 'VIP' }] } : {} },
  };
}

/** What the EndpointSlice controller says about one pod: its address and whether it takes traffic. */
export function endpointOf(pod: KubeObject): object | undefined {
  const status = pod.status as { podIP?: string } | undefined;
  if (!status?.podIP) return undefined;
  const ready = isPodReady(pod);
  const terminating = isTerminating(pod);
  const spec = pod.spec as { nodeName?: string };
  return {
    addresses: [status.podIP],
    conditions: { ready: ready && !terminating, serving: ready, terminating },
    ...(spec.nodeName ? { nodeName: spec.nodeName } : {}),
    targetRef: { kind: 'Pod', namespace: pod.metadata.namespace, name: pod.metadata.name, uid: pod.metadata.uid },
  };
}

/** Endpoints in a stable order (by pod name), so a recomputation that changes nothing writes nothing. */
export function endpointsOfPods(pods: Iterable<KubeObject>): object[] {
  const endpoints: { name: string; endpoint: object }[] = [];
  for (const pod of pods) {
    const e = endpointOf(pod);
    if (e) endpoints.push({ name: pod.metadata.name, endpoint: e });
  }
  return endpoints.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)).map((e) => e.endpoint);
}

export function servicePortsOf(service: KubeObject): ServicePort[] {
  return ((service.spec as { ports?: ServicePort[] }).ports ?? []) as ServicePort[];
}

/** The EndpointSlice controller's default `--max-endpoints-per-slice`. */
export const maxEndpointsPerSlice = 100;

/** One of a Service's EndpointSlices. */
export function makeEndpointSlice(service: KubeObject, name: string, uid: string, created: string, endpoints: object[]): KubeObject {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: meta(name, uid, created, service.metadata.namespace, {
      generateName: `${service.metadata.name}-`,
      labels: { 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io', 'kubernetes.io/service-name': service.metadata.name },
      ownerReferences: [{ apiVersion: 'v1', kind: 'Service', name: service.metadata.name, uid: service.metadata.uid, controller: true, blockOwnerDeletion: true }],
    }),
    addressType: 'IPv4',
    endpoints,
    ports: servicePortsOf(service).map((p) => ({ name: p.name, port: p.targetPort, protocol: p.protocol ?? 'TCP' })),
  };
}

/** The legacy Endpoints object: ready addresses apart from the others, as the endpoints controller writes them. */
export function makeEndpoints(service: KubeObject, uid: string, created: string, endpoints: object[]): KubeObject {
  const toAddress = (e: EndpointLike): object => ({ ip: e.addresses[0], ...(e.nodeName ? { nodeName: e.nodeName } : {}), targetRef: e.targetRef });
  const all = endpoints as EndpointLike[];
  const ready = all.filter((e) => e.conditions.ready).map(toAddress);
  const notReady = all.filter((e) => !e.conditions.ready && !e.conditions.terminating).map(toAddress);
  const subset = { ...(ready.length > 0 ? { addresses: ready } : {}), ...(notReady.length > 0 ? { notReadyAddresses: notReady } : {}), ports: servicePortsOf(service).map((p) => ({ name: p.name, port: p.targetPort, protocol: p.protocol ?? 'TCP' })) };
  return {
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: meta(service.metadata.name, uid, created, service.metadata.namespace, { labels: { ...(service.metadata.labels ?? {}) } }),
    ...(ready.length + notReady.length > 0 ? { subsets: [subset] } : {}),
  };
}

interface EndpointLike {
  addresses: string[];
  conditions: { ready: boolean; serving: boolean; terminating: boolean };
  nodeName?: string;
  targetRef: object;
}

export function makeIngress(service: KubeObject, uid: string, created: string, host: string, tlsSecret: string | undefined, address: string): KubeObject {
  const port = servicePortsOf(service)[0];
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: meta(service.metadata.name, uid, created, service.metadata.namespace, { labels: { app: service.metadata.name }, annotations: { 'nginx.ingress.kubernetes.io/proxy-body-size': '8m' } }),
    spec: {
      ingressClassName: 'nginx',
      rules: [{ host, http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: service.metadata.name, port: { name: port?.name ?? 'http' } } } }] } }],
      ...(tlsSecret ? { tls: [{ hosts: [host], secretName: tlsSecret }] } : {}),
    },
    status: { loadBalancer: { ingress: [{ ip: address }] } },
  };
}

export function makeIngressClass(uid: string, created: string): KubeObject {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'IngressClass',
    metadata: meta('nginx', uid, created, undefined, { labels: { 'app.kubernetes.io/name': 'ingress-nginx' }, annotations: { 'ingressclass.kubernetes.io/is-default-class': 'true' } }),
    spec: { controller: 'k8s.io/ingress-nginx' },
  };
}

export function makeNetworkPolicy(namespace: string, name: string, uid: string, created: string, podSelector: Labels, allowFrom?: Labels): KubeObject {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: meta(name, uid, created, namespace),
    spec: {
      podSelector: Object.keys(podSelector).length > 0 ? { matchLabels: podSelector } : {},
      policyTypes: ['Ingress'],
      ...(allowFrom ? { ingress: [{ from: [{ podSelector: { matchLabels: allowFrom } }] }] } : {}),
    },
  };
}

// --- config --------------------------------------------------------------------------------

export function makeConfigMap(namespace: string, name: string, uid: string, created: string, data: Record<string, string>, labels?: Labels): KubeObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: meta(name, uid, created, namespace, labels ? { labels } : {}), data };
}

/** A Secret; `data` values are given in clear and stored base64-encoded, as the API returns them. */
export function makeSecret(namespace: string, name: string, uid: string, created: string, type: string, data: Record<string, string>, extra: Partial<ObjectMeta> = {}): KubeObject {
  const encoded: Record<string, string> = {};
  for (const [k, v] of Object.entries(data)) encoded[k] = b64(v);
  return { apiVersion: 'v1', kind: 'Secret', metadata: meta(name, uid, created, namespace, extra), type, data: encoded };
}

export function makeServiceAccount(namespace: string, name: string, uid: string, created: string, secrets: string[] = []): KubeObject {
  return { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta(name, uid, created, namespace), ...(secrets.length > 0 ? { secrets: secrets.map((s) => ({ name: s })) } : {}) };
}

// --- RBAC ----------------------------------------------------------------------------------

export interface Rule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames?: string[];
}

export function makeRole(namespace: string | undefined, name: string, uid: string, created: string, rules: Rule[], labels?: Labels): KubeObject {
  return { apiVersion: 'rbac.authorization.k8s.io/v1', kind: namespace ? 'Role' : 'ClusterRole', metadata: meta(name, uid, created, namespace, labels ? { labels } : {}), rules };
}

export interface Subject {
  kind: 'User' | 'Group' | 'ServiceAccount';
  name: string;
  namespace?: string;
}

export function makeBinding(namespace: string | undefined, name: string, uid: string, created: string, role: { kind: 'Role' | 'ClusterRole'; name: string }, subjects: Subject[]): KubeObject {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: namespace ? 'RoleBinding' : 'ClusterRoleBinding',
    metadata: meta(name, uid, created, namespace),
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: role.kind, name: role.name },
    subjects: subjects.map((s) => (s.kind === 'ServiceAccount' ? s : { apiGroup: 'rbac.authorization.k8s.io', ...s })),
  };
}

// --- storage -------------------------------------------------------------------------------

export function makeStorageClass(name: string, uid: string, created: string, provisioner: string, options: { isDefault?: boolean; reclaimPolicy?: 'Delete' | 'Retain'; bindingMode?: 'Immediate' | 'WaitForFirstConsumer'; expandable?: boolean }): KubeObject {
  return {
    apiVersion: 'storage.k8s.io/v1',
    kind: 'StorageClass',
    metadata: meta(name, uid, created, undefined, options.isDefault ? { annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } } : {}),
    provisioner,
    reclaimPolicy: options.reclaimPolicy ?? 'Delete',
    volumeBindingMode: options.bindingMode ?? 'Immediate',
    ...(options.expandable ? { allowVolumeExpansion: true } : {}),
  };
}

export interface ClaimShape {
  namespace: string;
  name: string;
  uid: string;
  created: string;
  storageClass: string;
  size: string;
  labels?: Labels;
}

/** A claim and the volume provisioned for it, bound to each other as the PV controller leaves them. */
export function makeBoundClaim(c: ClaimShape, volumeUid: string, provisioner: string): { claim: KubeObject; volume: KubeObject } {
  const volumeName = `pvc-${c.uid}`;
  const claim: KubeObject = {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: meta(c.name, c.uid, c.created, c.namespace, {
      ...(c.labels ? { labels: c.labels } : {}),
      annotations: { 'pv.kubernetes.io/bind-completed': 'yes', 'pv.kubernetes.io/bound-by-controller': 'yes', 'volume.kubernetes.io/storage-provisioner': provisioner },
      finalizers: ['kubernetes.io/pvc-protection'],
    }),
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: c.size } }, storageClassName: c.storageClass, volumeMode: 'Filesystem', volumeName },
    status: { phase: 'Bound', accessModes: ['ReadWriteOnce'], capacity: { storage: c.size } },
  };
  const volume: KubeObject = {
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: meta(volumeName, volumeUid, c.created, undefined, { annotations: { 'pv.kubernetes.io/provisioned-by': provisioner }, finalizers: ['kubernetes.io/pv-protection'] }),
    spec: {
      accessModes: ['ReadWriteOnce'],
      capacity: { storage: c.size },
      claimRef: { apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace: c.namespace, name: c.name, uid: c.uid },
      persistentVolumeReclaimPolicy: 'Delete',
      storageClassName: c.storageClass,
      volumeMode: 'Filesystem',
      csi: { driver: provisioner, volumeHandle: `vol-${volumeUid.slice(0, 8)}`, fsType: 'ext4' },
    },
    status: { phase: 'Bound', lastPhaseTransitionTime: c.created },
  };
  return { claim, volume };
}

/** A claim nobody has provisioned for yet (its class waits for a consumer). */
export function makePendingClaim(c: ClaimShape): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: meta(c.name, c.uid, c.created, c.namespace, { ...(c.labels ? { labels: c.labels } : {}), finalizers: ['kubernetes.io/pvc-protection'] }),
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: c.size } }, storageClassName: c.storageClass, volumeMode: 'Filesystem' },
    status: { phase: 'Pending' },
  };
}

/** A volume an administrator made by hand, waiting for a claim. */
export function makeAvailableVolume(name: string, uid: string, created: string, size: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: meta(name, uid, created, undefined, { labels: { type: 'nfs' }, finalizers: ['kubernetes.io/pv-protection'] }),
    spec: { accessModes: ['ReadWriteMany', 'ReadOnlyMany'], capacity: { storage: size }, persistentVolumeReclaimPolicy: 'Retain', volumeMode: 'Filesystem', nfs: { server: '10.0.0.250', path: `/exports/${name}` } },
    status: { phase: 'Available', lastPhaseTransitionTime: created },
  };
}

// --- quotas and autoscaling ----------------------------------------------------------------

export function makeResourceQuota(namespace: string, uid: string, created: string, hard: Record<string, string>, used: Record<string, string>): KubeObject {
  return { apiVersion: 'v1', kind: 'ResourceQuota', metadata: meta('compute-quota', uid, created, namespace), spec: { hard }, status: { hard, used } };
}

export function makeLimitRange(namespace: string, uid: string, created: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'LimitRange',
    metadata: meta('default-limits', uid, created, namespace),
    spec: { limits: [{ type: 'Container', default: { cpu: '500m', memory: '512Mi' }, defaultRequest: { cpu: '100m', memory: '128Mi' }, max: { cpu: '4', memory: '8Gi' } }] },
  };
}

export function makeHorizontalPodAutoscaler(deployment: KubeObject, uid: string, created: string, minReplicas: number, maxReplicas: number, targetCpu: number, currentCpu: number): KubeObject {
  const replicas = Number((deployment.spec as { replicas?: number }).replicas ?? 1);
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: meta(deployment.metadata.name, uid, created, deployment.metadata.namespace, { labels: { app: deployment.metadata.name } }),
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: deployment.metadata.name },
      minReplicas,
      maxReplicas,
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: targetCpu } } }],
    },
    status: hpaStatus(replicas, currentCpu, created),
  };
}

export function hpaStatus(replicas: number, currentCpu: number, at: string): object {
  return {
    currentReplicas: replicas,
    desiredReplicas: replicas,
    currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: currentCpu, averageValue: `${currentCpu}m` } } }],
    conditions: [
      { type: 'AbleToScale', status: 'True', lastTransitionTime: at, reason: 'ReadyForNewScale', message: 'recommended size matches current size' },
      { type: 'ScalingActive', status: 'True', lastTransitionTime: at, reason: 'ValidMetricFound', message: 'the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)' },
      { type: 'ScalingLimited', status: 'False', lastTransitionTime: at, reason: 'DesiredWithinRange', message: 'the desired count is within the acceptable range' },
    ],
  };
}

export function makePodDisruptionBudget(namespace: string, name: string, uid: string, created: string, selector: Labels, budget: { minAvailable: number | string } | { maxUnavailable: number | string }): KubeObject {
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: meta(name, uid, created, namespace, { generation: 1 }),
    spec: { ...budget, selector: { matchLabels: selector } },
    status: {},
  };
}

/** Whether the disruption controller counts a pod as healthy: ready and not on its way out. */
export const isHealthyForBudget = (pod: KubeObject): boolean => isPodReady(pod) && !isTerminating(pod);

/** What the disruption controller writes, from how many pods the budget selects and how many of them are healthy. */
export function pdbStatus(pdb: KubeObject, expected: number, healthy: number, at: string): Record<string, unknown> {
  const spec = pdb.spec as { minAvailable?: number | string; maxUnavailable?: number | string };
  const scaled = (v: number | string, roundUp: boolean): number => (typeof v === 'number' ? v : (roundUp ? Math.ceil : Math.floor)((parseInt(v, 10) / 100) * expected));
  const desired = spec.minAvailable !== undefined ? scaled(spec.minAvailable, true) : Math.max(0, expected - scaled(spec.maxUnavailable ?? 0, true));
  const allowed = Math.max(0, healthy - desired);
  return {
    observedGeneration: 1,
    currentHealthy: healthy,
    desiredHealthy: desired,
    expectedPods: expected,
    disruptionsAllowed: allowed,
    conditions: [{ type: 'DisruptionAllowed', status: allowed > 0 ? 'True' : 'False', reason: allowed > 0 ? 'SufficientPods' : 'InsufficientPods', message: '', observedGeneration: 1, lastTransitionTime: at }],
  };
}

// --- scheduling and admission --------------------------------------------------------------

export function makePriorityClass(name: string, uid: string, created: string, value: number, description: string, options: { globalDefault?: boolean; preemption?: 'PreemptLowerPriority' | 'Never' } = {}): KubeObject {
  return {
    apiVersion: 'scheduling.k8s.io/v1',
    kind: 'PriorityClass',
    metadata: meta(name, uid, created),
    value,
    globalDefault: options.globalDefault ?? false,
    description,
    preemptionPolicy: options.preemption ?? 'PreemptLowerPriority',
  };
}

export interface WebhookShape {
  name: string;
  service: { namespace: string; name: string; path: string };
  resources: string[];
  apiGroups?: string[];
  operations?: string[];
}

export function makeWebhookConfiguration(kind: 'ValidatingWebhookConfiguration' | 'MutatingWebhookConfiguration', name: string, uid: string, created: string, hooks: WebhookShape[]): KubeObject {
  return {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind,
    metadata: meta(name, uid, created, undefined, { generation: 1 }),
    webhooks: hooks.map((h) => ({
      name: h.name,
      admissionReviewVersions: ['v1'],
      clientConfig: { service: { namespace: h.service.namespace, name: h.service.name, path: h.service.path, port: 443 }, caBundle: b64('-----BEGIN CERTIFICATE-----\nMIIBdemo\n-----END CERTIFICATE-----\n') },
      rules: [{ apiGroups: h.apiGroups ?? [''], apiVersions: ['v1'], operations: h.operations ?? ['CREATE', 'UPDATE'], resources: h.resources, scope: '*' }],
      failurePolicy: 'Fail',
      matchPolicy: 'Equivalent',
      namespaceSelector: {},
      objectSelector: {},
      sideEffects: 'None',
      timeoutSeconds: 10,
      ...(kind === 'MutatingWebhookConfiguration' ? { reinvocationPolicy: 'Never' } : {}),
    })),
  };
}

// --- custom resources ----------------------------------------------------------------------

export interface PrinterColumn {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  jsonPath: string;
  description?: string;
  priority?: number;
}

export interface CrdShape {
  group: string;
  plural: string;
  singular: string;
  kind: string;
  scope: 'Namespaced' | 'Cluster';
  shortNames?: string[];
  categories?: string[];
  columns: PrinterColumn[];
  /** The schema of spec and status, as openAPIV3Schema properties. */
  properties: Record<string, unknown>;
}

/** An established CustomResourceDefinition serving one version, v1, with a status subresource. */
export function makeCustomResourceDefinition(c: CrdShape, uid: string, created: string): KubeObject {
  const names = { plural: c.plural, singular: c.singular, kind: c.kind, listKind: `${c.kind}List`, ...(c.shortNames ? { shortNames: c.shortNames } : {}), ...(c.categories ? { categories: c.categories } : {}) };
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: meta(`${c.plural}.${c.group}`, uid, created, undefined, { generation: 1 }),
    spec: {
      group: c.group,
      names,
      scope: c.scope,
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: c.columns,
          schema: { openAPIV3Schema: { type: 'object', properties: { apiVersion: { type: 'string' }, kind: { type: 'string' }, metadata: { type: 'object' }, ...c.properties } } },
        },
      ],
      conversion: { strategy: 'None' },
    },
    status: {
      acceptedNames: names,
      storedVersions: ['v1'],
      conditions: [
        { type: 'NamesAccepted', status: 'True', reason: 'NoConflicts', message: 'no conflicts found', lastTransitionTime: created },
        { type: 'Established', status: 'True', reason: 'InitialNamesAccepted', message: 'the initial names have been accepted', lastTransitionTime: created },
      ],
    },
  };
}

export const widgetDefinition: CrdShape = {
  group: 'example.com',
  plural: 'widgets',
  singular: 'widget',
  kind: 'Widget',
  scope: 'Namespaced',
  shortNames: ['wg'],
  categories: ['all'],
  columns: [
    { name: 'Size', type: 'integer', jsonPath: '.spec.size', description: 'How many parts the widget has' },
    { name: 'Phase', type: 'string', jsonPath: '.status.phase' },
    { name: 'Color', type: 'string', jsonPath: '.spec.color', priority: 1 },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  ],
  properties: {
    spec: { type: 'object', properties: { size: { type: 'integer', minimum: 1 }, color: { type: 'string' } } },
    status: { type: 'object', properties: { phase: { type: 'string', enum: ['Pending', 'Assembling', 'Ready', 'Degraded'] } } },
  },
};

export const backupPlanDefinition: CrdShape = {
  group: 'example.com',
  plural: 'backupplans',
  singular: 'backupplan',
  kind: 'BackupPlan',
  scope: 'Cluster',
  shortNames: ['bp'],
  columns: [
    { name: 'Schedule', type: 'string', jsonPath: '.spec.schedule' },
    { name: 'Target', type: 'string', jsonPath: '.spec.namespace', priority: 1 },
    { name: 'Last Run', type: 'date', jsonPath: '.status.lastRunTime' },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  ],
  properties: {
    spec: { type: 'object', properties: { schedule: { type: 'string' }, namespace: { type: 'string' }, retention: { type: 'integer' } } },
    status: { type: 'object', properties: { lastRunTime: { type: 'string', format: 'date-time' }, lastResult: { type: 'string' } } },
  },
};

export const widgetPhases = ['Pending', 'Assembling', 'Ready', 'Degraded'] as const;

export function makeWidget(namespace: string, name: string, uid: string, created: string, size: number, color: string, phase: string): KubeObject {
  return { apiVersion: 'example.com/v1', kind: 'Widget', metadata: meta(name, uid, created, namespace, { generation: 1 }), spec: { size, color }, status: { phase } };
}

export function makeBackupPlan(name: string, uid: string, created: string, schedule: string, namespace: string, lastRun: string): KubeObject {
  return { apiVersion: 'example.com/v1', kind: 'BackupPlan', metadata: meta(name, uid, created, undefined, { generation: 1 }), spec: { schedule, namespace, retention: 7 }, status: { lastRunTime: lastRun, lastResult: 'Succeeded' } };
}

/** The store key of a custom resource: `widgets.example.com`. */
export const customResourceKey = (c: CrdShape): string => `${c.plural}.${c.group}`;
