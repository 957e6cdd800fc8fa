/**
 * PodSightings passes what the backend's pods watches see to the log followers of the same pod
 * names: a pod that takes a followed name (a StatefulSet's ordinal coming back) is read at once,
 * rather than when the follower next looks (`finishedRecheckMs`). It costs a pods watch nothing
 * while no log is followed, and a map lookup per changed pod while some are.
 */
import type { PodRow } from '../adapters/rows.js';
import type { PodPresence } from '../adapters/kube/logs.js';
import type { CacheChange } from './cache.js';

export class PodSightings {
  /** Followers by `namespace/pod`: a name may be followed per container, so several share one. */
  private readonly followers = new Map<string, Set<PodPresence>>();

  listen(namespace: string, pod: string, presence: PodPresence): void {
    const key = `${namespace}/${pod}`;
    let set = this.followers.get(key);
    if (!set) this.followers.set(key, (set = new Set()));
    set.add(presence);
  }

  stopListening(namespace: string, pod: string, presence: PodPresence): void {
    const key = `${namespace}/${pod}`;
    const set = this.followers.get(key);
    if (!set) return;
    set.delete(presence);
    if (set.size === 0) this.followers.delete(key);
  }

  /** A pods cache's changes: each pod created or changed is told to the followers of its name. */
  noticed(changes: readonly CacheChange[]): void {
    if (this.followers.size === 0) return;
    for (const { change } of changes) {
      if (change.op !== 'upsert') continue;
      const row = change.row as PodRow;
      const set = this.followers.get(`${row.namespace}/${row.name}`);
      if (set) for (const presence of set) presence.sighted(row.uid);
    }
  }
}
