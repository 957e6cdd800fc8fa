/**
 * LoadSource makes cheap but real changes to pods, for the bench's rate rows: each change stamps
 * one pod's `bench.kubelive.dev/beat` annotation with a new count and records it through the pods
 * store, so every watcher, bookmark, history window and resourceVersion sees it exactly as any
 * other change. The simulation's churn does a controller's work per change (replace a pod, scale
 * a ReplicaSet, write Events: about 0.2 ms of CPU each), which caps it at a few thousand changes
 * a second; this does one shallow copy and one write, so the limit measured is the consumers'.
 *
 * Pods are visited in turn (every pod changes before any changes twice), the order taken afresh
 * each round so pods made or deleted meanwhile are followed.
 */
import { keyOf, type KubeObject, type ObjectStore } from './store.js';

export const beatAnnotation = 'bench.kubelive.dev/beat';

/** The part of the pods store a load source needs. */
export type LoadTarget = Pick<ObjectStore, 'values' | 'getByKey' | 'replace'>;

export class LoadSource {
  private round: string[] = [];
  private next = 0;
  private beats = 0;

  constructor(private readonly pods: LoadTarget) {}

  /** Makes `count` changes (fewer only when there are no pods); returns how many it made. */
  change(count: number): number {
    let made = 0;
    while (made < count) {
      if (this.next >= this.round.length) {
        this.round = [...this.pods.values()].map(keyOf);
        this.next = 0;
        if (this.round.length === 0) break;
      }
      const current = this.pods.getByKey(this.round[this.next++]!);
      if (!current) continue;
      this.pods.replace(beat(current, ++this.beats));
      made++;
    }
    return made;
  }
}

/**
 * A new object that differs from `pod` by the annotation only. It shares everything else with
 * the stored object, which is safe because stored objects are never changed in place; a deep
 * copy (what `mutate` does) would cost more than the rest of the write together.
 */
function beat(pod: KubeObject, count: number): KubeObject {
  return { ...pod, metadata: { ...pod.metadata, annotations: { ...pod.metadata.annotations, [beatAnnotation]: String(count) } } };
}
