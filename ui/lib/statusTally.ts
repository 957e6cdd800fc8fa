/**
 * The Pods view's status counts (the Status filter's options) kept current pod by pod. Counting
 * 50,000 pods' statuses again on every change of a churning cluster was a pass over every pod
 * per update (bench rows 9 and 9s); this re-counts only the pods written, and everything when the
 * rows were replaced. The counts always equal statusCounts' over the same rows.
 */
import type { Changed } from '../../adapters/engine/changeLog.js';
import type { PodRow } from '../../adapters/rows.js';
import { countsInOrder, phaseText } from './pods.js';

export class StatusTally {
  /** Each pod's status as counted, by uid. */
  private readonly counted = new Map<string, string>();
  private readonly counts = new Map<string, number>();
  private listed: [string, number][] = [];

  /** The statuses by count (most first, then by name), as statusCounts gives them; a new array only when a count moved. */
  update(rows: ReadonlyMap<string, PodRow>, changed: Changed): [string, number][] {
    let moved = false;
    if (changed === 'all') {
      this.counted.clear();
      this.counts.clear();
      for (const [uid, pod] of rows) this.count(uid, phaseText(pod));
      moved = true;
    } else {
      for (const uid of changed) {
        const was = this.counted.get(uid);
        const pod = rows.get(uid);
        const now = pod ? phaseText(pod) : undefined;
        if (was === now) continue;
        if (was !== undefined) this.uncount(uid, was);
        if (now !== undefined) this.count(uid, now);
        moved = true;
      }
    }
    if (moved) this.listed = countsInOrder(this.counts);
    return this.listed;
  }

  private count(uid: string, status: string): void {
    this.counted.set(uid, status);
    this.counts.set(status, (this.counts.get(status) ?? 0) + 1);
  }

  private uncount(uid: string, status: string): void {
    this.counted.delete(uid);
    const left = (this.counts.get(status) ?? 0) - 1;
    if (left > 0) this.counts.set(status, left);
    else this.counts.delete(status);
  }
}
