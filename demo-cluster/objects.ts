/**
 * Builders for the objects the simulation creates, shaped like what a real cluster returns
 * (the fields dashboards and kubectl's printers read), and nothing the demo cannot keep true.
 */
import type { KubeObject, ObjectMeta } from './store.js';

export const kubeletVersion = 'v1.31.4';

type Owner = NonNullable<ObjectMeta['ownerReferences']>[number];

export function ownerRef(owner: KubeObject): Owner {
  return { apiVersion: owner.apiVersion, kind: owner.kind, name: owner.metadata.name, uid: owner.metadata.uid, controller: true, blockOwnerDeletion: true };
}

function meta(name: string, uid: string, created: string, namespace?: string, extra: Partial<ObjectMeta> = {}): ObjectMeta {
  const m: ObjectMeta = { name, uid, resourceVersion: '', creationTimestamp: created, ...extra };
  if (namespace) m.namespace = namespace;
  return m;
}

export function makeNamespace(name: string, uid: string, created: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: meta(name, uid, created, undefined, { labels: { 'kubernetes.io/metadata.name': name } }),
    spec: { finalizers: ['kubernetes'] },
    status: { phase: 'Active' },
  };
}

export interface NodeShape {
  name: string;
  uid: string;
  created: string;
  controlPlane: boolean;
  cpuCores: number;
  memoryGi: number;
  internalIP: string;
  zone: string;
}

export function nodeCondition(type: string, status: string, reason: string, message: string, at: string): object {
  return { type, status, lastHeartbeatTime: at, lastTransitionTime: at, reason, message };
}

export function makeNode(n: NodeShape): KubeObject {
  const labels: Record<string, string> = {
    'beta.kubernetes.io/arch': 'amd64',
    'beta.kubernetes.io/os': 'linux',
    'kubernetes.io/arch': 'amd64',
    'kubernetes.io/hostname': n.name,
    'kubernetes.io/os': 'linux',
    'topology.kubernetes.io/zone': n.zone,
  };
  if (n.controlPlane) labels['node-role.kubernetes.io/control-plane'] = '';
  else labels['node-role.kubernetes.io/worker'] = '';
  const capacity = { cpu: String(n.cpuCores), memory: `${n.memoryGi * 1024 * 1024}Ki`, pods: '110', 'ephemeral-storage': '102626232Ki' };
  const allocatable = { cpu: `${n.cpuCores * 1000 - 100}m`, memory: `${n.memoryGi * 1024 * 1024 - 262144}Ki`, pods: '110', 'ephemeral-storage': '94580335255' };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: meta(n.name, n.uid, n.created, undefined, { labels, annotations: { 'node.alpha.kubernetes.io/ttl': '0' } }),
    spec: {
      podCIDR: `10.244.${n.internalIP.split('.')[3] ?? 0}.0/24`,
      ...(n.controlPlane ? { taints: [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }] } : {}),
    },
    status: {
      capacity,
      allocatable,
      conditions: [
        nodeCondition('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available', n.created),
        nodeCondition('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure', n.created),
        nodeCondition('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available', n.created),
        nodeCondition('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status', n.created),
      ],
      addresses: [
        { type: 'InternalIP', address: n.internalIP },
        { type: 'Hostname', address: n.name },
      ],
      daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
      nodeInfo: {
        machineID: n.uid.replace(/-/g, ''),
        systemUUID: n.uid,
        bootID: n.uid,
        kernelVersion: '6.1.0-27-amd64',
        osImage: 'Debian GNU/Linux 12 (bookworm)',
        containerRuntimeVersion: 'containerd://1.7.22',
        kubeletVersion,
        kubeProxyVersion: kubeletVersion,
        operatingSystem: 'linux',
        architecture: 'amd64',
      },
    },
  };
}

export interface ContainerShape {
  name: string;
  image: string;
  cpuMilli: number;
  memoryMi: number;
}

export interface PodTemplate {
  labels: Record<string, string>;
  containers: ContainerShape[];
  restartPolicy: 'Always' | 'OnFailure' | 'Never';
  /** Pods that may run on the control plane (daemonsets) tolerate its taint. */
  tolerateControlPlane?: boolean;
}

export function podSpec(template: PodTemplate, nodeName?: string): Record<string, unknown> {
  const spec: Record<string, unknown> = {
    containers: template.containers.map((c) => ({
      name: c.name,
      image: c.image,
      imagePullPolicy: 'IfNotPresent',
      resources: {
        requests: { cpu: `${c.cpuMilli}m`, memory: `${c.memoryMi}Mi` },
        limits: { memory: `${c.memoryMi * 2}Mi` },
      },
      terminationMessagePath: '/dev/termination-log',
      terminationMessagePolicy: 'File',
    })),
    restartPolicy: template.restartPolicy,
    terminationGracePeriodSeconds: 30,
    dnsPolicy: 'ClusterFirst',
    serviceAccountName: 'default',
    schedulerName: 'default-scheduler',
    enableServiceLinks: true,
    priority: 0,
    tolerations: [
      { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
      { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
      ...(template.tolerateControlPlane ? [{ key: 'node-role.kubernetes.io/control-plane', operator: 'Exists', effect: 'NoSchedule' }] : []),
    ],
  };
  if (nodeName) spec.nodeName = nodeName;
  return spec;
}

export interface PodShape {
  name: string;
  namespace: string;
  uid: string;
  created: string;
  owner: KubeObject;
  template: PodTemplate;
}

/** A new pod as its controller creates it: Pending, not yet scheduled. */
export function makePendingPod(p: PodShape): KubeObject {
  const spec = podSpec(p.template);
  mountClaims(spec, p.owner, p.name);
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: meta(p.name, p.uid, p.created, p.namespace, { labels: { ...p.template.labels }, ownerReferences: [ownerRef(p.owner)] }),
    spec,
    status: { phase: 'Pending', qosClass: 'Burstable' },
  };
}

/** A StatefulSet pod gets a volume per claim template, `<template>-<pod>`, mounted in its first container. */
function mountClaims(spec: Record<string, unknown>, owner: KubeObject, podName: string): void {
  const templates = (owner.spec as { volumeClaimTemplates?: { metadata: { name: string } }[] } | undefined)?.volumeClaimTemplates;
  if (owner.kind !== 'StatefulSet' || !templates?.length) return;
  spec.volumes = templates.map((t) => ({ name: t.metadata.name, persistentVolumeClaim: { claimName: `${t.metadata.name}-${podName}` } }));
  const first = (spec.containers as { volumeMounts?: object[] }[])[0];
  if (first) first.volumeMounts = templates.map((t) => ({ name: t.metadata.name, mountPath: `/var/lib/${t.metadata.name}` }));
}

function podCondition(type: string, status: string, at: string, reason?: string): object {
  return { type, status, lastProbeTime: null, lastTransitionTime: at, ...(reason ? { reason } : {}) };
}

/** The scheduler's step: the pod is bound to a node and its containers are being created. */
export function schedulePod(pod: KubeObject, nodeName: string, hostIP: string, at: string): void {
  const spec = pod.spec as Record<string, unknown>;
  spec.nodeName = nodeName;
  const containers = spec.containers as { name: string; image: string }[];
  pod.status = {
    phase: 'Pending',
    qosClass: 'Burstable',
    hostIP,
    hostIPs: [{ ip: hostIP }],
    startTime: at,
    conditions: [
      podCondition('PodReadyToStartContainers', 'False', at),
      podCondition('Initialized', 'True', at),
      podCondition('Ready', 'False', at, 'ContainersNotReady'),
      podCondition('ContainersReady', 'False', at, 'ContainersNotReady'),
      podCondition('PodScheduled', 'True', at),
    ],
    containerStatuses: containers.map((c) => ({
      name: c.name,
      image: c.image,
      imageID: '',
      ready: false,
      started: false,
      restartCount: 0,
      state: { waiting: { reason: 'ContainerCreating' } },
      lastState: {},
    })),
  };
}

function statusOf(pod: KubeObject): Record<string, unknown> {
  return pod.status as Record<string, unknown>;
}

export function containerStatuses(pod: KubeObject): Record<string, unknown>[] {
  return (statusOf(pod).containerStatuses as Record<string, unknown>[] | undefined) ?? [];
}

function setPodConditions(pod: KubeObject, ready: boolean, at: string): void {
  const status = statusOf(pod);
  const conditions = (status.conditions as Record<string, unknown>[] | undefined) ?? [];
  for (const c of conditions) {
    if (c.type === 'Ready' || c.type === 'ContainersReady') {
      const next = ready ? 'True' : 'False';
      if (c.status !== next) c.lastTransitionTime = at;
      c.status = next;
      if (ready) delete c.reason;
      else c.reason = 'ContainersNotReady';
    }
    if (c.type === 'PodReadyToStartContainers' && c.status !== 'True') {
      c.status = 'True';
      c.lastTransitionTime = at;
    }
  }
}

/** The kubelet's step: containers started and ready. */
export function startPod(pod: KubeObject, podIP: string, at: string): void {
  const status = statusOf(pod);
  status.phase = 'Running';
  status.podIP = podIP;
  status.podIPs = [{ ip: podIP }];
  for (const c of containerStatuses(pod)) {
    c.state = { running: { startedAt: at } };
    c.ready = true;
    c.started = true;
    c.containerID = `containerd://${(pod.metadata.uid + String(c.name)).replace(/[^0-9a-f]/g, '').padEnd(64, '0').slice(0, 64)}`;
    c.imageID = `${String(c.image).split(':')[0]}@sha256:${'0'.repeat(64)}`;
  }
  setPodConditions(pod, true, at);
}

/** A container exits and the kubelet starts it again: restartCount goes up, readiness dips. */
export function restartContainer(pod: KubeObject, index: number, at: string, crashLooping: boolean): void {
  const c = containerStatuses(pod)[index];
  if (!c) return;
  const running = (c.state as { running?: { startedAt: string } }).running;
  c.lastState = { terminated: { exitCode: 1, reason: 'Error', startedAt: running?.startedAt ?? at, finishedAt: at } };
  c.restartCount = Number(c.restartCount ?? 0) + 1;
  if (crashLooping) {
    c.state = { waiting: { reason: 'CrashLoopBackOff', message: `back-off restarting failed container ${String(c.name)}` } };
    c.ready = false;
    c.started = false;
    setPodConditions(pod, false, at);
  } else {
    c.state = { running: { startedAt: at } };
    c.ready = true;
    c.started = true;
  }
}

/** A job's pod that ran to completion. */
export function completePod(pod: KubeObject, at: string): void {
  const status = statusOf(pod);
  status.phase = 'Succeeded';
  for (const c of containerStatuses(pod)) {
    const startedAt = (c.state as { running?: { startedAt?: string } }).running?.startedAt ?? at;
    c.state = { terminated: { exitCode: 0, reason: 'Completed', startedAt, finishedAt: at } };
    c.ready = false;
    c.started = false;
  }
  setPodConditions(pod, false, at);
  for (const c of (status.conditions as Record<string, unknown>[]) ?? []) if (c.type === 'Ready' || c.type === 'ContainersReady') c.reason = 'PodCompleted';
}

export interface EventShape {
  name: string;
  namespace: string;
  uid: string;
  at: string;
  involved: KubeObject;
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
  component: string;
  host?: string;
}

export function makeEvent(e: EventShape): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: meta(e.name, e.uid, e.at, e.namespace),
    involvedObject: {
      kind: e.involved.kind,
      namespace: e.involved.metadata.namespace,
      name: e.involved.metadata.name,
      uid: e.involved.metadata.uid,
      apiVersion: e.involved.apiVersion,
      resourceVersion: e.involved.metadata.resourceVersion,
    },
    reason: e.reason,
    message: e.message,
    source: { component: e.component, ...(e.host ? { host: e.host } : {}) },
    firstTimestamp: e.at,
    lastTimestamp: e.at,
    count: 1,
    type: e.type,
    eventTime: null,
    reportingComponent: e.component,
    reportingInstance: e.host ?? '',
  };
}

export function makeWorkloadMeta(name: string, namespace: string, uid: string, created: string, labels: Record<string, string>, owner?: KubeObject, annotations?: Record<string, string>): ObjectMeta {
  return meta(name, uid, created, namespace, {
    labels,
    generation: 1,
    ...(owner ? { ownerReferences: [ownerRef(owner)] } : {}),
    ...(annotations ? { annotations } : {}),
  });
}

export function templateSpec(template: PodTemplate, extraLabels: Record<string, string> = {}): object {
  return { metadata: { labels: { ...template.labels, ...extraLabels } }, spec: podSpec(template) };
}

/** A Deployment's ReplicaSet for one revision of its template (`hash` names it, as pod-template-hash does). */
export function makeReplicaSet(deployment: KubeObject, hash: string, replicas: number, created: string, revision: string, uid: string): KubeObject {
  const spec = deployment.spec as { template: { metadata: { labels: Record<string, string> }; spec: Record<string, unknown> }; selector: { matchLabels: Record<string, string> } };
  const labels = { ...spec.template.metadata.labels, 'pod-template-hash': hash };
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: makeWorkloadMeta(`${deployment.metadata.name}-${hash}`, deployment.metadata.namespace ?? 'default', uid, created, labels, deployment, {
      'deployment.kubernetes.io/desired-replicas': String(replicas),
      'deployment.kubernetes.io/revision': revision,
    }),
    spec: { replicas, selector: { matchLabels: { ...spec.selector.matchLabels, 'pod-template-hash': hash } }, template: { metadata: { labels }, spec: structuredClone(spec.template.spec) } },
    status: { replicas: 0, readyReplicas: 0, availableReplicas: 0, fullyLabeledReplicas: 0, observedGeneration: 1 },
  };
}
