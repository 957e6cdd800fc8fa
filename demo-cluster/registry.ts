/**
 * Registry is the live list of what the demo cluster serves: the built-in catalogue
 * (resources.ts) plus one resource per served version of every established
 * CustomResourceDefinition in the CRD store. Routing, discovery and Table printing all ask it,
 * so they cannot disagree, and a CRD created or deleted at run time is served, or not, at once.
 *
 * It also plays the apiextensions controllers: a CRD that reaches the store without a status
 * (seeded by the simulation, or written there directly) gets its NamesAccepted and Established
 * conditions, and a deleted CRD takes its objects with it (each one DELETED to its watchers).
 */
import { crdStatus, isEstablished, servedResources, validateCrd, type NameConflict } from './crds.js';
import type { ResourceInfo } from './resources.js';
import { crdResourceKey, resourceKey, resources } from './resources.js';
import type { Change, KubeObject } from './store.js';
import type { Stores } from './stores.js';

const metricsGroup = 'metrics.k8s.io';

export class Registry {
  private custom: ResourceInfo[] | undefined;
  private readonly listeners = new Set<() => void>();
  private readonly builtIn: readonly ResourceInfo[];

  constructor(
    private readonly stores: Stores,
    options: { servesMetrics: boolean },
    private readonly now: () => string = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
  ) {
    this.builtIn = resources.filter((r) => options.servesMetrics || r.group !== metricsGroup);
    this.crds.subscribe((change) => this.crdChanged(change));
  }

  private get crds() {
    return this.stores.byName(crdResourceKey);
  }

  /** Every served resource: built-in first, in catalogue order, then custom ones by CRD name. */
  all(): readonly ResourceInfo[] {
    return [...this.builtIn, ...this.customResources()];
  }

  find(group: string, version: string, plural: string): ResourceInfo | undefined {
    return this.all().find((r) => r.group === group && r.version === version && r.plural === plural);
  }

  /** Called after every change to what is served (a CRD established, changed or deleted). */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Gives every stored CRD the status the apiextensions controllers would: for CRDs loaded in
   * bulk before the server starts, which no change event announced.
   */
  establishAll(): void {
    for (const crd of [...this.crds.values()]) this.establish(crd.metadata.name);
  }

  /**
   * Why this CRD's names cannot be accepted (the plural, kind or a short name is taken in its
   * group by a built-in resource or another established CRD), or undefined when they can.
   */
  conflictFor(crd: KubeObject): NameConflict {
    const spec = crd.spec as { group: string; names: { plural: string; kind: string; shortNames?: string[] } };
    const others = [...this.builtIn, ...this.customResources().filter((r) => r.custom?.crdName !== crd.metadata.name)].filter((r) => r.group === spec.group);
    // The reasons and words of apiextensions' naming controller.
    if (others.some((r) => r.plural === spec.names.plural)) return { reason: 'PluralConflict', message: `"${spec.names.plural}" is already in use` };
    for (const short of spec.names.shortNames ?? []) {
      if (others.some((r) => r.shortNames?.includes(short) || r.plural === short)) return { reason: 'ShortNamesConflict', message: `"${short}" is already in use` };
    }
    if (others.some((r) => r.kind === spec.names.kind)) return { reason: 'KindConflict', message: `"${spec.names.kind}" is already in use` };
    return undefined;
  }

  private customResources(): ResourceInfo[] {
    if (!this.custom) {
      const served: ResourceInfo[] = [];
      for (const crd of this.crds.values()) {
        if (!isEstablished(crd)) continue;
        const infos = servedResources(crd);
        if (!infos) {
          console.warn(`demo-cluster: CustomResourceDefinition ${crd.metadata.name} is marked Established but its spec is not valid; it is not served`);
          continue;
        }
        // The catalogue wins over a CRD that shadows a built-in resource.
        served.push(...infos.filter((info) => !this.builtIn.some((b) => b.group === info.group && b.plural === info.plural)));
      }
      this.custom = served;
    }
    return this.custom;
  }

  private crdChanged(change: Change): void {
    if (change.type === 'DELETED') {
      this.removeObjectsOf(change.object);
      // Names it held may be free now: a CRD refused for a conflict gets another look, as the
      // naming controller requeues every CRD of a group when one of them goes.
      queueMicrotask(() => this.establishAll());
    } else if (!isEstablished(change.object) && change.object.status === undefined) {
      // Written to the store without a status, as a controller would see it: establish it once
      // this write's listeners are done, so every watcher sees ADDED before the MODIFIED.
      const name = change.object.metadata.name;
      queueMicrotask(() => this.establish(name));
    }
    this.custom = undefined;
    for (const listener of [...this.listeners]) {
      try {
        listener();
      } catch (error) {
        console.error('demo-cluster: a registry listener failed:', error);
      }
    }
  }

  private establish(name: string): void {
    const crd = this.crds.get(undefined, name);
    if (!crd || isEstablished(crd)) return;
    const problems = validateCrd(crd as Record<string, any>);
    if (problems.length > 0) {
      console.warn(`demo-cluster: CustomResourceDefinition ${name} is not valid and is not served: ${problems.map((p) => `${p.field}: ${p.message}`).join(', ')}`);
      return;
    }
    const status = crdStatus(crd as Record<string, any>, this.conflictFor(crd), this.now());
    if (JSON.stringify(status) === JSON.stringify(crd.status)) return;
    this.crds.mutate(undefined, name, (draft) => void (draft.status = status));
  }

  /** A deleted CRD's objects go too, each one DELETED to its watchers, then their store. */
  private removeObjectsOf(crd: KubeObject): void {
    const spec = crd.spec as { group?: string; names?: { plural?: string } } | undefined;
    if (!spec?.group || !spec.names?.plural) return;
    const key = resourceKey({ plural: spec.names.plural, group: spec.group });
    // A CRD that shadowed a built-in resource was never served; the built-in objects stay.
    if (this.builtIn.some((b) => resourceKey(b) === key)) return;
    const store = this.stores.find(key);
    if (!store) return;
    for (const object of [...store.values()]) store.delete(object.metadata.namespace, object.metadata.name);
    this.stores.drop(key);
  }
}
