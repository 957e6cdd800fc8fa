/**
 * Stores holds one ObjectStore per stored resource, all stamped from one cluster-wide revision,
 * and names the ones the simulation touches directly.
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

  constructor(watchWindow?: number, historyWindowMs?: number, now?: () => number) {
    for (const info of storedResources) {
      const key = resourceKey(info);
      this.byKey.set(key, new ObjectStore(key, this.revision, watchWindow, historyWindowMs, now));
    }
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

  /** The store for a resource key such as `pods` or `deployments.apps`. */
  byName(key: string): ObjectStore {
    const store = this.byKey.get(key);
    if (!store) throw new Error(`no store for ${key}`);
    return store;
  }

  find(key: string): ObjectStore | undefined {
    return this.byKey.get(key);
  }

  all(): ObjectStore[] {
    return [...this.byKey.values()];
  }
}
