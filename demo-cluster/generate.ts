/**
 * ClusterBuilder makes the initial cluster from a seed: nodes (the first is the tainted control
 * plane), namespaces, per-node DaemonSets, CoreDNS, StatefulSets, a CronJob with finished Jobs,
 * and app Deployments with their ReplicaSets and pods, up to the pod budget. It only builds
 * objects; the simulation loads them into the stores in bulk, before anyone watches.
 */
import { ContentSeeder } from './contentSeed.js';
import { completePod, makeNamespace, makeNode, makePendingPod, makeReplicaSet, makeWorkloadMeta, restartContainer, schedulePod, startPod, templateSpec } from './objects.js';
import type { PodTemplate } from './objects.js';
import { Random } from './random.js';
import type { KubeObject } from './store.js';
import { objectKey } from './store.js';
import { buildTroubleshooting, putUnderMemoryPressure } from './troubleshooting.js';
import { deploymentStatus, isPodReady, podTemplateOf, replicaStatus } from './workloadStatus.js';

export interface ClusterSize {
  nodes: number;
  pods: number;
  namespaces: number;
  /** Add the troubleshooting scenario (troubleshooting.ts): pods, workloads and nodes in each kind of trouble, beyond the pod budget. */
  scenarios?: boolean;
}

const appNamespaces = ['shop', 'payments', 'monitoring', 'data', 'batch', 'search', 'auth', 'media', 'analytics', 'edge'];
const appNames = ['frontend', 'cart', 'checkout', 'catalog', 'api', 'worker', 'gateway', 'orders', 'inventory', 'recommender', 'notifier', 'billing', 'profile', 'reviews', 'shipping'];
const appImage = 'registry.local/demo/app:1.4.2';

export function isoAt(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Objects built before loading, grouped by store. */
export class Built {
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

export class ClusterBuilder {
  readonly nodeIPs = new Map<string, string>();
  workerNames: string[] = [];
  allNodeNames: string[] = [];
  private ipCounter = 0;
  /** Pod names handed out so far: nothing is in a store yet to ask. */
  private readonly namesTaken = new Set<string>();

  /** `content` draws the objects around the workloads (contentSeed.ts); without it there are none. */
  constructor(
    private readonly options: ClusterSize,
    private readonly random: Random,
    private readonly now: () => number,
    private readonly content?: Random,
  ) {}

  private iso(offsetMs = 0): string {
    return isoAt(this.now() - offsetMs);
  }

  /** How many pod IPs were handed out, so the simulation continues after them. */
  get podIPsUsed(): number {
    return this.ipCounter;
  }

  /** Builds every object of the cluster in memory, grouped by store, with no store touched. */
  build(): Built {
    const r = this.random;
    const clusterAgeMs = 3 * 24 * 3600_000;
    const nsNames = ['default', 'kube-system', ...appNamespaces];
    for (let team = 1; nsNames.length < this.options.namespaces; team++) nsNames.push(`team-${String(team).padStart(3, '0')}`);
    const namespaces = nsNames.slice(0, Math.max(2, this.options.namespaces));
    const apps = namespaces.filter((n) => n !== 'kube-system');
    const built = new Built();
    built.addAll('namespaces', namespaces.map((n) => makeNamespace(n, r.uid(), this.iso(clusterAgeMs))));

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
    built.addAll('nodes', nodes);
    this.allNodeNames = nodes.map((n) => n.metadata.name);
    this.workerNames = this.allNodeNames.length > 1 ? this.allNodeNames.slice(1) : this.allNodeNames;

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

    if (this.content) new ContentSeeder(this.content, this.now).seed(built, this.nodeIPs.get('demo-control-plane') ?? '10.0.0.2');
    if (this.options.scenarios) this.addTroubleshooting(built, nodes);
    return built;
  }

  /** The scenario's pods run on the last worker, which is under memory pressure (its evicted pods say why). */
  private addTroubleshooting(built: Built, nodes: KubeObject[]): void {
    const node = nodes[nodes.length - 1] as KubeObject;
    putUnderMemoryPressure(node, this.iso(1800_000));
    const scenario = buildTroubleshooting(new Random(this.random.int(1, 2 ** 30)), (ago = 0) => this.iso(ago), node.metadata.name, this.nodeIPs.get(node.metadata.name) ?? '10.0.0.2');
    for (const [resource, objects] of scenario) built.addAll(resource, objects);
  }

  private template(name: string, image: string, extraLabels: Record<string, string> = {}, tolerateControlPlane = false): PodTemplate {
    const r = this.random;
    const containers = [{ name, image, cpuMilli: r.pick([20, 50, 100, 200]), memoryMi: r.pick([64, 128, 256]) }];
    if (r.chance(0.15)) containers.push({ name: 'sidecar', image: 'registry.local/demo/proxy:2.1.0', cpuMilli: 20, memoryMi: 32 });
    return { labels: { app: name, ...extraLabels }, containers, restartPolicy: 'Always', tolerateControlPlane };
  }

  private buildDeployment(built: Built, ns: string, name: string, replicas: number, ageMs: number): void {
    const r = this.random;
    const template = this.template(name, appImage, { tier: r.pick(['web', 'backend', 'cache']) });
    const hash = r.suffix(10);
    const created = this.iso(ageMs);
    const deployment: KubeObject = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: makeWorkloadMeta(name, ns, r.uid(), created, { app: name }, undefined, { 'deployment.kubernetes.io/revision': '1' }),
      spec: { replicas, selector: { matchLabels: { app: name } }, template: templateSpec(template), strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } }, revisionHistoryLimit: 10, progressDeadlineSeconds: 600 },
      status: {},
    };
    const rs = makeReplicaSet(deployment, hash, replicas, created, '1', r.uid());
    built.add('deployments.apps', deployment);
    built.add('replicasets.apps', rs);
    const pods: KubeObject[] = [];
    for (let i = 0; i < replicas; i++) pods.push(this.runningPod(ns, this.uniquePodName(ns, rs.metadata.name), rs, podTemplateOf(rs), this.randomWorker(), ageMs));
    built.addAll('pods', pods);
    rs.status = replicaStatus(pods);
    deployment.status = deploymentStatus(deployment, pods, replicas);
  }

  private buildStatefulSet(built: Built, ns: string, name: string, replicas: number, ageMs: number): void {
    const template = this.template(name, `registry.local/demo/${name}:16.4`);
    const sts: KubeObject = {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: makeWorkloadMeta(name, ns, this.random.uid(), this.iso(ageMs), { app: name }),
      spec: {
        replicas,
        serviceName: name,
        selector: { matchLabels: { app: name } },
        template: templateSpec(template),
        podManagementPolicy: 'OrderedReady',
        updateStrategy: { type: 'RollingUpdate' },
        volumeClaimTemplates: [{ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'standard', resources: { requests: { storage: name === 'redis' ? '8Gi' : '20Gi' } }, volumeMode: 'Filesystem' } }],
      },
      status: {},
    };
    const pods: KubeObject[] = [];
    for (let i = 0; i < replicas; i++) {
      pods.push(this.runningPod(ns, `${name}-${i}`, sts, { ...template, labels: { ...template.labels, 'statefulset.kubernetes.io/pod-name': `${name}-${i}` } }, this.randomWorker(), ageMs));
    }
    built.add('statefulsets.apps', sts);
    built.addAll('pods', pods);
    sts.status = { ...replicaStatus(pods), currentReplicas: replicas, updatedReplicas: replicas, observedGeneration: 1, collisionCount: 0 };
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
      const pod = this.runningPod(ns, this.uniquePodName(ns, job.metadata.name), job, template, this.randomWorker(), runAge, runAge - 95_000);
      completePod(pod, this.iso(runAge - 95_000));
      built.add('jobs.batch', job);
      built.add('pods', pod);
    }
  }

  /**
   * A pod as it is after a while on a healthy node; a few restarted, a rare one crash-looping. A
   * run that ends (a Job's pod, `endsAgoMs` before now) restarted only while it ran, and never
   * crash-loops: a pod completed 22 h ago showed a restart 30 s ago.
   */
  private runningPod(ns: string, name: string, owner: KubeObject, template: PodTemplate, nodeName: string, ageMs: number, endsAgoMs = 0): KubeObject {
    const r = this.random;
    const created = this.iso(ageMs);
    const pod = makePendingPod({ name, namespace: ns, uid: r.uid(), created, owner, template });
    schedulePod(pod, nodeName, this.nodeIPs.get(nodeName) ?? '10.0.0.2', created);
    startPod(pod, this.nextPodIP(), created);
    // Restarts happen in order, and before the crash 30 s ago, so that every run a log request
    // can read starts before it finishes.
    const crashAgoMs = 30_000;
    if (r.chance(0.08)) {
      const times = r.int(1, 4);
      const agos: number[] = [];
      // Drawn over the pod's whole age as always (a seed's other draws stay where they were), then
      // placed in order inside the run: from its start to a second before it ends.
      const within = (ago: number) => (endsAgoMs === 0 ? ago : Math.round(endsAgoMs + 1000 + ((ago - 1000) * (ageMs - endsAgoMs - 1000)) / Math.max(1, ageMs - 1000)));
      for (let i = 0; i < times; i++) agos.push(within(r.int(1000, ageMs)));
      for (const ago of agos.sort((a, b) => b - a)) restartContainer(pod, 0, this.iso(ago), false);
    }
    if (r.chance(0.01) && endsAgoMs === 0) {
      const running = (pod.status as { containerStatuses: { state: { running?: { startedAt: string } } }[] }).containerStatuses[0]?.state.running;
      // The run that crashed started at least a second before it crashed.
      if (running && Date.parse(running.startedAt) > this.now() - crashAgoMs - 1000) running.startedAt = this.iso(Math.min(ageMs, crashAgoMs + 60_000));
      restartContainer(pod, 0, this.iso(crashAgoMs), true);
    }
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
      if (!this.namesTaken.has(key)) {
        this.namesTaken.add(key);
        return name;
      }
    }
  }

  randomWorker(): string {
    return this.random.pick(this.workerNames);
  }

  nextPodIP(): string {
    const n = this.ipCounter++;
    return `10.244.${Math.floor(n / 250) % 250}.${(n % 250) + 2}`;
  }
}
