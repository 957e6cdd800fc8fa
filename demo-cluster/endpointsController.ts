/**
 * EndpointsController keeps what is computed from a selector's pods in step with them: each
 * Service's EndpointSlice and Endpoints (every pod with an IP, ready or not, as the real
 * controllers list them) and each PodDisruptionBudget's status. It follows pod, Service and PDB
 * changes, client writes included, and like the workload controllers recomputes a target once per
 * turn of the event loop however many of its pods changed in it. A pod change that moves no
 * address, readiness or termination wakes nothing.
 */
import { endpointsOfPods, makeEndpoints, makeEndpointSlice, pdbStatus, sameJson, type Labels } from './content.js';
import { isoAt } from './generate.js';
import type { Random } from './random.js';
import type { Change, KubeObject, ObjectStore } from './store.js';
import { keyOf, objectKey } from './store.js';
import type { Stores } from './stores.js';
import { isPodReady } from './workloadStatus.js';

type TargetKind = 'service' | 'pdb';

interface Target {
  kind: TargetKind;
  namespace: string;
  name: string;
  selector: Labels;
  pods: Set<string>;
}

const serviceNameLabel = 'kubernetes.io/service-name';
const managedByLabel = 'endpointslice.kubernetes.io/managed-by';
const sliceManager = 'endpointslice-controller.k8s.io';

export class EndpointsController {
  private readonly targets = new Map<string, Target>();
  /** Targets whose selector is exactly `app=<value>`, by `namespace/value`: the common case, found without scanning. */
  private readonly byApp = new Map<string, Set<string>>();
  /** Other targets with a selector, by namespace. */
  private readonly otherSelectors = new Map<string, Set<string>>();
  /** The controller's slice of each Service, by the Service's key. */
  private readonly sliceOf = new Map<string, string>();
  private readonly stale = new Set<string>();
  private flush: NodeJS.Immediate | undefined;
  private readonly unsubscribe: (() => void)[] = [];
  private readonly services: ObjectStore;
  private readonly slices: ObjectStore;
  private readonly endpoints: ObjectStore;
  private readonly pdbs: ObjectStore;

  constructor(
    private readonly stores: Stores,
    private readonly random: Random,
    private readonly now: () => number,
  ) {
    this.services = stores.byName('services');
    this.slices = stores.byName('endpointslices.discovery.k8s.io');
    this.endpoints = stores.byName('endpoints');
    this.pdbs = stores.byName('poddisruptionbudgets.policy');
  }

  /** Indexes what the stores hold now, then follows their changes. */
  start(): void {
    for (const slice of this.slices.values()) {
      const service = slice.metadata.labels?.[serviceNameLabel];
      if (service && slice.metadata.labels?.[managedByLabel] === sliceManager) this.sliceOf.set(objectKey(slice.metadata.namespace, service), slice.metadata.name);
    }
    for (const s of this.services.values()) this.register('service', s, false);
    for (const p of this.pdbs.values()) this.register('pdb', p, false);
    for (const pod of this.stores.pods.values()) for (const t of this.targetsOf(pod)) t.pods.add(keyOf(pod));
    this.unsubscribe.push(
      this.stores.pods.subscribe((c) => this.podChanged(c)),
      this.services.subscribe((c) => this.selectorChanged('service', c)),
      this.pdbs.subscribe((c) => this.selectorChanged('pdb', c)),
    );
  }

  stop(): void {
    for (const u of this.unsubscribe.splice(0)) u();
    if (this.flush) clearImmediate(this.flush);
    this.flush = undefined;
  }

  private targetKey(kind: TargetKind, namespace: string | undefined, name: string): string {
    return `${kind}:${objectKey(namespace, name)}`;
  }

  private register(kind: TargetKind, o: KubeObject, scanPods: boolean): void {
    const selector = kind === 'service' ? (o.spec as { selector?: Labels }).selector : (o.spec as { selector?: { matchLabels?: Labels } }).selector?.matchLabels;
    if (!selector || Object.keys(selector).length === 0) return; // no selector: endpoints are someone else's
    const namespace = o.metadata.namespace ?? 'default';
    const key = this.targetKey(kind, namespace, o.metadata.name);
    const target: Target = { kind, namespace, name: o.metadata.name, selector, pods: new Set() };
    this.targets.set(key, target);
    const keys = Object.keys(selector);
    const index = keys.length === 1 && keys[0] === 'app' ? this.byApp : this.otherSelectors;
    const slot = index === this.byApp ? `${namespace}/${selector.app}` : namespace;
    let set = index.get(slot);
    if (!set) index.set(slot, (set = new Set()));
    set.add(key);
    if (scanPods) {
      for (const pod of this.stores.pods.values(namespace)) if (matches(selector, pod.metadata.labels)) target.pods.add(keyOf(pod));
      this.markStale(key);
    }
  }

  private unregister(kind: TargetKind, namespace: string | undefined, name: string): Target | undefined {
    const key = this.targetKey(kind, namespace, name);
    const target = this.targets.get(key);
    if (!target) return undefined;
    this.targets.delete(key);
    this.byApp.get(`${target.namespace}/${target.selector.app}`)?.delete(key);
    this.otherSelectors.get(target.namespace)?.delete(key);
    this.stale.delete(key);
    return target;
  }

  private targetsOf(pod: KubeObject): Target[] {
    const ns = pod.metadata.namespace ?? 'default';
    const labels = pod.metadata.labels ?? {};
    const found: Target[] = [];
    for (const key of this.byApp.get(`${ns}/${labels.app}`) ?? []) {
      const t = this.targets.get(key);
      if (t) found.push(t);
    }
    for (const key of this.otherSelectors.get(ns) ?? []) {
      const t = this.targets.get(key);
      if (t && matches(t.selector, labels)) found.push(t);
    }
    return found;
  }

  private podChanged(change: Change): void {
    if (change.type === 'MODIFIED' && change.previous && signature(change.previous) === signature(change.object)) return;
    for (const t of this.targetsOf(change.object)) {
      if (change.type === 'DELETED') t.pods.delete(change.key);
      else t.pods.add(change.key);
      this.markStale(this.targetKey(t.kind, t.namespace, t.name));
    }
  }

  private selectorChanged(kind: TargetKind, change: Change): void {
    const o = change.object;
    if (change.type === 'MODIFIED' && JSON.stringify((change.previous?.spec as { selector?: unknown } | undefined)?.selector) === JSON.stringify((o.spec as { selector?: unknown }).selector)) return;
    this.unregister(kind, o.metadata.namespace, o.metadata.name);
    if (change.type === 'DELETED') {
      if (kind === 'service') this.removeEndpointsOf(o);
      return;
    }
    this.register(kind, o, true);
  }

  /** The garbage collector's part: a Service's slice and Endpoints go with it. */
  private removeEndpointsOf(service: KubeObject): void {
    const key = objectKey(service.metadata.namespace, service.metadata.name);
    const slice = this.sliceOf.get(key);
    if (slice) this.slices.delete(service.metadata.namespace, slice);
    this.sliceOf.delete(key);
    this.endpoints.delete(service.metadata.namespace, service.metadata.name);
  }

  private markStale(key: string): void {
    this.stale.add(key);
    this.flush ??= setImmediate(() => {
      this.flush = undefined;
      this.recomputeStale();
    });
  }

  /** Recomputes every target marked since the last turn; tests call it to settle at once. */
  recomputeStale(): void {
    const keys = [...this.stale];
    this.stale.clear();
    for (const key of keys) {
      const t = this.targets.get(key);
      if (!t) continue;
      const pods: KubeObject[] = [];
      for (const podKey of t.pods) {
        const pod = this.stores.pods.getByKey(podKey);
        if (pod) pods.push(pod);
      }
      if (t.kind === 'service') this.writeEndpoints(t, pods);
      else this.writePdbStatus(t, pods);
    }
  }

  private writeEndpoints(t: Target, pods: KubeObject[]): void {
    const service = this.services.get(t.namespace, t.name);
    if (!service) return;
    const at = isoAt(this.now());
    const endpoints = endpointsOfPods(pods);
    const key = objectKey(t.namespace, t.name);
    const sliceName = this.sliceOf.get(key);
    const slice = sliceName ? this.slices.get(t.namespace, sliceName) : undefined;
    const fresh = makeEndpointSlice(service, slice?.metadata.name ?? `${t.name}-${this.random.suffix(5)}`, slice?.metadata.uid ?? this.random.uid(), slice?.metadata.creationTimestamp ?? at, endpoints);
    if (!slice) {
      this.slices.create(fresh);
      this.sliceOf.set(key, fresh.metadata.name);
    } else if (!sameJson(slice.endpoints, fresh.endpoints) || !sameJson(slice.ports, fresh.ports)) {
      this.slices.mutate(t.namespace, slice.metadata.name, (d) => {
        d.endpoints = fresh.endpoints;
        d.ports = fresh.ports;
        (d.metadata.annotations ??= {})['endpoints.kubernetes.io/last-change-trigger-time'] = at;
      });
    }
    const current = this.endpoints.get(t.namespace, t.name);
    const next = makeEndpoints(service, current?.metadata.uid ?? this.random.uid(), current?.metadata.creationTimestamp ?? at, endpoints);
    if (!current) this.endpoints.create(next);
    else if (!sameJson(current.subsets, next.subsets)) {
      this.endpoints.mutate(t.namespace, t.name, (d) => {
        if (next.subsets) d.subsets = next.subsets;
        else delete d.subsets;
      });
    }
  }

  private writePdbStatus(t: Target, pods: KubeObject[]): void {
    const pdb = this.pdbs.get(t.namespace, t.name);
    if (!pdb) return;
    const previous = pdb.status as { conditions?: { status: string; lastTransitionTime: string }[] } | undefined;
    const draft = pdbStatus(pdb, pods, isoAt(this.now()));
    const condition = (draft.conditions as { status: string; lastTransitionTime: string }[])[0];
    const before = previous?.conditions?.[0];
    // The condition's time moves only when its status does.
    if (condition && before && before.status === condition.status) condition.lastTransitionTime = before.lastTransitionTime;
    if (!sameJson(pdb.status, draft)) this.pdbs.mutate(t.namespace, t.name, (d) => void (d.status = draft));
  }
}

/** What a slice or a budget sees of a pod. */
function signature(pod: KubeObject): string {
  const status = pod.status as { podIP?: string } | undefined;
  return `${status?.podIP ?? ''}|${isPodReady(pod)}|${pod.metadata.deletionTimestamp ?? ''}|${(pod.spec as { nodeName?: string }).nodeName ?? ''}`;
}

function matches(selector: Labels, labels: Labels | undefined): boolean {
  for (const [k, v] of Object.entries(selector)) if (labels?.[k] !== v) return false;
  return true;
}

