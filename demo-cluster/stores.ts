/**
 * Stores holds one ObjectStore per stored resource, all stamped from one cluster-wide revision,
 * and names the ones the simulation touches directly. Every built-in kind has its store from the
 * start; any other (a custom resource) gets one on demand and loses it when its CRD goes.
 */
import { resourceKey, storedResources } from './resources.js';
import { ObjectStore, Revision } from './store.js';

export class Stores {
  readonly revision = new Revision();
  private readonly byKey = new Map<string, ObjectStore>();

  readonly namespaces: ObjectStore;
  readonly nodes: ObjectStore;
  readonly pods: ObjectStore;
  readonly events: ObjectStore;
  readonly deployments: ObjectStore;
  readonly statefulsets: ObjectStore;
  readonly daemonsets: ObjectStore;
  readonly replicasets: ObjectStore;
  readonly jobs: ObjectStore;
  readonly cronjobs: ObjectStore;

  constructor(
    private readonly watchWindow?: number,
    private readonly historyWindowMs?: number,
    private readonly now?: () => number,
  ) {
    for (const info of storedResources) this.byName(resourceKey(info));
    this.namespaces = this.byName('namespaces');
    this.nodes = this.byName('nodes');
    this.pods = this.byName('pods');
    this.events = this.byName('events');
    this.deployments = this.byName('deployments.apps');
    this.statefulsets = this.byName('statefulsets.apps');
    this.daemonsets = this.byName('daemonsets.apps');
    this.replicasets = this.byName('replicasets.apps');
    this.jobs = this.byName('jobs.batch');
    this.cronjobs = this.byName('cronjobs.batch');
  }

  /**
   * The store for a resource key such as `pods` or `deployments.apps`, made on first use. A new
   * store's history starts now: a version handed out before it existed is too old to watch from.
   */
  byName(key: string): ObjectStore {
    let store = this.byKey.get(key);
    if (!store) {
      store = new ObjectStore(key, this.revision, this.watchWindow, this.historyWindowMs, this.now);
      this.byKey.set(key, store);
    }
    return store;
  }

  /** Forgets a store (its CRD was deleted); a CRD made again under that name starts afresh. */
  drop(key: string): void {
    this.byKey.delete(key);
  }

  find(key: string): ObjectStore | undefined {
    return this.byKey.get(key);
  }

  all(): ObjectStore[] {
    return [...this.byKey.values()];
  }
}
