/**
 * The troubleshooting scenario: a namespace whose pods sit in each state an operator meets, built
 * as the kubelet and the controllers report them, so `kubectl get pods -n troubleshooting` prints
 * every STATUS its pod printer knows (CrashLoopBackOff, ImagePullBackOff, Init:0/2, OOMKilled,
 * Evicted, Terminating, Unknown, NotReady, ...), and beside them workloads and nodes in trouble:
 * a paused Deployment, a rollout past its progress deadline, one blocked by its quota, a failed
 * and a suspended Job, a suspended CronJob, a node under memory pressure and a node lost.
 *
 * Churn never picks these pods (they would heal); `crashLoopStep` moves the crash-looping pod
 * round its cycle (CrashLoopBackOff, Running, Error, CrashLoopBackOff) as a kubelet would.
 */
import { makeEvent, makeNamespace, makeNode, makeReplicaSet, makeWorkloadMeta, nodeCondition, ownerRef, podSpec, templateSpec, type PodTemplate } from './objects.js';
import type { Random } from './random.js';
import type { KubeObject } from './store.js';

export const scenarioNamespace = 'troubleshooting';
export const lostNodeName = 'demo-worker-lost';
const lostNodeIP = '10.0.9.250';
/** The IP of the node the scenario's pods run on, set by buildTroubleshooting (one scenario per process is all a demo has). */
let scenarioHostIP = '10.0.0.3';

type Iso = (agoMs?: number) => string;
type Json = Record<string, any>;

const image = 'registry.local/demo/app:1.4.2';
const containerID = (seed: string): string => `containerd://${Buffer.from(seed).toString('hex').padEnd(64, '0').slice(0, 64)}`;

function template(name: string, restartPolicy: PodTemplate['restartPolicy'] = 'Always', containers = [name]): PodTemplate {
  return { labels: { app: name }, containers: containers.map((c) => ({ name: c, image, cpuMilli: 50, memoryMi: 64 })), restartPolicy };
}

function condition(type: string, status: string, at: string, reason?: string, message?: string): Json {
  return { type, status, lastProbeTime: null, lastTransitionTime: at, ...(reason ? { reason } : {}), ...(message ? { message } : {}) };
}

/** The five pod conditions as the kubelet sets them, `ready` for Ready and ContainersReady. */
function podConditions(at: string, o: { scheduled?: boolean; initialized?: boolean; ready?: boolean; started?: boolean; notReadyReason?: string }): Json[] {
  const ready = o.ready ?? false;
  return [
    condition('PodReadyToStartContainers', o.started === false ? 'False' : 'True', at),
    condition('Initialized', o.initialized === false ? 'False' : 'True', at, o.initialized === false ? 'ContainersNotInitialized' : undefined),
    condition('Ready', ready ? 'True' : 'False', at, ready ? undefined : (o.notReadyReason ?? 'ContainersNotReady')),
    condition('ContainersReady', ready ? 'True' : 'False', at, ready ? undefined : (o.notReadyReason ?? 'ContainersNotReady')),
    condition('PodScheduled', o.scheduled === false ? 'False' : 'True', at),
  ];
}

const running = (at: string): Json => ({ running: { startedAt: at } });
const waiting = (reason: string, message?: string): Json => ({ waiting: { reason, ...(message ? { message } : {}) } });
const terminated = (exitCode: number, reason: string | undefined, startedAt: string, finishedAt: string): Json => ({ terminated: { exitCode, ...(reason ? { reason } : {}), startedAt, finishedAt } });

function containerStatus(name: string, state: Json, o: { ready?: boolean; restartCount?: number; lastState?: Json; started?: boolean } = {}): Json {
  const isRunning = state.running !== undefined;
  return {
    name,
    image,
    imageID: isRunning || state.terminated ? `registry.local/demo/app@sha256:${'1'.repeat(64)}` : '',
    ...(isRunning || state.terminated ? { containerID: containerID(name + JSON.stringify(state)) } : {}),
    ready: o.ready ?? false,
    started: o.started ?? isRunning,
    restartCount: o.restartCount ?? 0,
    state,
    lastState: o.lastState ?? {},
  };
}

interface ScenarioPod {
  name: string;
  /** What kube-apiserver's pod printer shows for it, for the docs; tests ask kubectl itself. */
  shows: string;
  template: PodTemplate;
  build(pod: KubeObject, iso: Iso): void;
  owner?: KubeObject;
  onLostNode?: boolean;
}

/** Sets the scheduled part of a pod's status: host IP (its node's), start time; the caller fills the rest. */
function placed(pod: KubeObject, phase: string, at: string, extra: Json): void {
  const hostIP = (pod.spec as Json).nodeName === lostNodeName ? lostNodeIP : scenarioHostIP;
  pod.status = { phase, qosClass: 'Burstable', hostIP, hostIPs: [{ ip: hostIP }], startTime: at, ...extra };
}

const podIP = (n: number): Json => ({ podIP: `10.244.250.${n}`, podIPs: [{ ip: `10.244.250.${n}` }] });

function scenarioPods(iso: Iso, owners: Record<string, KubeObject>): ScenarioPod[] {
  const hourAgo = iso(3600_000);
  return [
    {
      name: 'crashloop', shows: 'CrashLoopBackOff', template: template('crashloop'),
      build: (p) => placed(p, 'Running', hourAgo, { ...podIP(2), conditions: podConditions(hourAgo, { ready: false }), containerStatuses: [containerStatus('crashloop', waiting('CrashLoopBackOff', 'back-off 5m0s restarting failed container=crashloop'), { restartCount: 14, lastState: terminated(1, 'Error', iso(320_000), iso(300_000)) })] }),
    },
    {
      name: 'creating', shows: 'ContainerCreating', template: template('creating'),
      build: (p) => placed(p, 'Pending', iso(20_000), { conditions: podConditions(iso(20_000), { started: false }), containerStatuses: [containerStatus('creating', waiting('ContainerCreating'))] }),
    },
    {
      name: 'image-pull-backoff', shows: 'ImagePullBackOff', template: { ...template('image-pull-backoff'), containers: [{ name: 'app', image: 'registry.local/demo/app:does-not-exist', cpuMilli: 50, memoryMi: 64 }] },
      build: (p) => placed(p, 'Pending', hourAgo, { ...podIP(3), conditions: podConditions(hourAgo, {}), containerStatuses: [containerStatus('app', waiting('ImagePullBackOff', 'Back-off pulling image "registry.local/demo/app:does-not-exist"'))] }),
    },
    {
      name: 'err-image-pull', shows: 'ErrImagePull', template: template('err-image-pull'),
      build: (p) => placed(p, 'Pending', iso(40_000), { ...podIP(4), conditions: podConditions(iso(40_000), {}), containerStatuses: [containerStatus('err-image-pull', waiting('ErrImagePull', 'failed to pull and unpack image: not found'))] }),
    },
    {
      name: 'config-error', shows: 'CreateContainerConfigError', template: template('config-error'),
      build: (p) => placed(p, 'Pending', hourAgo, { ...podIP(5), conditions: podConditions(hourAgo, {}), containerStatuses: [containerStatus('config-error', waiting('CreateContainerConfigError', 'configmap "app-settings" not found'))] }),
    },
    {
      name: 'oom-killed', shows: 'OOMKilled', template: template('oom-killed', 'Never'),
      build: (p) => placed(p, 'Failed', hourAgo, { ...podIP(6), conditions: podConditions(hourAgo, { notReadyReason: 'PodFailed' }), containerStatuses: [containerStatus('oom-killed', terminated(137, 'OOMKilled', hourAgo, iso(3000_000)))] }),
    },
    {
      name: 'error', shows: 'Error', template: template('migrate', 'Never'), owner: owners.failedJob,
      build: (p) => placed(p, 'Failed', hourAgo, { ...podIP(7), conditions: podConditions(hourAgo, { notReadyReason: 'PodFailed' }), containerStatuses: [containerStatus('migrate', terminated(1, 'Error', hourAgo, iso(3500_000)))] }),
    },
    {
      name: 'completed', shows: 'Completed', template: template('report', 'OnFailure'),
      build: (p) => placed(p, 'Succeeded', hourAgo, { ...podIP(8), conditions: podConditions(hourAgo, { notReadyReason: 'PodCompleted' }), containerStatuses: [containerStatus('report', terminated(0, 'Completed', hourAgo, iso(3540_000)))] }),
    },
    {
      name: 'init-waiting', shows: 'Init:0/2', template: template('init-waiting'),
      build: (p) => {
        withInit(p, ['wait-for-db', 'migrate']);
        placed(p, 'Pending', iso(90_000), { ...podIP(9), conditions: podConditions(iso(90_000), { initialized: false }), initContainerStatuses: [containerStatus('wait-for-db', running(iso(90_000))), containerStatus('migrate', waiting('PodInitializing'))], containerStatuses: [containerStatus('init-waiting', waiting('PodInitializing'))] });
      },
    },
    {
      name: 'init-second', shows: 'Init:1/2', template: template('init-second'),
      build: (p) => {
        withInit(p, ['wait-for-db', 'migrate']);
        placed(p, 'Pending', iso(90_000), { ...podIP(10), conditions: podConditions(iso(90_000), { initialized: false }), initContainerStatuses: [containerStatus('wait-for-db', terminated(0, 'Completed', iso(90_000), iso(60_000))), containerStatus('migrate', running(iso(59_000)))], containerStatuses: [containerStatus('init-second', waiting('PodInitializing'))] });
      },
    },
    {
      name: 'init-crashloop', shows: 'Init:CrashLoopBackOff', template: template('init-crashloop'),
      build: (p) => {
        withInit(p, ['migrate']);
        placed(p, 'Pending', hourAgo, { ...podIP(11), conditions: podConditions(hourAgo, { initialized: false }), initContainerStatuses: [containerStatus('migrate', waiting('CrashLoopBackOff', 'back-off 5m0s restarting failed container=migrate'), { restartCount: 9, lastState: terminated(2, 'Error', iso(330_000), iso(310_000)) })], containerStatuses: [containerStatus('init-crashloop', waiting('PodInitializing'))] });
      },
    },
    {
      name: 'init-error', shows: 'Init:Error', template: template('init-error', 'Never'),
      build: (p) => {
        withInit(p, ['migrate']);
        placed(p, 'Failed', hourAgo, { ...podIP(12), conditions: podConditions(hourAgo, { initialized: false, notReadyReason: 'PodFailed' }), initContainerStatuses: [containerStatus('migrate', terminated(1, 'Error', hourAgo, iso(3590_000)))], containerStatuses: [containerStatus('init-error', waiting('PodInitializing'))] });
      },
    },
    {
      name: 'pod-initializing', shows: 'PodInitializing', template: template('pod-initializing'),
      build: (p) => {
        withInit(p, ['migrate']);
        placed(p, 'Pending', iso(30_000), { ...podIP(13), conditions: podConditions(iso(30_000), {}), initContainerStatuses: [containerStatus('migrate', terminated(0, 'Completed', iso(30_000), iso(5_000)))], containerStatuses: [containerStatus('pod-initializing', waiting('PodInitializing'))] });
      },
    },
    {
      name: 'not-ready', shows: 'NotReady', template: template('not-ready', 'OnFailure', ['app', 'seed-cache']),
      build: (p) => placed(p, 'Running', hourAgo, { ...podIP(14), conditions: podConditions(hourAgo, {}), containerStatuses: [containerStatus('app', running(hourAgo), { ready: true }), containerStatus('seed-cache', terminated(0, 'Completed', hourAgo, iso(3400_000)))] }),
    },
    {
      name: 'sidecar-unready', shows: 'Running', template: template('sidecar-unready'),
      build: (p) => {
        withInit(p, ['proxy'], true);
        placed(p, 'Running', hourAgo, { ...podIP(15), conditions: podConditions(hourAgo, {}), initContainerStatuses: [containerStatus('proxy', running(hourAgo), { started: true, ready: false })], containerStatuses: [containerStatus('sidecar-unready', running(hourAgo), { ready: true })] });
      },
    },
    {
      name: 'terminating', shows: 'Terminating', template: template('terminating'),
      build: (p, at) => {
        // A finalizer nobody removes keeps it Terminating, as a stuck controller's does.
        p.metadata.deletionTimestamp = at(600_000);
        p.metadata.deletionGracePeriodSeconds = 30;
        p.metadata.finalizers = ['example.com/drain-connections'];
        placed(p, 'Running', hourAgo, { ...podIP(16), conditions: podConditions(hourAgo, { ready: true }), containerStatuses: [containerStatus('terminating', running(hourAgo), { ready: true })] });
      },
    },
    {
      name: 'unschedulable', shows: 'Pending', template: { ...template('unschedulable'), containers: [{ name: 'unschedulable', image, cpuMilli: 64_000, memoryMi: 64 }] },
      build: (p) => {
        delete (p.spec as Json).nodeName;
        p.status = { phase: 'Pending', qosClass: 'Burstable', conditions: [condition('PodScheduled', 'False', hourAgo, 'Unschedulable', '0/4 nodes are available: 4 Insufficient cpu. preemption: 0/4 nodes are available: 4 No preemption victims found for incoming pod.')] };
      },
    },
    {
      name: 'scheduling-gated', shows: 'SchedulingGated', template: template('scheduling-gated'),
      build: (p) => {
        delete (p.spec as Json).nodeName;
        (p.spec as Json).schedulingGates = [{ name: 'example.com/quota-check' }];
        p.status = { phase: 'Pending', qosClass: 'Burstable', conditions: [condition('PodScheduled', 'False', hourAgo, 'SchedulingGated', 'Scheduling is blocked due to non-empty scheduling gates')] };
      },
    },
    {
      name: 'evicted', shows: 'Evicted', template: template('evicted'),
      build: (p) => {
        p.status = { phase: 'Failed', reason: 'Evicted', message: 'The node was low on resource: memory. Threshold quantity: 100Mi, available: 91Mi. ', hostIP: scenarioHostIP, startTime: hourAgo, conditions: [condition('DisruptionTarget', 'True', iso(1200_000), 'TerminationByKubelet', 'The node was low on resource: memory.')] };
      },
    },
    {
      name: 'evicted-running', shows: 'ContainerStatusUnknown', template: template('evicted-running'),
      build: (p) => placed(p, 'Failed', hourAgo, { reason: 'Evicted', message: 'The node was low on resource: memory. Threshold quantity: 100Mi, available: 91Mi. ', conditions: podConditions(hourAgo, { notReadyReason: 'PodFailed' }), containerStatuses: [containerStatus('evicted-running', terminated(137, 'ContainerStatusUnknown', hourAgo, iso(1200_000)))] }),
    },
    {
      name: 'node-lost', shows: 'Unknown', template: template('node-lost'), onLostNode: true,
      build: (p, at) => {
        // The node controller evicted it when its node stopped reporting; the kubelet that would finish the deletion is gone.
        p.metadata.deletionTimestamp = at(300_000);
        p.metadata.deletionGracePeriodSeconds = 30;
        placed(p, 'Running', hourAgo, { ...podIP(17), reason: 'NodeLost', message: `Node ${lostNodeName} which was running pod node-lost is unresponsive`, conditions: podConditions(hourAgo, { ready: false }), containerStatuses: [containerStatus('node-lost', running(hourAgo), { ready: true })] });
      },
    },
  ];
}

function addTo(byResource: Map<string, KubeObject[]>, resource: string, o: KubeObject): void {
  const list = byResource.get(resource);
  if (list) list.push(o);
  else byResource.set(resource, [o]);
}

function withInit(pod: KubeObject, names: string[], sidecar = false): void {
  (pod.spec as Json).initContainers = names.map((name) => ({ name, image: 'registry.local/demo/tools:1.0', imagePullPolicy: 'IfNotPresent', ...(sidecar ? { restartPolicy: 'Always' } : {}), terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File' }));
}

/** One step of the crash loop's cycle, as the kubelet takes it: back-off over, the container runs, exits 1, and backs off again. */
export function crashLoopStep(pod: KubeObject, at: string): void {
  const c = (pod.status as Json).containerStatuses?.[0] as Json | undefined;
  if (!c) return;
  if (c.state.waiting) {
    c.state = running(at);
    c.started = true;
  } else if (c.state.running) {
    c.lastState = {};
    c.state = terminated(1, 'Error', c.state.running.startedAt, at);
    c.started = false;
  } else {
    c.lastState = { terminated: c.state.terminated };
    c.restartCount = Number(c.restartCount ?? 0) + 1;
    c.state = waiting('CrashLoopBackOff', `back-off 5m0s restarting failed container=${String(c.name)}`);
  }
}

/** The scenario's namespace, nodes, workloads and pods, to load with the rest of the cluster. */
export function buildTroubleshooting(random: Random, iso: Iso, nodeName: string, nodeIP: string): Map<string, KubeObject[]> {
  scenarioHostIP = nodeIP;
  const ns = scenarioNamespace;
  const out = new Map<string, KubeObject[]>();
  const add = (resource: string, o: KubeObject): void => addTo(out, resource, o);
  const dayAgo = iso(24 * 3600_000);
  add('namespaces', makeNamespace(ns, random.uid(), dayAgo));

  const lost = makeNode({ name: lostNodeName, uid: random.uid(), created: dayAgo, controlPlane: false, cpuCores: 4, memoryGi: 16, internalIP: lostNodeIP, zone: 'zone-c' });
  const unknown = (type: string): Json => nodeCondition(type, 'Unknown', 'NodeStatusUnknown', 'Kubelet stopped posting node status.', iso(600_000));
  (lost.status as Json).conditions = ['MemoryPressure', 'DiskPressure', 'PIDPressure', 'Ready'].map(unknown);
  (lost.spec as Json).taints = [{ key: 'node.kubernetes.io/unreachable', effect: 'NoSchedule', timeAdded: iso(600_000) }, { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute', timeAdded: iso(600_000) }];
  add('nodes', lost);

  const workloads = troubledWorkloads(random, iso, ns, nodeName);
  for (const [resource, objects] of workloads.objects) for (const o of objects) add(resource, o);

  for (const s of scenarioPods(iso, workloads.owners)) {
    const owner = s.owner;
    const target = s.onLostNode ? lostNodeName : nodeName;
    const pod: KubeObject = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: s.name, namespace: ns, uid: random.uid(), resourceVersion: '', creationTimestamp: iso(3600_000 + 60_000), labels: { ...s.template.labels, scenario: s.shows.replace(/[^A-Za-z0-9]/g, '-').replace(/-+$/, '') }, ...(owner ? { ownerReferences: [ownerRef(owner)] } : {}) },
      spec: podSpec(s.template, target),
      status: {},
    };
    s.build(pod, iso);
    add('pods', pod);
  }
  for (const pod of workloads.pods) add('pods', pod);
  for (const event of scenarioEvents(random, iso, out, nodeName)) add('events', event);
  return out;
}

/** What the kubelet, the scheduler and the controllers said about the scenario's objects, so each Describe page has its story. */
function scenarioEvents(random: Random, iso: Iso, built: Map<string, KubeObject[]>, nodeName: string): KubeObject[] {
  const find = (resource: string, name: string) => built.get(resource)?.find((o) => o.metadata.name === name);
  const said: [string, string, 'Normal' | 'Warning', string, string, string][] = [
    ['pods', 'crashloop', 'Warning', 'BackOff', 'Back-off restarting failed container crashloop in pod crashloop_troubleshooting', 'kubelet'],
    ['pods', 'image-pull-backoff', 'Warning', 'Failed', 'Failed to pull image "registry.local/demo/app:does-not-exist": not found', 'kubelet'],
    ['pods', 'image-pull-backoff', 'Normal', 'BackOff', 'Back-off pulling image "registry.local/demo/app:does-not-exist"', 'kubelet'],
    ['pods', 'err-image-pull', 'Warning', 'Failed', 'Error: ErrImagePull', 'kubelet'],
    ['pods', 'config-error', 'Warning', 'Failed', 'Error: configmap "app-settings" not found', 'kubelet'],
    ['pods', 'oom-killed', 'Warning', 'OOMKilling', 'Memory cgroup out of memory: Killed process (app)', 'kubelet'],
    ['pods', 'init-crashloop', 'Warning', 'BackOff', 'Back-off restarting failed container migrate in pod init-crashloop_troubleshooting', 'kubelet'],
    ['pods', 'unschedulable', 'Warning', 'FailedScheduling', '0/4 nodes are available: 4 Insufficient cpu. preemption: 0/4 nodes are available: 4 No preemption victims found for incoming pod.', 'default-scheduler'],
    ['pods', 'evicted', 'Warning', 'Evicted', 'The node was low on resource: memory. Threshold quantity: 100Mi, available: 91Mi.', 'kubelet'],
    ['pods', 'terminating', 'Normal', 'Killing', 'Stopping container terminating', 'kubelet'],
    ['jobs.batch', 'failed-migration', 'Warning', 'BackoffLimitExceeded', 'Job has reached the specified backoff limit', 'job-controller'],
    ['deployments.apps', 'stuck-rollout', 'Normal', 'ScalingReplicaSet', 'Scaled up replica set to 1 with the new image', 'deployment-controller'],
    ['replicasets.apps', '', 'Warning', 'FailedCreate', 'Error creating: pods is forbidden: exceeded quota: compute, requested: cpu=500m, used: cpu=2, limited: cpu=2', 'replicaset-controller'],
  ];
  const events: KubeObject[] = [];
  for (const [resource, name, type, reason, message, component] of said) {
    const involved = name ? find(resource, name) : built.get(resource)?.find((o) => o.metadata.name.startsWith('quota-blocked-'));
    if (!involved) continue;
    const eventName = `${involved.metadata.name}.${random.suffix(10)}`;
    events.push(makeEvent({ name: eventName, namespace: scenarioNamespace, uid: random.uid(), at: iso(random.int(10_000, 600_000)), involved, type, reason, message, component, ...(component === 'kubelet' ? { host: nodeName } : {}) }));
  }
  const lost = find('nodes', lostNodeName);
  if (lost) events.push(makeEvent({ name: `${lostNodeName}.${random.suffix(10)}`, namespace: 'default', uid: random.uid(), at: iso(600_000), involved: lost, type: 'Normal', reason: 'NodeNotReady', message: `Node ${lostNodeName} status is now: NodeNotReady`, component: 'node-controller' }));
  return events;
}

/** Deployments, Jobs and a CronJob in the states kubectl describes: paused, past the progress deadline, quota-blocked, failed, suspended. */
function troubledWorkloads(random: Random, iso: Iso, ns: string, nodeName: string): { objects: Map<string, KubeObject[]>; owners: Record<string, KubeObject>; pods: KubeObject[] } {
  const objects = new Map<string, KubeObject[]>();
  const add = (resource: string, o: KubeObject): void => addTo(objects, resource, o);
  const dayAgo = iso(24 * 3600_000);
  const pods: KubeObject[] = [];
  const cond = (type: string, status: string, reason: string, message: string, at = iso(1800_000)): Json => ({ type, status, lastUpdateTime: at, lastTransitionTime: at, reason, message });

  const deployment = (name: string, replicas: number, extraSpec: Json, status: Json): KubeObject => {
    const d: KubeObject = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: makeWorkloadMeta(name, ns, random.uid(), dayAgo, { app: name }, undefined, { 'deployment.kubernetes.io/revision': '1' }),
      spec: { replicas, selector: { matchLabels: { app: name } }, template: templateSpec(template(name)), strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } }, revisionHistoryLimit: 10, progressDeadlineSeconds: 600, ...extraSpec },
      status: { observedGeneration: 1, ...status },
    };
    add('deployments.apps', d);
    return d;
  };
  const healthyPods = (rs: KubeObject, count: number, firstIP: number): void => {
    for (let i = 0; i < count; i++) {
      const name = `${rs.metadata.name}-${random.suffix(5)}`;
      const hourAgo = iso(3600_000);
      const pod: KubeObject = {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name, namespace: ns, uid: random.uid(), resourceVersion: '', creationTimestamp: hourAgo, labels: { ...(rs.spec as Json).template.metadata.labels }, ownerReferences: [ownerRef(rs)] },
        spec: podSpec(template(String((rs.spec as Json).template.metadata.labels.app)), nodeName),
        status: {},
      };
      placed(pod, 'Running', hourAgo, { ...podIP(firstIP + i), conditions: podConditions(hourAgo, { ready: true }), containerStatuses: [containerStatus(String((pod.spec as Json).containers[0].name), running(hourAgo), { ready: true })] });
      pods.push(pod);
    }
  };
  const available = (ready: boolean): Json => cond('Available', ready ? 'True' : 'False', ready ? 'MinimumReplicasAvailable' : 'MinimumReplicasUnavailable', ready ? 'Deployment has minimum availability.' : 'Deployment does not have minimum availability.');

  const paused = deployment('paused-web', 2, { paused: true }, { replicas: 2, updatedReplicas: 2, readyReplicas: 2, availableReplicas: 2, conditions: [available(true), cond('Progressing', 'Unknown', 'DeploymentPaused', 'Deployment is paused')] });
  const pausedRs = makeReplicaSet(paused, random.suffix(10), 2, dayAgo, '1', random.uid());
  pausedRs.status = { replicas: 2, fullyLabeledReplicas: 2, readyReplicas: 2, availableReplicas: 2, observedGeneration: 1 };
  add('replicasets.apps', pausedRs);
  healthyPods(pausedRs, 2, 30);

  const stuck = deployment('stuck-rollout', 2, {}, {
    replicas: 3, updatedReplicas: 1, readyReplicas: 2, availableReplicas: 2, unavailableReplicas: 1,
    conditions: [available(true), cond('Progressing', 'False', 'ProgressDeadlineExceeded', 'ReplicaSet has timed out progressing.')],
  });
  stuck.metadata.annotations = { 'deployment.kubernetes.io/revision': '2' };
  const oldRs = makeReplicaSet(stuck, random.suffix(10), 2, dayAgo, '1', random.uid());
  oldRs.status = { replicas: 2, fullyLabeledReplicas: 2, readyReplicas: 2, availableReplicas: 2, observedGeneration: 1 };
  const newRs = makeReplicaSet(stuck, random.suffix(10), 1, iso(2400_000), '2', random.uid());
  ((newRs.spec as Json).template.spec.containers[0] as Json).image = 'registry.local/demo/app:1.5.0-typo';
  newRs.status = { replicas: 1, fullyLabeledReplicas: 1, readyReplicas: 0, availableReplicas: 0, observedGeneration: 1 };
  // The controller names the ReplicaSet that timed out.
  for (const c of (stuck.status as Json).conditions as Json[]) if (c.type === 'Progressing') c.message = `ReplicaSet "${newRs.metadata.name}" has timed out progressing.`;
  add('replicasets.apps', oldRs);
  add('replicasets.apps', newRs);
  healthyPods(oldRs, 2, 40);
  const pulling: KubeObject = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `${newRs.metadata.name}-${random.suffix(5)}`, namespace: ns, uid: random.uid(), resourceVersion: '', creationTimestamp: iso(2400_000), labels: { ...(newRs.spec as Json).template.metadata.labels }, ownerReferences: [ownerRef(newRs)] },
    spec: { ...podSpec(template('stuck-rollout'), nodeName) },
    status: {},
  };
  ((pulling.spec as Json).containers[0] as Json).image = 'registry.local/demo/app:1.5.0-typo';
  placed(pulling, 'Pending', iso(2400_000), { ...podIP(45), conditions: podConditions(iso(2400_000), {}), containerStatuses: [containerStatus('stuck-rollout', waiting('ImagePullBackOff', 'Back-off pulling image "registry.local/demo/app:1.5.0-typo"'))] });
  pods.push(pulling);

  const blocked = deployment('quota-blocked', 1, {}, {
    replicas: 0, unavailableReplicas: 1,
    conditions: [available(false), cond('ReplicaFailure', 'True', 'FailedCreate', 'pods "quota-blocked-5d9f7" is forbidden: exceeded quota: compute, requested: cpu=500m, used: cpu=2, limited: cpu=2'), cond('Progressing', 'True', 'ReplicaSetUpdated', 'ReplicaSet "quota-blocked" is progressing.')],
  });
  const blockedRs = makeReplicaSet(blocked, random.suffix(10), 1, dayAgo, '1', random.uid());
  blockedRs.status = { replicas: 0, observedGeneration: 1, conditions: [{ type: 'ReplicaFailure', status: 'True', reason: 'FailedCreate', message: 'exceeded quota: compute', lastTransitionTime: iso(1800_000) }] };
  add('replicasets.apps', blockedRs);

  const job = (name: string, spec: Json, status: Json): KubeObject => {
    const j: KubeObject = { apiVersion: 'batch/v1', kind: 'Job', metadata: makeWorkloadMeta(name, ns, random.uid(), iso(3700_000), { app: name }), spec: { completions: 1, parallelism: 1, backoffLimit: 0, template: templateSpec(template(name, 'Never')), ...spec }, status };
    add('jobs.batch', j);
    return j;
  };
  const jobCond = (type: string, reason: string, message: string): Json => ({ type, status: 'True', lastProbeTime: iso(3500_000), lastTransitionTime: iso(3500_000), reason, message });
  const failedJob = job('failed-migration', {}, { startTime: iso(3600_000), failed: 1, conditions: [jobCond('FailureTarget', 'BackoffLimitExceeded', 'Job has reached the specified backoff limit'), jobCond('Failed', 'BackoffLimitExceeded', 'Job has reached the specified backoff limit')] });
  job('suspended-backfill', { suspend: true }, { conditions: [jobCond('Suspended', 'JobSuspended', 'Job suspended')] });
  const cron: KubeObject = {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: makeWorkloadMeta('suspended-cleanup', ns, random.uid(), dayAgo, { app: 'suspended-cleanup' }),
    spec: { schedule: '*/30 * * * *', concurrencyPolicy: 'Forbid', suspend: true, successfulJobsHistoryLimit: 3, failedJobsHistoryLimit: 1, jobTemplate: { spec: { template: templateSpec(template('cleanup', 'OnFailure')) } } },
    status: { lastScheduleTime: iso(7200_000) },
  };
  add('cronjobs.batch', cron);
  return { objects, owners: { failedJob }, pods };
}

/** A node under memory pressure, as the kubelet reports it and the node lifecycle controller taints it. */
export function putUnderMemoryPressure(node: KubeObject, at: string): void {
  const conditions = ((node.status as Json).conditions ?? []) as Json[];
  const i = conditions.findIndex((c) => c.type === 'MemoryPressure');
  const next = nodeCondition('MemoryPressure', 'True', 'KubeletHasInsufficientMemory', 'kubelet has insufficient memory available', at);
  if (i >= 0) conditions[i] = next as Json;
  else conditions.unshift(next as Json);
  const spec = node.spec as Json;
  spec.taints = [...(spec.taints ?? []), { key: 'node.kubernetes.io/memory-pressure', effect: 'NoSchedule', timeAdded: at }];
}
