/**
 * EndpointsController keeps what is computed from a selector's pods in step with them: each
 * Service's EndpointSlices and Endpoints (every pod with an IP, ready or not, as the real
 * controllers list them) and each PodDisruptionBudget's status. It follows pod, Service and PDB
 * changes, client writes included, and like the workload controllers writes once per turn of the
 * event loop however many pods changed in it. A pod change that moves no address, readiness or
 * termination wakes nothing.
 *
 * Slices hold at most 100 endpoints, as the real controller's default. A pod's change touches
 * only its own slice, and the new version shares every other endpoint with the old one: a
 * Service of 500 pods under churn must not copy 500 endpoints per change, nor keep copies of them
 * in the watch history.
 */
import { endpointOf, isHealthyForBudget, makeEndpointSlice, maxEndpointsPerSlice, pdbStatus, sameJson, servicePortsOf, type Labels } from './content.js';
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
  /** Keys of the pods the selector matches. */
  pods: Set<string>;
  /** For a Service: the slice each listed pod is in, and how many endpoints each slice holds. */
  placed: Map<string, string>;
  sizes: Map<string, number>;
  /** For a PDB: the selected pods that are ready and not terminating. */
  healthy: Set<string>;
}

interface Endpoint {
  addresses: string[];
  conditions: { ready: boolean; serving: boolean; terminating: boolean };
  nodeName?: string;
  targetRef: { name: string };
}

interface Address {
  ip: string;
  targetRef?: { name: string };
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
  /** Per target, the pods changed since its last write. */
  private readonly dirty = new Map<string, Set<string>>();
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

  /** Indexes what the stores hold now (the seeded slices included), then follows their changes. */
  start(): void {
    for (const s of this.services.values()) this.register('service', s, false);
    for (const p of this.pdbs.values()) this.register('pdb', p, false);
    for (const pod of this.stores.pods.values()) {
      for (const t of this.targetsOf(pod)) {
        t.pods.add(keyOf(pod));
        if (t.kind === 'pdb' && isHealthyForBudget(pod)) t.healthy.add(keyOf(pod));
      }
    }
    for (const slice of this.slices.values()) {
      const t = this.targets.get(this.targetKey('service', slice.metadata.namespace, slice.metadata.labels?.[serviceNameLabel] ?? ''));
      if (!t || slice.metadata.labels?.[managedByLabel] !== sliceManager) continue;
      const endpoints = (slice.endpoints ?? []) as Endpoint[];
      t.sizes.set(slice.metadata.name, endpoints.length);
      for (const e of endpoints) t.placed.set(objectKey(t.namespace, e.targetRef.name), slice.metadata.name);
    }
    this.unsubscribe.push(
      this.stores.pods.subscribe((c) => this.podChanged(c)),
      this.services.subscribe((c) => this.selectorChanged('service', c)),
      this.pdbs.subscribe((c) => this.selectorChanged('pdb', c)),
      this.slices.subscribe((c) => c.type === 'DELETED' && this.sliceDeleted(c.object)),
      this.endpoints.subscribe((c) => c.type === 'DELETED' && this.endpointsDeleted(c.object)),
    );
  }

  /** Someone else deleted one of a Service's slices: its pods are placed again, as the real controller recreates what it owns. */
  private sliceDeleted(slice: KubeObject): void {
    const key = this.targetKey('service', slice.metadata.namespace, slice.metadata.labels?.[serviceNameLabel] ?? '');
    const t = this.targets.get(key);
    if (!t || !t.sizes.has(slice.metadata.name)) return; // ours to delete, or not ours
    t.sizes.delete(slice.metadata.name);
    for (const [podKey, name] of t.placed) if (name === slice.metadata.name) t.placed.delete(podKey);
    this.markDirty(key, t.pods);
  }

  /** Someone else deleted a live Service's Endpoints: it is written again from all its pods. */
  private endpointsDeleted(endpoints: KubeObject): void {
    const key = this.targetKey('service', endpoints.metadata.namespace, endpoints.metadata.name);
    const t = this.targets.get(key);
    if (t) this.markDirty(key, t.pods);
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
    const target: Target = { kind, namespace, name: o.metadata.name, selector, pods: new Set(), placed: new Map(), sizes: new Map(), healthy: new Set() };
    this.targets.set(key, target);
    const keys = Object.keys(selector);
    const index = keys.length === 1 && keys[0] === 'app' ? this.byApp : this.otherSelectors;
    const slot = index === this.byApp ? `${namespace}/${selector.app}` : namespace;
    let set = index.get(slot);
    if (!set) index.set(slot, (set = new Set()));
    set.add(key);
    if (scanPods) {
      for (const pod of this.stores.pods.values(namespace)) if (matches(selector, pod.metadata.labels)) target.pods.add(keyOf(pod));
      this.markDirty(key, target.pods);
    }
  }

  private unregister(kind: TargetKind, namespace: string | undefined, name: string): void {
    const key = this.targetKey(kind, namespace, name);
    const target = this.targets.get(key);
    if (!target) return;
    this.targets.delete(key);
    this.byApp.get(`${target.namespace}/${target.selector.app}`)?.delete(key);
    this.otherSelectors.get(target.namespace)?.delete(key);
    this.dirty.delete(key);
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
      this.markDirty(this.targetKey(t.kind, t.namespace, t.name), [change.key]);
    }
  }

  private selectorChanged(kind: TargetKind, change: Change): void {
    const o = change.object;
    if (change.type === 'MODIFIED' && JSON.stringify((change.previous?.spec as { selector?: unknown } | undefined)?.selector) === JSON.stringify((o.spec as { selector?: unknown }).selector)) return;
    this.unregister(kind, o.metadata.namespace, o.metadata.name);
    if (kind === 'service') this.removeEndpointsOf(o);
    if (change.type !== 'DELETED') this.register(kind, o, true);
  }

  /** The garbage collector's part: a Service's slices and Endpoints go with it (or with its old selector). */
  private removeEndpointsOf(service: KubeObject): void {
    for (const slice of [...this.slices.values(service.metadata.namespace)]) {
      if (slice.metadata.labels?.[serviceNameLabel] === service.metadata.name && slice.metadata.labels?.[managedByLabel] === sliceManager) this.slices.delete(service.metadata.namespace, slice.metadata.name);
    }
    this.endpoints.delete(service.metadata.namespace, service.metadata.name);
  }

  private markDirty(key: string, podKeys: Iterable<string>): void {
    let set = this.dirty.get(key);
    if (!set) this.dirty.set(key, (set = new Set()));
    for (const k of podKeys) set.add(k);
    this.flush ??= setImmediate(() => {
      this.flush = undefined;
      this.recomputeStale();
    });
  }

  /** Writes every target changed since the last turn; tests call it to settle at once. */
  recomputeStale(): void {
    const work = [...this.dirty];
    this.dirty.clear();
    for (const [key, podKeys] of work) {
      const t = this.targets.get(key);
      if (!t) continue;
      if (t.kind === 'service') this.writeEndpoints(t, podKeys);
      else this.writePdbStatus(t, podKeys);
    }
  }

  /** Moves each changed pod's endpoint into, within or out of its slice, then writes each touched slice once. */
  private writeEndpoints(t: Target, podKeys: Set<string>): void {
    const service = this.services.get(t.namespace, t.name);
    if (!service) return;
    const at = isoAt(this.now());
    const edits = new Map<string, Map<string, Endpoint | undefined>>(); // slice -> pod name -> endpoint, or undefined to remove
    const edit = (slice: string, pod: string, e: Endpoint | undefined): void => {
      let m = edits.get(slice);
      if (!m) edits.set(slice, (m = new Map()));
      m.set(pod, e);
    };
    const changed = new Map<string, Endpoint | undefined>();
    for (const podKey of podKeys) {
      const pod = t.pods.has(podKey) ? this.stores.pods.getByKey(podKey) : undefined;
      const e = pod ? (endpointOf(pod) as Endpoint | undefined) : undefined;
      const podName = podKey.slice(podKey.indexOf('/') + 1);
      changed.set(podName, e);
      const slice = t.placed.get(podKey);
      if (slice && !e) {
        edit(slice, podName, undefined);
        t.placed.delete(podKey);
        t.sizes.set(slice, (t.sizes.get(slice) ?? 1) - 1);
      } else if (slice && e) edit(slice, podName, e);
      else if (e) {
        const room = [...t.sizes].find(([, n]) => n < maxEndpointsPerSlice)?.[0] ?? `${t.name}-${this.random.suffix(5)}`;
        edit(room, podName, e);
        t.placed.set(podKey, room);
        t.sizes.set(room, (t.sizes.get(room) ?? 0) + 1);
      }
    }
    // A Service with no endpoints still has one (empty) slice.
    if (t.sizes.size === 0) {
      const name = `${t.name}-${this.random.suffix(5)}`;
      t.sizes.set(name, 0);
      edits.set(name, new Map());
    }
    for (const [name, podEdits] of edits) this.writeSlice(t, service, name, podEdits, at);
    this.writeLegacyEndpoints(t, service, changed);
  }

  private writeSlice(t: Target, service: KubeObject, name: string, podEdits: Map<string, Endpoint | undefined>, at: string): void {
    const current = this.slices.get(t.namespace, name);
    const before = (current?.endpoints ?? []) as Endpoint[];
    let touched = false;
    const after: Endpoint[] = [];
    for (const e of before) {
      if (!podEdits.has(e.targetRef.name)) after.push(e);
      else {
        const next = podEdits.get(e.targetRef.name);
        podEdits.delete(e.targetRef.name);
        if (next && sameJson(next, e)) after.push(e);
        else {
          touched = true;
          if (next) after.push(next);
        }
      }
    }
    for (const e of podEdits.values()) {
      if (!e) continue;
      after.push(e);
      touched = true;
    }
    if (!current) {
      this.slices.create(makeEndpointSlice(service, name, this.random.uid(), at, after));
      return;
    }
    if (after.length === 0 && t.sizes.size > 1) {
      t.sizes.delete(name);
      this.slices.delete(t.namespace, name);
      return;
    }
    if (!touched) return;
    // A new version that shares its unchanged endpoints with the old one.
    this.slices.replace({ ...current, metadata: { ...current.metadata, annotations: { ...current.metadata.annotations, 'endpoints.kubernetes.io/last-change-trigger-time': at } }, endpoints: after });
  }

  /** The legacy Endpoints: ready pods under `addresses`, starting ones under `notReadyAddresses`, terminating ones in neither. */
  private writeLegacyEndpoints(t: Target, service: KubeObject, changed: Map<string, Endpoint | undefined>): void {
    const current = this.endpoints.get(t.namespace, t.name);
    const subset = ((current?.subsets as { addresses?: Address[]; notReadyAddresses?: Address[] }[] | undefined) ?? [])[0] ?? {};
    const keep = (list: Address[] | undefined): Address[] => (list ?? []).filter((a) => !changed.has(a.targetRef?.name ?? ''));
    const ready = keep(subset.addresses);
    const notReady = keep(subset.notReadyAddresses);
    for (const [, e] of changed) {
      if (!e || e.conditions.terminating) continue;
      (e.conditions.ready ? ready : notReady).push({ ip: e.addresses[0] as string, ...(e.nodeName ? { nodeName: e.nodeName } : {}), targetRef: e.targetRef } as Address);
    }
    const ports = servicePortsOf(service).map((p) => ({ name: p.name, port: p.targetPort, protocol: p.protocol ?? 'TCP' }));
    const subsets = ready.length + notReady.length > 0 ? [{ ...(ready.length > 0 ? { addresses: ready } : {}), ...(notReady.length > 0 ? { notReadyAddresses: notReady } : {}), ports }] : undefined;
    if (!current) {
      this.endpoints.create({ apiVersion: 'v1', kind: 'Endpoints', metadata: { name: t.name, namespace: t.namespace, uid: this.random.uid(), resourceVersion: '', creationTimestamp: isoAt(this.now()), labels: { ...(service.metadata.labels ?? {}) } }, ...(subsets ? { subsets } : {}) });
      return;
    }
    if (sameAddresses(subset.addresses, ready) && sameAddresses(subset.notReadyAddresses, notReady)) return;
    const { subsets: _old, ...rest } = current;
    this.endpoints.replace({ ...rest, metadata: { ...current.metadata }, ...(subsets ? { subsets } : {}) });
  }

  private writePdbStatus(t: Target, podKeys: Set<string>): void {
    const pdb = this.pdbs.get(t.namespace, t.name);
    if (!pdb) return;
    for (const podKey of podKeys) {
      const pod = t.pods.has(podKey) ? this.stores.pods.getByKey(podKey) : undefined;
      if (pod && isHealthyForBudget(pod)) t.healthy.add(podKey);
      else t.healthy.delete(podKey);
    }
    const previous = pdb.status as { conditions?: { status: string; lastTransitionTime: string }[] } | undefined;
    const draft = pdbStatus(pdb, t.pods.size, t.healthy.size, isoAt(this.now()));
    const condition = (draft.conditions as { status: string; lastTransitionTime: string }[])[0];
    const before = previous?.conditions?.[0];
    // The condition's time moves only when its status does.
    if (condition && before && before.status === condition.status) condition.lastTransitionTime = before.lastTransitionTime;
    if (!sameJson(pdb.status, draft)) this.pdbs.replace({ ...pdb, metadata: { ...pdb.metadata }, status: draft });
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

/** Same addresses in the same order: the list was rebuilt from the old one, so order is stable. */
function sameAddresses(a: Address[] | undefined, b: Address[]): boolean {
  const before = a ?? [];
  return before.length === b.length && before.every((x, i) => x === b[i] || sameJson(x, b[i]));
}
