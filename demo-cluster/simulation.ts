/**
 * Simulation builds a plausible cluster from a seed and keeps it alive: controllers that turn
 * deployments into replicasets into pods, a scheduler and kubelet that move new pods from Pending
 * to Running, and churn at a set rate (pods replaced, containers restarting, rollouts, events,
 * nodes going NotReady and back). With churn 0 nothing changes unless a client writes, so tests
 * can be exact; the controllers still react to writes (scaling, deleting a pod).
 */
import {
  completePod,
  containerStatuses,
  makeEvent,
  makeNamespace,
  makeNode,
  makePendingPod,
  makeWorkloadMeta,
  nodeCondition,
  restartContainer,
  schedulePod,
  startPod,
  templateSpec,
} from './objects.js';
import type { PodTemplate } from './objects.js';
import { Random } from './random.js';
import type { Change, KubeObject } from './store.js';
import { keyOf, objectKey } from './store.js';
import type { Stores } from './stores.js';

export interface SimulationOptions {
  nodes: number;
  pods: number;
  namespaces: number;
  seed: number;
  /** Simulated changes per second; 0 = none. */
  churn: number;
}

const appNamespaces = ['shop', 'payments', 'monitoring', 'data', 'batch', 'search', 'auth', 'media', 'analytics', 'edge'];
const appNames = ['frontend', 'cart', 'checkout', 'catalog', 'api', 'worker', 'gateway', 'orders', 'inventory', 'recommender', 'notifier', 'billing', 'profile', 'reviews', 'shipping'];
const images: Record<string, string> = { default: 'registry.local/demo/app:1.4.2' };
/** Events kept at most; older ones are deleted, as the event TTL does on a real cluster. */
const maxEventsFloor = 500;
const tickMs = 100;
/** Empty old ReplicaSets kept per deployment (a real cluster keeps revisionHistoryLimit, 10). */
const revisionHistoryKept = 3;

interface Controller {
  kind: 'ReplicaSet' | 'StatefulSet' | 'DaemonSet' | 'Job';
  namespace: string;
  name: string;
}

export class Simulation {
  readonly random: Random;
  private readonly nodeIPs = new Map<string, string>();
  private workerNames: string[] = [];
  private allNodeNames: string[] = [];
  /** Every pod key, for picking one at random in constant time. */
  private readonly podKeys: string[] = [];
  private readonly podSlot = new Map<string, number>();
  private readonly podsByOwner = new Map<string, Set<string>>();
  private readonly eventKeys: string[] = [];
  /** Pod names handed out while generating, before any is in the store. */
  private readonly namesTaken = new Set<string>();
  private generating = false;
  private readonly staleOwners = new Map<string, { kind: string; namespace: string; name: string }>();
  private statusFlush: NodeJS.Immediate | undefined;
  /** Deployments with a rollout step already scheduled. */
  private readonly rolling = new Set<string>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private churnTimer: NodeJS.Timeout | undefined;
  private churnBudget = 0;
  private ipCounter = 0;
  private eventCounter = 0;
  private stopped = false;
  private readonly maxEvents: number;
  /** Churn scales deployments up to this many replicas at most. */
  private readonly churnReplicaCap: number;

  constructor(
    private readonly stores: Stores,
    private readonly options: SimulationOptions,
    private readonly now: () => number = Date.now,
  ) {
    this.random = new Random(options.seed);
    this.maxEvents = Math.max(maxEventsFloor, Math.min(5000, Math.floor(options.pods / 4)));
    this.churnReplicaCap = Math.max(12, Math.ceil(options.pods / 400) * 4);
    stores.pods.subscribe((change) => this.indexPod(change));
  }

  private iso(offsetMs = 0): string {
    return new Date(this.now() - offsetMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
  }

  // --- building the initial cluster ------------------------------------------------------

  /** Builds the whole cluster in memory and loads each store in one go, before anyone watches. */
  generate(): void {
    this.generating = true;
    const r = this.random;
    const clusterAgeMs = 3 * 24 * 3600_000;
    const nsNames = ['default', 'kube-system', ...appNamespaces];
    for (let team = 1; nsNames.length < this.options.namespaces; team++) nsNames.push(`team-${String(team).padStart(3, '0')}`);
    const namespaces = nsNames.slice(0, Math.max(2, this.options.namespaces));
    const apps = namespaces.filter((n) => n !== 'kube-system');
    this.stores.namespaces.bulkLoad(namespaces.map((n) => makeNamespace(n, r.uid(), this.iso(clusterAgeMs))));

    const nodes: KubeObject[] = [];
    const width = String(this.options.nodes).length;
    for (let i = 0; i < this.options.nodes; i++) {
      const controlPlane = i === 0;
      const name = controlPlane ? 'demo-control-plane' : `demo-worker-${String(i).padStart(width, '0')}`;
      const ip = `10.0.${Math.floor(i / 250)}.${(i % 250) + 2}`;
      this.nodeIPs.set(name, ip);
      nodes.push(
        makeNode({ name, uid: r.uid(), created: this.iso(clusterAgeMs - i * 1000), controlPlane, cpuCores: controlPlane ? 4 : r.pick([4, 8, 16]), memoryGi: controlPlane ? 8 : r.pick([16, 32, 64]), internalIP: ip, zone: `zone-${'abc'[i % 3]}` }),
      );
    }
    this.stores.nodes.bulkLoad(nodes);
    this.allNodeNames = nodes.map((n) => n.metadata.name);
    this.workerNames = this.allNodeNames.length > 1 ? this.allNodeNames.slice(1) : this.allNodeNames;

    const built = new Built();
    let budget = this.options.pods;
    const take = (n: number): number => {
      const granted = Math.max(0, Math.min(n, budget));
      budget -= granted;
      return granted;
    };
    const age = (): number => r.int(60_000, clusterAgeMs - 60_000);

    // Per-node agents come first, as on a real cluster, if the pod budget allows.
    if (this.options.pods >= this.allNodeNames.length * 2) {
      this.buildDaemonSet(built, 'kube-system', 'kube-proxy', 'registry.k8s.io/kube-proxy:v1.31.4', this.allNodeNames, age(), take(this.allNodeNames.length));
    }
    if (namespaces.includes('monitoring') && this.options.pods >= this.allNodeNames.length * 4) {
      this.buildDaemonSet(built, 'monitoring', 'node-exporter', 'quay.io/prometheus/node-exporter:v1.8.2', this.allNodeNames, age(), take(this.allNodeNames.length));
    }
    this.buildDeployment(built, 'kube-system', 'coredns', take(2), age());
    if (namespaces.includes('data')) {
      this.buildStatefulSet(built, 'data', 'postgres', take(3), age());
      this.buildStatefulSet(built, 'data', 'redis', take(3), age());
    }
    if (namespaces.includes('batch')) this.buildCronJob(built, 'batch', 'nightly-report', take(2), age());

    // The rest are app deployments: about eight replicas each, more for big clusters.
    const perDeployment = Math.max(4, Math.ceil(this.options.pods / 400));
    for (let i = 0; budget > 0; i++) {
      const ns = apps[i % apps.length] as string;
      const base = appNames[Math.floor(i / apps.length) % appNames.length] as string;
      const round = Math.floor(i / (apps.length * appNames.length));
      const name = round === 0 ? base : `${base}-${round + 1}`;
      this.buildDeployment(built, ns, name, take(r.int(Math.max(1, perDeployment / 2), perDeployment * 2)), age());
    }

    for (const [resource, objects] of built.byResource) this.stores.byName(resource).bulkLoad(objects);
    this.namesTaken.clear();
    this.generating = false;
    for (const pod of built.byResource.get('pods') ?? []) this.indexPod({ type: 'ADDED', key: keyOf(pod), object: pod, previous: undefined, revision: 0 });
    for (const pod of (built.byResource.get('pods') ?? []).slice(0, 20)) this.recordEvent(pod, 'Normal', 'Started', `Started container ${this.firstContainer(pod)}`, 'kubelet');
  }

  private template(name: string, image: string, extraLabels: Record<string, string> = {}, tolerateControlPlane = false): PodTemplate {
    const r = this.random;
    const containers = [{ name, image, cpuMilli: r.pick([20, 50, 100, 200]), memoryMi: r.pick([64, 128, 256]) }];
    if (r.chance(0.15)) containers.push({ name: 'sidecar', image: 'registry.local/demo/proxy:2.1.0', cpuMilli: 20, memoryMi: 32 });
    return { labels: { app: name, ...extraLabels }, containers, restartPolicy: 'Always', tolerateControlPlane };
  }

  private buildDeployment(built: Built, ns: string, name: string, replicas: number, ageMs: number): void {
    const r = this.random;
    const template = this.template(name, images.default ?? '', { tier: r.pick(['web', 'backend', 'cache']) });
    const hash = r.suffix(10);
    const created = this.iso(ageMs);
    const deployment: KubeObject = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: makeWorkloadMeta(name, ns, r.uid(), created, { app: name }, undefined, { 'deployment.kubernetes.io/revision': '1' }),
      spec: { replicas, selector: { matchLabels: { app: name } }, template: templateSpec(template), strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } }, revisionHistoryLimit: 10, progressDeadlineSeconds: 600 },
      status: {},
    };
    const rs = this.makeReplicaSet(deployment, hash, replicas, created, '1');
    built.add('deployments.apps', deployment);
    built.add('replicasets.apps', rs);
    const pods: KubeObject[] = [];
    for (let i = 0; i < replicas; i++) pods.push(this.runningPod(ns, this.uniquePodName(ns, rs.metadata.name), rs, rsTemplate(rs), this.randomWorker(), ageMs));
    built.addAll('pods', pods);
    rs.status = replicaStatus(pods, replicas);
    deployment.status = deploymentStatus(deployment, pods, replicas);
  }

  private makeReplicaSet(deployment: KubeObject, hash: string, replicas: number, created: string, revision: string): KubeObject {
    const spec = deployment.spec as { template: { metadata: { labels: Record<string, string> }; spec: Record<string, unknown> }; selector: { matchLabels: Record<string, string> } };
    const labels = { ...spec.template.metadata.labels, 'pod-template-hash': hash };
    return {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: makeWorkloadMeta(`${deployment.metadata.name}-${hash}`, deployment.metadata.namespace ?? 'default', this.random.uid(), created, labels, deployment, {
        'deployment.kubernetes.io/desired-replicas': String(replicas),
        'deployment.kubernetes.io/revision': revision,
      }),
      spec: { replicas, selector: { matchLabels: { ...spec.selector.matchLabels, 'pod-template-hash': hash } }, template: { metadata: { labels }, spec: structuredClone(spec.template.spec) } },
      status: { replicas: 0, readyReplicas: 0, availableReplicas: 0, fullyLabeledReplicas: 0, observedGeneration: 1 },
    };
  }

  private buildStatefulSet(built: Built, ns: string, name: string, replicas: number, ageMs: number): void {
    const template = this.template(name, `registry.local/demo/${name}:16.4`);
    const sts: KubeObject = {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: makeWorkloadMeta(name, ns, this.random.uid(), this.iso(ageMs), { app: name }),
      spec: { replicas, serviceName: name, selector: { matchLabels: { app: name } }, template: templateSpec(template), podManagementPolicy: 'OrderedReady', updateStrategy: { type: 'RollingUpdate' } },
      status: {},
    };
    const pods: KubeObject[] = [];
    for (let i = 0; i < replicas; i++) {
      pods.push(this.runningPod(ns, `${name}-${i}`, sts, { ...template, labels: { ...template.labels, 'statefulset.kubernetes.io/pod-name': `${name}-${i}` } }, this.randomWorker(), ageMs));
    }
    built.add('statefulsets.apps', sts);
    built.addAll('pods', pods);
    sts.status = { ...replicaStatus(pods, replicas), currentReplicas: replicas, updatedReplicas: replicas, observedGeneration: 1, collisionCount: 0 };
  }

  private buildDaemonSet(built: Built, ns: string, name: string, image: string, nodeNames: string[], ageMs: number, count: number): void {
    const template = this.template(name, image, {}, true);
    const ds: KubeObject = {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: makeWorkloadMeta(name, ns, this.random.uid(), this.iso(ageMs), { app: name }),
      spec: { selector: { matchLabels: { app: name } }, template: templateSpec(template), updateStrategy: { type: 'RollingUpdate' } },
      status: {},
    };
    const pods = nodeNames.slice(0, count).map((node) => this.runningPod(ns, this.uniquePodName(ns, name), ds, template, node, ageMs));
    built.add('daemonsets.apps', ds);
    built.addAll('pods', pods);
    const ready = pods.filter(isPodReady).length;
    ds.status = { currentNumberScheduled: pods.length, desiredNumberScheduled: pods.length, numberAvailable: ready, numberReady: ready, numberMisscheduled: 0, updatedNumberScheduled: pods.length, observedGeneration: 1 };
  }

  private buildCronJob(built: Built, ns: string, name: string, runs: number, ageMs: number): void {
    const template: PodTemplate = { ...this.template(name, 'registry.local/demo/report:3.0'), restartPolicy: 'OnFailure' };
    const cron: KubeObject = {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: makeWorkloadMeta(name, ns, this.random.uid(), this.iso(ageMs), { app: name }),
      spec: { schedule: '0 2 * * *', concurrencyPolicy: 'Forbid', suspend: false, successfulJobsHistoryLimit: 3, failedJobsHistoryLimit: 1, jobTemplate: { spec: { template: templateSpec(template) } } },
      status: { lastScheduleTime: this.iso(3600_000), lastSuccessfulTime: this.iso(3500_000) },
    };
    built.add('cronjobs.batch', cron);
    for (let i = 0; i < runs; i++) {
      const runAge = (i + 1) * 24 * 3600_000 - 7200_000;
      const job: KubeObject = {
        apiVersion: 'batch/v1',
        kind: 'Job',
        metadata: makeWorkloadMeta(`${name}-${29_000_000 - i * 1440}`, ns, this.random.uid(), this.iso(runAge), { app: name }, cron),
        spec: { completions: 1, parallelism: 1, backoffLimit: 6, template: templateSpec(template) },
        status: { succeeded: 1, startTime: this.iso(runAge), completionTime: this.iso(runAge - 95_000), conditions: [{ type: 'Complete', status: 'True', lastProbeTime: this.iso(runAge - 95_000), lastTransitionTime: this.iso(runAge - 95_000) }] },
      };
      const pod = this.runningPod(ns, this.uniquePodName(ns, job.metadata.name), job, template, this.randomWorker(), runAge);
      completePod(pod, this.iso(runAge - 95_000));
      built.add('jobs.batch', job);
      built.add('pods', pod);
    }
  }

  /** A pod as it is after a while on a healthy node; a few restarted, a rare one crash-looping. */
  private runningPod(ns: string, name: string, owner: KubeObject, template: PodTemplate, nodeName: string, ageMs: number): KubeObject {
    const r = this.random;
    const created = this.iso(ageMs);
    const pod = makePendingPod({ name, namespace: ns, uid: r.uid(), created, owner, template });
    schedulePod(pod, nodeName, this.nodeIPs.get(nodeName) ?? '10.0.0.2', created);
    startPod(pod, this.nextPodIP(), created);
    if (r.chance(0.08)) {
      const times = r.int(1, 4);
      for (let i = 0; i < times; i++) restartContainer(pod, 0, this.iso(r.int(1000, ageMs)), false);
    }
    if (r.chance(0.01)) restartContainer(pod, 0, this.iso(30_000), true);
    return pod;
  }

  /**
   * `<owner>-<5 random chars>`, never one already taken: 5,000 daemon pods in one namespace
   * would otherwise collide about once (27^5 suffixes, the birthday bound).
   */
  private uniquePodName(ns: string, owner: string): string {
    for (;;) {
      const name = `${owner}-${this.random.suffix(5)}`;
      const key = objectKey(ns, name);
      if (!this.namesTaken.has(key) && !this.stores.pods.get(ns, name)) {
        // Only generation needs the set; afterwards the store itself says what is taken.
        if (this.generating) this.namesTaken.add(key);
        return name;
      }
    }
  }

  private randomWorker(): string {
    return this.random.pick(this.workerNames);
  }

  private nextPodIP(): string {
    const n = this.ipCounter++;
    return `10.244.${Math.floor(n / 250) % 250}.${(n % 250) + 2}`;
  }

  private firstContainer(pod: KubeObject): string {
    return String(((pod.spec as { containers: { name: string }[] }).containers[0] ?? { name: 'app' }).name);
  }

  // --- indexes ---------------------------------------------------------------------------

  private indexPod(change: Change): void {
    const key = change.key;
    const ownerUid = change.object.metadata.ownerReferences?.[0]?.uid;
    if (change.type === 'ADDED') {
      if (!this.podSlot.has(key)) {
        this.podSlot.set(key, this.podKeys.length);
        this.podKeys.push(key);
      }
      if (ownerUid) {
        let set = this.podsByOwner.get(ownerUid);
        if (!set) this.podsByOwner.set(ownerUid, (set = new Set()));
        set.add(key);
      }
    } else if (change.type === 'DELETED') {
      const slot = this.podSlot.get(key);
      if (slot !== undefined) {
        const last = this.podKeys.pop() as string;
        if (last !== key) {
          this.podKeys[slot] = last;
          this.podSlot.set(last, slot);
        }
        this.podSlot.delete(key);
      }
      if (ownerUid) this.podsByOwner.get(ownerUid)?.delete(key);
    }
  }

  private podsOf(owner: KubeObject): KubeObject[] {
    const keys = this.podsByOwner.get(owner.metadata.uid) ?? new Set<string>();
    const pods: KubeObject[] = [];
    for (const key of keys) {
      const pod = this.stores.pods.getByKey(key);
      if (pod) pods.push(pod);
    }
    return pods;
  }

  // --- controllers -------------------------------------------------------------------------

  /** Runs `fn` after `ms` unless the simulation has stopped; the timer is forgotten when it fires. */
  private later(ms: number, fn: () => void): void {
    if (this.stopped) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (!this.stopped) fn();
    }, ms);
    this.timers.add(timer);
  }

  /** The newest ReplicaSet of a deployment: the one new pods go to. */
  private currentReplicaSet(deployment: KubeObject): KubeObject | undefined {
    const ns = deployment.metadata.namespace;
    let best: KubeObject | undefined;
    let bestRevision = -1;
    for (const rs of this.stores.replicasets.values(ns)) {
      if (rs.metadata.ownerReferences?.[0]?.uid !== deployment.metadata.uid) continue;
      const revision = Number(rs.metadata.annotations?.['deployment.kubernetes.io/revision'] ?? 0);
      if (revision > bestRevision) {
        best = rs;
        bestRevision = revision;
      }
    }
    return best;
  }

  private replicaSetsOf(deployment: KubeObject): KubeObject[] {
    const owned: KubeObject[] = [];
    for (const rs of this.stores.replicasets.values(deployment.metadata.namespace)) {
      if (rs.metadata.ownerReferences?.[0]?.uid === deployment.metadata.uid) owned.push(rs);
    }
    return owned;
  }

  private setReplicaSetReplicas(rs: KubeObject, replicas: number): void {
    const ns = rs.metadata.namespace ?? 'default';
    if ((rs.spec as { replicas: number }).replicas !== replicas) {
      this.stores.replicasets.mutate(ns, rs.metadata.name, (draft) => {
        (draft.spec as { replicas: number }).replicas = replicas;
        (draft.metadata.annotations ??= {})['deployment.kubernetes.io/desired-replicas'] = String(replicas);
      });
    }
    this.reconcilePods({ kind: 'ReplicaSet', namespace: ns, name: rs.metadata.name });
  }

  /**
   * The deployment controller: while older ReplicaSets still have replicas, each step moves one
   * replica from an old ReplicaSet to the current one (a rolling update, one pod at a time) and
   * schedules the next step; once they are all at zero, the current one simply follows
   * `spec.replicas`, and ReplicaSets past the history limit are deleted. Every step reads the
   * state afresh, so overlapping rollouts and scaling converge instead of racing.
   */
  reconcileDeployment(namespace: string, name: string): void {
    const deployment = this.stores.deployments.get(namespace, name);
    if (!deployment) return;
    const current = this.currentReplicaSet(deployment);
    if (!current) return;
    const desired = Number((deployment.spec as { replicas?: number }).replicas ?? 1);
    const old = this.replicaSetsOf(deployment).filter((rs) => rs !== current);
    const draining = old.filter((rs) => Number((rs.spec as { replicas?: number }).replicas ?? 0) > 0);
    const have = Number((current.spec as { replicas?: number }).replicas ?? 0);
    if (draining.length === 0) {
      this.setReplicaSetReplicas(current, desired);
      this.pruneHistory(old);
      return;
    }
    this.setReplicaSetReplicas(current, Math.min(desired, have + 1));
    const victim = draining[0] as KubeObject;
    this.setReplicaSetReplicas(victim, Number((victim.spec as { replicas: number }).replicas) - 1);
    const key = objectKey(namespace, name);
    if (!this.rolling.has(key)) {
      this.rolling.add(key);
      this.later(this.random.int(300, 900), () => {
        this.rolling.delete(key);
        this.reconcileDeployment(namespace, name);
      });
    }
  }

  /** Keeps the newest few empty ReplicaSets for history, as revisionHistoryLimit does. */
  private pruneHistory(old: KubeObject[]): void {
    const empty = old
      .filter((rs) => Number((rs.spec as { replicas?: number }).replicas ?? 0) === 0 && this.podsOf(rs).length === 0)
      .sort((a, b) => Number(b.metadata.annotations?.['deployment.kubernetes.io/revision'] ?? 0) - Number(a.metadata.annotations?.['deployment.kubernetes.io/revision'] ?? 0));
    for (const rs of empty.slice(revisionHistoryKept)) this.stores.replicasets.delete(rs.metadata.namespace, rs.metadata.name);
  }

  /** Creates or deletes pods until a controller has as many as it wants. */
  reconcilePods(controller: Controller): void {
    const store = controller.kind === 'ReplicaSet' ? this.stores.replicasets : controller.kind === 'StatefulSet' ? this.stores.statefulsets : controller.kind === 'DaemonSet' ? this.stores.daemonsets : this.stores.jobs;
    const owner = store.get(controller.namespace, controller.name);
    if (!owner) return;
    const pods = this.podsOf(owner);
    const want = controller.kind === 'DaemonSet' ? Number((owner.status as { desiredNumberScheduled?: number }).desiredNumberScheduled ?? pods.length) : controller.kind === 'Job' ? pods.length : Number((owner.spec as { replicas?: number }).replicas ?? 1);
    if (pods.length < want) {
      const taken = new Set(pods.map((p) => p.metadata.name));
      for (let i = 0, made = 0; made < want - pods.length; i++) {
        const name = controller.kind === 'StatefulSet' ? `${controller.name}-${i}` : this.uniquePodName(controller.namespace, controller.name);
        if (taken.has(name) || this.stores.pods.get(controller.namespace, name)) continue;
        this.createPod(owner, name);
        made++;
      }
    } else if (pods.length > want) {
      // Scale down removes the youngest pods first, as the ReplicaSet controller prefers.
      const victims = [...pods].sort((a, b) => (a.metadata.creationTimestamp < b.metadata.creationTimestamp ? 1 : -1)).slice(0, pods.length - want);
      for (const pod of victims) {
        this.stores.pods.delete(pod.metadata.namespace, pod.metadata.name);
        this.recordEvent(owner, 'Normal', 'SuccessfulDelete', `Deleted pod: ${pod.metadata.name}`, 'replicaset-controller');
      }
    }
    this.refreshStatus(owner);
  }

  private createPod(owner: KubeObject, name: string): void {
    const ns = owner.metadata.namespace ?? 'default';
    const spec = owner.spec as { template: { metadata: { labels: Record<string, string> }; spec: { containers: { name: string; image: string; resources: { requests: { cpu: string; memory: string } } }[]; restartPolicy: PodTemplate['restartPolicy'] } } };
    const template: PodTemplate = {
      labels: spec.template.metadata.labels,
      containers: spec.template.spec.containers.map((c) => ({ name: c.name, image: c.image, cpuMilli: parseInt(c.resources.requests.cpu, 10), memoryMi: parseInt(c.resources.requests.memory, 10) })),
      restartPolicy: spec.template.spec.restartPolicy,
    };
    const pod = makePendingPod({ name, namespace: ns, uid: this.random.uid(), created: this.iso(), owner, template });
    this.stores.pods.create(pod);
    this.recordEvent(owner, 'Normal', 'SuccessfulCreate', `Created pod: ${name}`, `${owner.kind.toLowerCase()}-controller`);
    // The scheduler binds it shortly, the kubelet starts it a little later.
    this.later(this.random.int(100, 400), () => this.schedule(ns, name));
  }

  private schedule(ns: string, name: string): void {
    const node = this.randomWorker();
    const pod = this.stores.pods.mutate(ns, name, (draft) => schedulePod(draft, node, this.nodeIPs.get(node) ?? '10.0.0.2', this.iso()));
    if (!pod) return;
    this.recordEvent(pod, 'Normal', 'Scheduled', `Successfully assigned ${ns}/${name} to ${node}`, 'default-scheduler');
    this.later(this.random.int(300, 1200), () => this.startContainers(ns, name));
  }

  private startContainers(ns: string, name: string): void {
    const pod = this.stores.pods.mutate(ns, name, (draft) => startPod(draft, this.nextPodIP(), this.iso()));
    if (!pod) return;
    this.recordEvent(pod, 'Normal', 'Started', `Started container ${this.firstContainer(pod)}`, 'kubelet', String((pod.spec as { nodeName?: string }).nodeName ?? ''));
    this.refreshOwnerOf(pod);
  }

  private refreshOwnerOf(pod: KubeObject): void {
    const ref = pod.metadata.ownerReferences?.[0];
    if (!ref) return;
    const store = ref.kind === 'ReplicaSet' ? this.stores.replicasets : ref.kind === 'StatefulSet' ? this.stores.statefulsets : ref.kind === 'DaemonSet' ? this.stores.daemonsets : undefined;
    const owner = store?.get(pod.metadata.namespace, ref.name);
    if (owner) this.refreshStatus(owner);
  }

  /** Recomputes a controller's status from its pods (and a deployment's from its replicasets). */
  /**
   * Marks a controller's status as stale; statuses are recomputed once per turn of the event
   * loop, however many of its pods changed in it (under heavy churn, hundreds).
   */
  private refreshStatus(owner: KubeObject): void {
    this.staleOwners.set(owner.metadata.uid, { kind: owner.kind, namespace: owner.metadata.namespace ?? 'default', name: owner.metadata.name });
    this.statusFlush ??= setImmediate(() => {
      this.statusFlush = undefined;
      const stale = [...this.staleOwners.values()];
      this.staleOwners.clear();
      if (this.stopped) return;
      for (const ref of stale) {
        const store = { ReplicaSet: this.stores.replicasets, StatefulSet: this.stores.statefulsets, DaemonSet: this.stores.daemonsets }[ref.kind];
        const current = store?.get(ref.namespace, ref.name);
        if (current) this.recomputeStatus(current);
      }
    });
  }

  private recomputeStatus(owner: KubeObject): void {
    const ns = owner.metadata.namespace;
    const pods = this.podsOf(owner);
    const ready = pods.filter(isPodReady).length;
    if (owner.kind === 'ReplicaSet') {
      const replicas = Number((owner.spec as { replicas?: number }).replicas ?? 0);
      const next = replicaStatus(pods, replicas);
      if (!sameJson(owner.status, next)) this.stores.replicasets.mutate(ns, owner.metadata.name, (d) => void (d.status = next));
      const depRef = owner.metadata.ownerReferences?.[0];
      const deployment = depRef ? this.stores.deployments.get(ns, depRef.name) : undefined;
      if (deployment) {
        const all: KubeObject[] = [];
        for (const rs of this.stores.replicasets.values(ns)) if (rs.metadata.ownerReferences?.[0]?.uid === deployment.metadata.uid) all.push(...this.podsOf(rs));
        const current = this.currentReplicaSet(deployment);
        const status = deploymentStatus(deployment, all, Number((deployment.spec as { replicas?: number }).replicas ?? 0), current ? this.podsOf(current).length : all.length);
        if (!sameJson(deployment.status, status)) this.stores.deployments.mutate(ns, deployment.metadata.name, (d) => void (d.status = status));
      }
    } else if (owner.kind === 'StatefulSet') {
      this.stores.statefulsets.mutate(ns, owner.metadata.name, (d) => {
        Object.assign(d.status as object, { replicas: pods.length, readyReplicas: ready, availableReplicas: ready, currentReplicas: pods.length, updatedReplicas: pods.length });
      });
    } else if (owner.kind === 'DaemonSet') {
      this.stores.daemonsets.mutate(ns, owner.metadata.name, (d) => {
        Object.assign(d.status as object, { currentNumberScheduled: pods.length, numberReady: ready, numberAvailable: ready, updatedNumberScheduled: pods.length });
      });
    }
  }

  /** A client deleted a pod: remove it, and let its controller replace it. */
  deletePod(namespace: string, name: string): KubeObject | undefined {
    const pod = this.stores.pods.delete(namespace, name);
    if (!pod) return undefined;
    const ref = pod.metadata.ownerReferences?.[0];
    if (ref && (ref.kind === 'ReplicaSet' || ref.kind === 'StatefulSet' || ref.kind === 'DaemonSet')) {
      this.reconcilePods({ kind: ref.kind, namespace, name: ref.name });
    }
    return pod;
  }

  recordEvent(involved: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string, component: string, host?: string): void {
    const ns = involved.metadata.namespace ?? 'default';
    const name = `${involved.metadata.name}.${(0x180000000 + this.eventCounter++).toString(16)}`;
    this.stores.events.create(makeEvent({ name, namespace: ns, uid: this.random.uid(), at: this.iso(), involved, type, reason, message, component, ...(host ? { host } : {}) }));
    this.eventKeys.push(objectKey(ns, name));
    while (this.eventKeys.length > this.maxEvents) {
      const [oldNs = '', oldName = ''] = (this.eventKeys.shift() as string).split('/');
      this.stores.events.delete(oldNs, oldName);
    }
  }

  // --- churn -------------------------------------------------------------------------------

  start(): void {
    if (this.options.churn <= 0 || this.churnTimer) return;
    this.churnTimer = setInterval(() => {
      this.churnBudget += (this.options.churn * tickMs) / 1000;
      // A stalled event loop must not turn into a burst of thousands of changes.
      this.churnBudget = Math.min(this.churnBudget, Math.max(10, this.options.churn));
      while (this.churnBudget >= 1) {
        this.churnBudget -= 1;
        this.churnOnce();
      }
    }, tickMs);
  }

  stop(): void {
    this.stopped = true;
    if (this.churnTimer) clearInterval(this.churnTimer);
    this.churnTimer = undefined;
    if (this.statusFlush) clearImmediate(this.statusFlush);
    this.statusFlush = undefined;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  /** One simulated change, chosen by weight. */
  churnOnce(): void {
    const roll = this.random.next();
    if (roll < 0.35) this.replaceRandomPod();
    else if (roll < 0.6) this.restartRandomContainer();
    else if (roll < 0.8) this.randomPodEvent();
    else if (roll < 0.86) this.rollRandomDeployment();
    else if (roll < 0.9) this.flipRandomNode();
    else this.scaleRandomDeployment();
  }

  private randomPod(): KubeObject | undefined {
    if (this.podKeys.length === 0) return undefined;
    return this.stores.pods.getByKey(this.random.pick(this.podKeys));
  }

  private replaceRandomPod(): void {
    const pod = this.randomPod();
    if (!pod || pod.metadata.ownerReferences?.[0]?.kind !== 'ReplicaSet') return;
    this.recordEvent(pod, 'Normal', 'Killing', `Stopping container ${this.firstContainer(pod)}`, 'kubelet');
    this.deletePod(pod.metadata.namespace ?? 'default', pod.metadata.name);
  }

  private restartRandomContainer(): void {
    const pod = this.randomPod();
    if (!pod || (pod.status as { phase?: string }).phase !== 'Running') return;
    const ns = pod.metadata.namespace ?? 'default';
    const crash = this.random.chance(0.3);
    const updated = this.stores.pods.mutate(ns, pod.metadata.name, (d) => restartContainer(d, 0, this.iso(), crash));
    if (!updated) return;
    this.recordEvent(updated, 'Warning', 'BackOff', `Back-off restarting failed container ${this.firstContainer(pod)} in pod ${pod.metadata.name}`, 'kubelet');
    this.refreshOwnerOf(updated);
    if (crash) {
      this.later(this.random.int(2000, 8000), () => {
        const healed = this.stores.pods.mutate(ns, pod.metadata.name, (d) => {
          const c = containerStatuses(d)[0];
          if (c && (c.state as { waiting?: unknown }).waiting) startPod(d, String((d.status as { podIP?: string }).podIP ?? this.nextPodIP()), this.iso());
        });
        if (healed) this.refreshOwnerOf(healed);
      });
    }
  }

  private randomPodEvent(): void {
    const pod = this.randomPod();
    if (!pod) return;
    const image = String((pod.spec as { containers: { image: string }[] }).containers[0]?.image ?? '');
    const [reason, message] = this.random.pick([
      ['Pulled', `Container image "${image}" already present on machine`],
      ['Created', `Created container ${this.firstContainer(pod)}`],
      ['Started', `Started container ${this.firstContainer(pod)}`],
    ] as const);
    this.recordEvent(pod, 'Normal', reason, message, 'kubelet', String((pod.spec as { nodeName?: string }).nodeName ?? ''));
  }

  private randomDeployment(): KubeObject | undefined {
    const pod = this.randomPod();
    const ref = pod?.metadata.ownerReferences?.[0];
    if (!pod || ref?.kind !== 'ReplicaSet') return undefined;
    const rs = this.stores.replicasets.get(pod.metadata.namespace, ref.name);
    const depRef = rs?.metadata.ownerReferences?.[0];
    return depRef ? this.stores.deployments.get(pod.metadata.namespace, depRef.name) : undefined;
  }

  /** A rollout: a new ReplicaSet, then its pods replace the old ones one at a time. */
  private rollRandomDeployment(): void {
    const deployment = this.randomDeployment();
    if (!deployment) return;
    this.rollDeployment(deployment.metadata.namespace ?? 'default', deployment.metadata.name);
  }

  rollDeployment(ns: string, name: string, bumpTemplate = true): void {
    const deployment = this.stores.deployments.mutate(ns, name, (d) => {
      d.metadata.generation = Number(d.metadata.generation ?? 1) + 1;
      const template = (d.spec as { template: { metadata: { annotations?: Record<string, string> } } }).template;
      if (bumpTemplate) (template.metadata.annotations ??= {})['kubectl.kubernetes.io/restartedAt'] = this.iso();
      const annotations = (d.metadata.annotations ??= {});
      annotations['deployment.kubernetes.io/revision'] = String(Number(annotations['deployment.kubernetes.io/revision'] ?? 1) + 1);
    });
    if (!deployment) return;
    const revision = deployment.metadata.annotations?.['deployment.kubernetes.io/revision'] ?? '2';
    const rs = this.makeReplicaSet(deployment, this.random.suffix(10), 0, this.iso(), revision);
    this.stores.replicasets.create(rs);
    this.recordEvent(deployment, 'Normal', 'ScalingReplicaSet', `Scaled up replica set ${rs.metadata.name} from 0 to 1`, 'deployment-controller');
    this.reconcileDeployment(ns, name);
  }

  private flipRandomNode(): void {
    if (this.workerNames.length === 0) return;
    const name = this.random.pick(this.workerNames);
    const setReady = (ready: boolean): void => {
      const node = this.stores.nodes.mutate(undefined, name, (d) => {
        const conditions = (d.status as { conditions: Record<string, unknown>[] }).conditions;
        const at = this.iso();
        const index = conditions.findIndex((c) => c.type === 'Ready');
        const next = ready ? nodeCondition('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status', at) : nodeCondition('Ready', 'Unknown', 'NodeStatusUnknown', 'Kubelet stopped posting node status.', at);
        if (index >= 0) conditions[index] = next as Record<string, unknown>;
      });
      if (node) this.recordEvent({ ...node, metadata: { ...node.metadata, namespace: 'default' } }, ready ? 'Normal' : 'Warning', ready ? 'NodeReady' : 'NodeNotReady', `Node ${name} status is now: ${ready ? 'NodeReady' : 'NodeNotReady'}`, 'node-controller');
    };
    setReady(false);
    this.later(this.random.int(3000, 10_000), () => setReady(true));
  }

  private scaleRandomDeployment(): void {
    const deployment = this.randomDeployment();
    if (!deployment) return;
    const replicas = Number((deployment.spec as { replicas?: number }).replicas ?? 1);
    // A random walk would drift without bound over a long run; past the cap it only steps down.
    const up = replicas < this.churnReplicaCap && this.random.chance(0.5);
    const next = Math.max(1, replicas + (up ? 1 : -1));
    this.scaleDeployment(deployment.metadata.namespace ?? 'default', deployment.metadata.name, next);
  }

  /** Sets a deployment's replicas and lets the controllers add or remove pods. */
  scaleDeployment(ns: string, name: string, replicas: number): KubeObject | undefined {
    const before = this.stores.deployments.get(ns, name);
    const updated = this.stores.deployments.mutate(ns, name, (d) => {
      (d.spec as { replicas: number }).replicas = replicas;
      d.metadata.generation = Number(d.metadata.generation ?? 1) + 1;
    });
    if (!updated) return undefined;
    const from = Number((before?.spec as { replicas?: number } | undefined)?.replicas ?? 0);
    this.recordEvent(updated, 'Normal', 'ScalingReplicaSet', `Scaled ${replicas > from ? 'up' : 'down'} replica set from ${from} to ${replicas}`, 'deployment-controller');
    this.reconcileDeployment(ns, name);
    return this.stores.deployments.get(ns, name);
  }
}

/** Objects built before loading, grouped by store. */
class Built {
  readonly byResource = new Map<string, KubeObject[]>();
  add(resource: string, object: KubeObject): void {
    let list = this.byResource.get(resource);
    if (!list) this.byResource.set(resource, (list = []));
    list.push(object);
  }
  addAll(resource: string, objects: KubeObject[]): void {
    for (const o of objects) this.add(resource, o);
  }
}

function rsTemplate(rs: KubeObject): PodTemplate {
  const spec = rs.spec as { template: { metadata: { labels: Record<string, string> }; spec: { containers: { name: string; image: string; resources: { requests: { cpu: string; memory: string } } }[] } } };
  return {
    labels: spec.template.metadata.labels,
    containers: spec.template.spec.containers.map((c) => ({ name: c.name, image: c.image, cpuMilli: parseInt(c.resources.requests.cpu, 10), memoryMi: parseInt(c.resources.requests.memory, 10) })),
    restartPolicy: 'Always',
  };
}

export function isPodReady(pod: KubeObject): boolean {
  const conditions = (pod.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions ?? [];
  return conditions.some((c) => c.type === 'Ready' && c.status === 'True');
}

function replicaStatus(pods: KubeObject[], _replicas: number): Record<string, unknown> {
  const ready = pods.filter(isPodReady).length;
  return { replicas: pods.length, fullyLabeledReplicas: pods.length, readyReplicas: ready, availableReplicas: ready, observedGeneration: 1 };
}

function deploymentStatus(deployment: KubeObject, pods: KubeObject[], replicas: number, updated = pods.length): Record<string, unknown> {
  const ready = pods.filter(isPodReady).length;
  const at = deployment.metadata.creationTimestamp;
  return {
    observedGeneration: deployment.metadata.generation ?? 1,
    replicas: pods.length,
    updatedReplicas: updated,
    readyReplicas: ready,
    availableReplicas: ready,
    ...(pods.length - ready > 0 ? { unavailableReplicas: pods.length - ready } : {}),
    conditions: [
      { type: 'Available', status: ready >= Math.max(1, Math.floor(replicas * 0.75)) || replicas === 0 ? 'True' : 'False', reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.', lastUpdateTime: at, lastTransitionTime: at },
      { type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable', message: `ReplicaSet has successfully progressed.`, lastUpdateTime: at, lastTransitionTime: at },
    ],
  };
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

