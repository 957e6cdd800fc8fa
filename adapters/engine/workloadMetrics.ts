/**
 * A workload's usage is the sum over the pods it owns. Pods name their controller (a
 * ReplicaSet, StatefulSet, DaemonSet or Job); ReplicaSets and Jobs name theirs (a Deployment, a
 * CronJob). Both hops are followed through the rows the store already holds, by uid, so a
 * Deployment gets its pods' usage through its ReplicaSets and a CronJob through its Jobs.
 * Usage is read from the one metrics map, refreshed on the one metrics interval.
 */
import type { PodRow, WorkloadRow } from '../protocol.js';
import type { RowStore } from './store.js';

export interface Usage {
  cpuMillicores: number;
  memoryBytes: number;
  /** Pods that contributed a sample. */
  pods: number;
}

export function workloadUsage(store: RowStore, podsKey: string, workloadsKey: string): Map<string, Usage> {
  const workloads = new Map<string, WorkloadRow>();
  for (const w of store.rows<WorkloadRow>(workloadsKey)) workloads.set(w.uid, w);
  const totals = new Map<string, Usage>();
  const add = (uid: string, cpu: number, memory: number) => {
    const t = totals.get(uid) ?? { cpuMillicores: 0, memoryBytes: 0, pods: 0 };
    t.cpuMillicores += cpu;
    t.memoryBytes += memory;
    t.pods += 1;
    totals.set(uid, t);
  };
  for (const pod of store.rows<PodRow>(podsKey)) {
    if (!pod.owner) continue;
    const sample = store.metricsFor('pod', pod.name, pod.namespace);
    if (!sample) continue;
    const cpu = sample.usage.cpuMillicores ?? 0;
    const memory = sample.usage.memoryBytes ?? 0;
    add(pod.owner.uid, cpu, memory);
    // One more hop: ReplicaSet → Deployment, Job → CronJob.
    const parent = workloads.get(pod.owner.uid)?.owner;
    if (parent) add(parent.uid, cpu, memory);
  }
  return totals;
}
