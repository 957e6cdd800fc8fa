/**
 * The built-in kinds the demo cluster serves beyond the hand-made ten: their catalogue entries
 * (as a v1.31 cluster lists them in discovery) and their Table printers (keyed by kind).
 * resources.ts and table.ts read these.
 *
 * The printers follow kube-apiserver's server-side printers
 * (kubernetes/kubernetes pkg/printers/internalversion/printers.go, read at v1.32, whose columns
 * for these kinds are those of v1.31 but for ResourceQuota, whose Age moved from second to last).
 * Kinds without a printer there (Role, ClusterRole, LimitRange, CustomResourceDefinition) get the
 * apiserver's default table: Name and Created At.
 */
import {
  accessModes,
  ageColumn,
  createdAtColumn,
  formatLabels,
  formatSelector,
  listWithMore,
  nameColumn,
  spec,
  status,
  type Any,
  type Column,
} from './columns.js';
import type { ResourceInfo } from './resources.js';

/** What a stored kind answers; `kubectl create -f` and `delete` need the first two. */
const storedVerbs = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'];
const commonFields = ['metadata.name', 'metadata.namespace'];

function kind(group: string, version: string, plural: string, kindName: string, namespaced: boolean, more: Partial<ResourceInfo> = {}): ResourceInfo {
  return { group, version, plural, singular: kindName.toLowerCase(), kind: kindName, namespaced, verbs: storedVerbs, fields: commonFields, ...more };
}

export const extraResources: readonly ResourceInfo[] = [
  kind('', 'v1', 'configmaps', 'ConfigMap', true, { shortNames: ['cm'] }),
  kind('', 'v1', 'secrets', 'Secret', true, { fields: [...commonFields, 'type'] }),
  kind('', 'v1', 'services', 'Service', true, { shortNames: ['svc'], categories: ['all'] }),
  kind('', 'v1', 'endpoints', 'Endpoints', true, { shortNames: ['ep'] }),
  kind('', 'v1', 'serviceaccounts', 'ServiceAccount', true, { shortNames: ['sa'] }),
  kind('', 'v1', 'persistentvolumeclaims', 'PersistentVolumeClaim', true, { shortNames: ['pvc'] }),
  kind('', 'v1', 'persistentvolumes', 'PersistentVolume', false, { shortNames: ['pv'] }),
  kind('', 'v1', 'resourcequotas', 'ResourceQuota', true, { shortNames: ['quota'] }),
  kind('', 'v1', 'limitranges', 'LimitRange', true, { shortNames: ['limits'] }),
  kind('networking.k8s.io', 'v1', 'ingresses', 'Ingress', true, { shortNames: ['ing'] }),
  kind('networking.k8s.io', 'v1', 'networkpolicies', 'NetworkPolicy', true, { shortNames: ['netpol'] }),
  kind('networking.k8s.io', 'v1', 'ingressclasses', 'IngressClass', false),
  kind('discovery.k8s.io', 'v1', 'endpointslices', 'EndpointSlice', true),
  kind('rbac.authorization.k8s.io', 'v1', 'roles', 'Role', true),
  kind('rbac.authorization.k8s.io', 'v1', 'rolebindings', 'RoleBinding', true),
  kind('rbac.authorization.k8s.io', 'v1', 'clusterroles', 'ClusterRole', false),
  kind('rbac.authorization.k8s.io', 'v1', 'clusterrolebindings', 'ClusterRoleBinding', false),
  kind('storage.k8s.io', 'v1', 'storageclasses', 'StorageClass', false, { shortNames: ['sc'] }),
  kind('autoscaling', 'v2', 'horizontalpodautoscalers', 'HorizontalPodAutoscaler', true, { shortNames: ['hpa'], categories: ['all'] }),
  kind('policy', 'v1', 'poddisruptionbudgets', 'PodDisruptionBudget', true, { shortNames: ['pdb'] }),
  kind('scheduling.k8s.io', 'v1', 'priorityclasses', 'PriorityClass', false, { shortNames: ['pc'] }),
  kind('admissionregistration.k8s.io', 'v1', 'validatingwebhookconfigurations', 'ValidatingWebhookConfiguration', false, { categories: ['api-extensions'] }),
  kind('admissionregistration.k8s.io', 'v1', 'mutatingwebhookconfigurations', 'MutatingWebhookConfiguration', false, { categories: ['api-extensions'] }),
  kind('apiextensions.k8s.io', 'v1', 'customresourcedefinitions', 'CustomResourceDefinition', false, { shortNames: ['crd', 'crds'], categories: ['api-extensions'] }),
];

// --- cells ---------------------------------------------------------------------------------

/** A Service's External-IP as the printer derives it from its type. */
function serviceExternalIP(o: Any): string {
  const s = spec(o);
  const external = (s.externalIPs ?? []) as string[];
  switch (s.type) {
    case 'ClusterIP':
    case 'NodePort':
      return external.length > 0 ? external.join(',') : '<none>';
    case 'LoadBalancer': {
      const lb = loadBalancerAddresses(status(o).loadBalancer);
      const all = [...(lb ? lb.split(',') : []), ...external];
      return all.length > 0 ? all.join(',') : '<pending>';
    }
    case 'ExternalName':
      return s.externalName ?? '';
    default:
      return '<unknown>';
  }
}

/**
 * Sorted, de-duplicated ingress points. The printer clips them to 16 characters unless wide, but
 * kube-apiserver always prints wide (kubectl drops the priority-1 columns itself), so a client
 * never sees them clipped.
 */
function loadBalancerAddresses(lb: Any | undefined): string {
  const points = new Set<string>();
  for (const i of (lb?.ingress ?? []) as Any[]) if (i.ip) points.add(i.ip);
  else if (i.hostname) points.add(i.hostname);
  return [...points].sort().join(',');
}

function servicePorts(o: Any): string {
  const ports = ((spec(o).ports ?? []) as Any[]).map((p) => (p.nodePort > 0 ? `${p.port}:${p.nodePort}/${p.protocol}` : `${p.port}/${p.protocol}`));
  return ports.length > 0 ? ports.join(',') : '<none>';
}

/** Up to three ip:port pairs of an Endpoints object's ready addresses, then "+ N more...". */
function endpointsCell(o: Any): string {
  const subsets = (o.subsets ?? []) as Any[];
  if (subsets.length === 0) return '<none>';
  const shown: string[] = [];
  let count = 0;
  for (const ss of subsets) {
    const addresses = (ss.addresses ?? []) as Any[];
    const ports = (ss.ports ?? []) as Any[];
    for (const port of ports.length > 0 ? ports : [undefined]) {
      count += addresses.length;
      for (const a of addresses) {
        if (shown.length === 3) break;
        shown.push(port ? `${a.ip.includes(':') ? `[${a.ip}]` : a.ip}:${port.port}` : a.ip);
      }
    }
  }
  const joined = shown.join(',');
  return count > 3 ? `${joined} + ${count - 3} more...` : joined;
}

function sliceEndpoints(o: Any): string {
  const addresses = ((o.endpoints ?? []) as Any[]).flatMap((e) => (e.addresses ?? []) as string[]);
  return listWithMore(addresses, 3);
}

function slicePorts(o: Any): string {
  return listWithMore(((o.ports ?? []) as Any[]).map((p) => (p.port != null ? String(p.port) : p.name ?? '*')), 3);
}

function ingressHosts(o: Any): string {
  const rules = (spec(o).rules ?? []) as Any[];
  const hosts = rules.slice(0, 3).map((r) => r.host).filter((h): h is string => Boolean(h));
  if (hosts.length === 0) return '*';
  return rules.length > 3 ? `${hosts.join(',')} + ${rules.length - 3} more...` : hosts.join(',');
}

function quantityString(v: unknown): string {
  return v === undefined || v === null ? '0' : String(v);
}

/** `resource: used/hard` for every hard limit, sorted by name, split between requests and limits. */
function quotaCells(o: Any): { request: string; limit: string } {
  const hard = (status(o).hard ?? {}) as Record<string, string>;
  const used = (status(o).used ?? {}) as Record<string, string>;
  const request: string[] = [];
  const limit: string[] = [];
  for (const name of Object.keys(hard).sort()) {
    const cell = `${name}: ${quantityString(used[name])}/${hard[name]}`;
    (name.split('.')[0] === 'limits' && name.includes('.') ? limit : request).push(cell);
  }
  return { request: request.join(', '), limit: limit.join(', ') };
}

/** An HPA's targets: `cpu: 45%/80%` for each metric, at most two, then "+ N more...". */
function hpaTargets(o: Any): string {
  const metrics = (spec(o).metrics ?? []) as Any[];
  if (metrics.length === 0) return '<none>';
  const current = (status(o).currentMetrics ?? []) as Any[];
  const cells = metrics.map((m, i) => {
    const now = current[i];
    switch (m.type) {
      case 'Resource': {
        const target = m.resource.target;
        if (target.averageValue !== undefined) return `${m.resource.name}: ${now?.resource?.current?.averageValue ?? '<unknown>'}/${target.averageValue}`;
        const seen = now?.resource?.current?.averageUtilization;
        return `${m.resource.name}: ${seen !== undefined ? `${seen}%` : '<unknown>'}/${target.averageUtilization !== undefined ? `${target.averageUtilization}%` : '<auto>'}`;
      }
      case 'Pods':
        return `${now?.pods?.current?.averageValue ?? '<unknown>'}/${m.pods.target.averageValue}`;
      default:
        return '<unknown type>';
    }
  });
  return cells.length > 2 ? `${cells.slice(0, 2).join(', ')} + ${cells.length - 2} more...` : cells.join(', ');
}

/** A PersistentVolumeClaim's class: the old beta annotation wins over the field, as in the printer's helper. */
function claimClass(o: Any): string {
  return o.metadata.annotations?.['volume.beta.kubernetes.io/storage-class'] ?? spec(o).storageClassName ?? '';
}

function volumeClass(o: Any): string {
  return o.metadata.annotations?.['volume.beta.kubernetes.io/storage-class'] ?? spec(o).storageClassName ?? '';
}

function isDefaultClass(o: Any): boolean {
  const a = o.metadata.annotations ?? {};
  return a['storageclass.kubernetes.io/is-default-class'] === 'true' || a['storageclass.beta.kubernetes.io/is-default-class'] === 'true';
}

/** Users, groups and service accounts (`namespace/name`) a binding names, each joined with ", ". */
function subjectsOf(o: Any, subjectKind: string): string {
  return ((o.subjects ?? []) as Any[])
    .filter((s) => s.kind === subjectKind)
    .map((s) => (subjectKind === 'ServiceAccount' ? `${s.namespace ?? ''}/${s.name}` : s.name))
    .join(', ');
}

const intOrString = (v: unknown): string => (v === undefined || v === null ? 'N/A' : String(v));
const terminatingOr = (o: Any, phase: unknown): string => (o.metadata.deletionTimestamp ? 'Terminating' : String(phase ?? ''));

// --- printers ------------------------------------------------------------------------------

const bindingColumns = (what: string): Column[] => [
  nameColumn,
  { name: 'Role', type: 'string', description: `The role the ${what} grants.`, cell: (o) => `${(o as Any).roleRef?.kind}/${(o as Any).roleRef?.name}` },
  ageColumn,
  { name: 'Users', type: 'string', priority: 1, description: `Users the ${what} names.`, cell: (o) => subjectsOf(o, 'User') },
  { name: 'Groups', type: 'string', priority: 1, description: `Groups the ${what} names.`, cell: (o) => subjectsOf(o, 'Group') },
  { name: 'ServiceAccounts', type: 'string', priority: 1, description: `Service accounts the ${what} names.`, cell: (o) => subjectsOf(o, 'ServiceAccount') },
];

const webhookColumns: Column[] = [nameColumn, { name: 'Webhooks', type: 'integer', description: 'How many webhooks the configuration registers.', cell: (o) => ((o as Any).webhooks ?? []).length }, ageColumn];

/** kube-apiserver's default table, for kinds with no printer of their own. */
const defaultColumns: Column[] = [nameColumn, createdAtColumn];

export const extraPrinters: Readonly<Record<string, Column[]>> = {
  ConfigMap: [nameColumn, { name: 'Data', type: 'string', description: 'How many keys the config map holds.', cell: (o) => Object.keys((o as Any).data ?? {}).length + Object.keys((o as Any).binaryData ?? {}).length }, ageColumn],
  Secret: [
    nameColumn,
    { name: 'Type', type: 'string', description: 'The type of the secret.', cell: (o) => String((o as Any).type ?? '') },
    { name: 'Data', type: 'string', description: 'How many keys the secret holds.', cell: (o) => Object.keys((o as Any).data ?? {}).length },
    ageColumn,
  ],
  Service: [
    nameColumn,
    { name: 'Type', type: 'string', description: 'How the service is exposed.', cell: (o) => String(spec(o).type ?? '') },
    { name: 'Cluster-IP', type: 'string', description: 'The virtual IP inside the cluster.', cell: (o) => ((spec(o).clusterIPs ?? []) as string[])[0] ?? '<none>' },
    { name: 'External-IP', type: 'string', description: 'Addresses the service is reached at from outside.', cell: (o) => serviceExternalIP(o as Any) },
    { name: 'Port(s)', type: 'string', description: 'The ports the service exposes.', cell: (o) => servicePorts(o as Any) },
    ageColumn,
    { name: 'Selector', type: 'string', priority: 1, description: 'The pods the service sends traffic to.', cell: (o) => formatLabels(spec(o).selector) },
  ],
  Endpoints: [nameColumn, { name: 'Endpoints', type: 'string', description: 'Ready addresses and ports behind the service.', cell: (o) => endpointsCell(o as Any) }, ageColumn],
  ServiceAccount: [nameColumn, { name: 'Secrets', type: 'string', description: 'How many secrets the account lists.', cell: (o) => ((o as Any).secrets ?? []).length }, ageColumn],
  PersistentVolumeClaim: [
    nameColumn,
    { name: 'Status', type: 'string', description: 'The phase of the claim.', cell: (o) => terminatingOr(o as Any, status(o).phase) },
    { name: 'Volume', type: 'string', description: 'The volume bound to the claim.', cell: (o) => String(spec(o).volumeName ?? '') },
    { name: 'Capacity', type: 'string', description: 'Storage the bound volume provides.', cell: (o) => (spec(o).volumeName ? String(status(o).capacity?.storage ?? '') : '') },
    { name: 'Access Modes', type: 'string', description: 'How the bound volume may be mounted.', cell: (o) => (spec(o).volumeName ? accessModes(status(o).accessModes) : '') },
    { name: 'StorageClass', type: 'string', description: 'The storage class of the claim.', cell: (o) => claimClass(o as Any) },
    { name: 'VolumeAttributesClass', type: 'string', description: 'The volume attributes class of the claim.', cell: (o) => String(spec(o).volumeAttributesClassName ?? '<unset>') },
    ageColumn,
    { name: 'VolumeMode', type: 'string', priority: 1, description: 'Filesystem or Block.', cell: (o) => String(spec(o).volumeMode ?? '<unset>') },
  ],
  PersistentVolume: [
    nameColumn,
    { name: 'Capacity', type: 'string', description: 'Storage the volume provides.', cell: (o) => String(spec(o).capacity?.storage ?? '') },
    { name: 'Access Modes', type: 'string', description: 'How the volume may be mounted.', cell: (o) => accessModes(spec(o).accessModes) },
    { name: 'Reclaim Policy', type: 'string', description: 'What happens to the volume when its claim goes.', cell: (o) => String(spec(o).persistentVolumeReclaimPolicy ?? '') },
    { name: 'Status', type: 'string', description: 'The phase of the volume.', cell: (o) => terminatingOr(o as Any, status(o).phase) },
    { name: 'Claim', type: 'string', description: 'The claim bound to the volume.', cell: (o) => (spec(o).claimRef ? `${spec(o).claimRef.namespace ?? ''}/${spec(o).claimRef.name ?? ''}` : '') },
    { name: 'StorageClass', type: 'string', description: 'The storage class of the volume.', cell: (o) => volumeClass(o as Any) },
    { name: 'VolumeAttributesClass', type: 'string', description: 'The volume attributes class of the volume.', cell: (o) => String(spec(o).volumeAttributesClassName ?? '<unset>') },
    { name: 'Reason', type: 'string', description: 'Why the volume is in its phase.', cell: (o) => String(status(o).reason ?? '') },
    ageColumn,
    { name: 'VolumeMode', type: 'string', priority: 1, description: 'Filesystem or Block.', cell: (o) => String(spec(o).volumeMode ?? '<unset>') },
  ],
  ResourceQuota: [
    nameColumn,
    { name: 'Request', type: 'string', description: 'Used and hard amounts of what containers request.', cell: (o) => quotaCells(o as Any).request },
    { name: 'Limit', type: 'string', description: 'Used and hard amounts of what containers may use at most.', cell: (o) => quotaCells(o as Any).limit },
    ageColumn,
  ],
  LimitRange: defaultColumns,
  Ingress: [
    nameColumn,
    { name: 'Class', type: 'string', description: 'The ingress class that serves it.', cell: (o) => String(spec(o).ingressClassName ?? '<none>') },
    { name: 'Hosts', type: 'string', description: 'Hosts the rules match.', cell: (o) => ingressHosts(o as Any) },
    { name: 'Address', type: 'string', description: 'Where the load balancer receives traffic.', cell: (o) => loadBalancerAddresses(status(o).loadBalancer) },
    { name: 'Ports', type: 'string', description: 'Ports open for it: 443 too when it has TLS.', cell: (o) => (((spec(o).tls ?? []) as unknown[]).length > 0 ? '80, 443' : '80') },
    ageColumn,
  ],
  IngressClass: [
    nameColumn,
    { name: 'Controller', type: 'string', description: 'The controller that implements the class.', cell: (o) => String(spec(o).controller ?? '') },
    {
      name: 'Parameters',
      type: 'string',
      description: 'The resource that configures the class.',
      cell: (o) => {
        const p = spec(o).parameters as Any | undefined;
        return p ? `${p.kind}${p.apiGroup ? `.${p.apiGroup}` : ''}/${p.name}` : '<none>';
      },
    },
    ageColumn,
  ],
  NetworkPolicy: [nameColumn, { name: 'Pod-Selector', type: 'string', description: 'The pods the policy applies to.', cell: (o) => formatSelector(spec(o).podSelector) }, ageColumn],
  EndpointSlice: [
    nameColumn,
    { name: 'AddressType', type: 'string', description: 'IPv4, IPv6 or FQDN.', cell: (o) => String((o as Any).addressType ?? '') },
    { name: 'Ports', type: 'string', description: 'Ports of the endpoints.', cell: (o) => slicePorts(o as Any) },
    { name: 'Endpoints', type: 'string', description: 'Addresses in the slice.', cell: (o) => sliceEndpoints(o as Any) },
    ageColumn,
  ],
  Role: defaultColumns,
  ClusterRole: defaultColumns,
  RoleBinding: bindingColumns('role binding'),
  ClusterRoleBinding: bindingColumns('cluster role binding'),
  StorageClass: [
    { ...nameColumn, cell: (o) => (isDefaultClass(o as Any) ? `${o.metadata.name} (default)` : o.metadata.name) },
    { name: 'Provisioner', type: 'string', description: 'The volume plugin that provisions volumes.', cell: (o) => String((o as Any).provisioner ?? '') },
    { name: 'ReclaimPolicy', type: 'string', description: 'What happens to a volume when its claim goes.', cell: (o) => String((o as Any).reclaimPolicy ?? 'Delete') },
    { name: 'VolumeBindingMode', type: 'string', description: 'When volumes are bound and provisioned.', cell: (o) => String((o as Any).volumeBindingMode ?? 'Immediate') },
    { name: 'AllowVolumeExpansion', type: 'string', description: 'Whether claims may grow.', cell: (o) => (o as Any).allowVolumeExpansion === true },
    ageColumn,
  ],
  HorizontalPodAutoscaler: [
    nameColumn,
    { name: 'Reference', type: 'string', description: 'The workload it scales.', cell: (o) => `${spec(o).scaleTargetRef?.kind}/${spec(o).scaleTargetRef?.name}` },
    { name: 'Targets', type: 'string', description: 'Current and target value of each metric.', cell: (o) => hpaTargets(o as Any) },
    { name: 'MinPods', type: 'string', description: 'The fewest replicas it scales to.', cell: (o) => (spec(o).minReplicas !== undefined ? String(spec(o).minReplicas) : '<unset>') },
    { name: 'MaxPods', type: 'string', description: 'The most replicas it scales to.', cell: (o) => Number(spec(o).maxReplicas ?? 0) },
    { name: 'Replicas', type: 'string', description: 'Replicas it last saw.', cell: (o) => Number(status(o).currentReplicas ?? 0) },
    ageColumn,
  ],
  PodDisruptionBudget: [
    nameColumn,
    { name: 'Min Available', type: 'string', description: 'Pods that must stay available.', cell: (o) => intOrString(spec(o).minAvailable) },
    { name: 'Max Unavailable', type: 'string', description: 'Pods that may be unavailable.', cell: (o) => intOrString(spec(o).maxUnavailable) },
    { name: 'Allowed Disruptions', type: 'integer', description: 'Pods that may be disrupted now.', cell: (o) => Number(status(o).disruptionsAllowed ?? 0) },
    ageColumn,
  ],
  PriorityClass: [
    nameColumn,
    { name: 'Value', type: 'integer', description: 'The priority pods of the class get.', cell: (o) => Number((o as Any).value ?? 0) },
    { name: 'Global-Default', type: 'boolean', description: 'Whether pods without a class get this one.', cell: (o) => (o as Any).globalDefault === true },
    ageColumn,
    { name: 'PreemptionPolicy', type: 'string', priority: 1, description: 'Whether pods of the class may preempt others.', cell: (o) => String((o as Any).preemptionPolicy ?? '') },
  ],
  ValidatingWebhookConfiguration: webhookColumns,
  MutatingWebhookConfiguration: webhookColumns,
  CustomResourceDefinition: defaultColumns,
};
