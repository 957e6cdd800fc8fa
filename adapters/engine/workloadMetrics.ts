/**
 * A workload's usage is the sum over the pods it owns. Pods name their controller (a
 * ReplicaSet, StatefulSet, DaemonSet or Job); ReplicaSets and Jobs name theirs (a Deployment, a
 * CronJob). Both hops are followed through the rows the store already holds, by uid, so a
 * Deployment gets its pods' usage through its ReplicaSets and a CronJob through its Jobs.
 * Usage is read from the one metrics map, refreshed on the one metrics interval.
 */
import type { PodRow, WorkloadRow } from '../protocol.js';
import { ChangeLog } from './changeLog.js';
import type { MetricsSample, RowStore } from './store.js';

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

interface Contribution {
  /** The workloads credited: the pod's owner and, one hop up, the owner's owner. */
  readonly owner: string;
  readonly parent: string | undefined;
  /** Whole nanocores and bytes (metrics-server's own units), so totals add and subtract exactly. */
  cpu: number;
  memory: number;
  /** False for a pod without a sample (yet): it credits nothing. */
  measured: boolean;
  /** The pod's sample as found, kept: the store updates a sample in place and never removes it. */
  sample: MetricsSample | undefined;
}

/**
 * workloadUsage kept current without summing every pod on every change. On a churning cluster
 * the pods change many times a second while samples change once per metrics interval, and
 * summing 50,000 pods per change kept a browser busy (bench row 9w); even a pass that only
 * compared every pod cost most of a full sum. So while attached, the tracker follows the store's
 * RowsChanged feed and re-credits only the pods written, and the pods of a workload whose own
 * owner changed. A new metrics sample set, replaced rows, or a read while detached sums
 * everything again. The totals always equal workloadUsage's.
 */
export class WorkloadUsageTracker {
  private readonly contributions = new Map<string, Contribution>();
  private readonly podsByOwner = new Map<string, Set<string>>();
  /** In whole units: sums of floats moved by every re-credit (0.3 - 0.3 + 0.1 - 0.1 left -0 in a test). */
  private readonly totals = new Map<string, { nanocores: number; memoryBytes: number; pods: number }>();
  private parents = new Map<string, string>();
  private readonly podWrites: ChangeLog;
  private readonly workloadWrites: ChangeLog;
  private seen = { pods: -1, workloads: -1, metrics: -1, podsCollection: undefined as unknown, workloadsCollection: undefined as unknown };
  private snapshot: ReadonlyMap<string, Usage> = new Map();

  constructor(
    private readonly store: RowStore,
    private readonly podsKey: string,
    private readonly workloadsKey: string,
  ) {
    this.podWrites = new ChangeLog(store, podsKey);
    this.workloadWrites = new ChangeLog(store, workloadsKey);
  }

  /** Follows the store's writes until the returned function is called (counted: attach twice, detach twice). */
  attach(): () => void {
    const detach = [this.podWrites.attach(), this.workloadWrites.attach()];
    return () => detach.forEach((d) => d());
  }

  /** The totals by workload uid; the same map until something in them changed. */
  read(): ReadonlyMap<string, Usage> {
    const pods = this.store.collection(this.podsKey);
    const workloads = this.store.collection(this.workloadsKey);
    const seen = this.seen;
    const metricsMoved = this.store.metricsVersion !== seen.metrics;
    const workloadsMoved = workloads !== seen.workloadsCollection || (workloads?.version ?? -1) !== seen.workloads;
    const podsMoved = pods !== seen.podsCollection || (pods?.version ?? -1) !== seen.pods;
    if (!metricsMoved && !workloadsMoved && !podsMoved) return this.snapshot;
    this.seen = { pods: pods?.version ?? -1, workloads: workloads?.version ?? -1, metrics: this.store.metricsVersion, podsCollection: pods, workloadsCollection: workloads };

    const podsWritten = this.podWrites.take();
    const workloadsWritten = this.workloadWrites.take();
    const changed =
      podsWritten === 'all' || workloadsWritten === 'all' ? this.sumEverything() : this.recreditWritten(podsWritten, workloadsWritten, metricsMoved);
    if (changed) this.snapshot = this.totalsKeepingUnchanged();
    return this.snapshot;
  }

  /**
   * The totals as a new map, each workload's usage the same object as before unless its numbers
   * moved: the Workloads view re-renders a row only when its usage object changes, and a pod
   * written under churn moves one or two workloads' totals, not all 331 (bench row 9w).
   */
  private totalsKeepingUnchanged(): ReadonlyMap<string, Usage> {
    const before = this.snapshot;
    const next = new Map<string, Usage>();
    for (const [uid, t] of this.totals) {
      const cpuMillicores = t.nanocores / 1e6;
      const was = before.get(uid);
      next.set(uid, was && was.cpuMillicores === cpuMillicores && was.memoryBytes === t.memoryBytes && was.pods === t.pods ? was : { cpuMillicores, memoryBytes: t.memoryBytes, pods: t.pods });
    }
    return next;
  }

  private sumEverything(): boolean {
    this.contributions.clear();
    this.podsByOwner.clear();
    this.totals.clear();
    this.parents = new Map();
    for (const w of (this.store.collection(this.workloadsKey)?.rows.values() ?? []) as Iterable<WorkloadRow>) if (w.owner) this.parents.set(w.uid, w.owner.uid);
    for (const [uid, row] of (this.store.collection(this.podsKey)?.rows ?? new Map()) as ReadonlyMap<string, PodRow>) this.recredit(uid, row);
    return true;
  }

  /** The pods written since the last read, or all of them when the samples moved (new samples, same pods). */
  private recreditWritten(podsWritten: ReadonlySet<string>, workloadsWritten: ReadonlySet<string>, metricsMoved: boolean): boolean {
    const dirtyPods = new Set(podsWritten);
    const workloads = this.store.collection(this.workloadsKey)?.rows as ReadonlyMap<string, WorkloadRow> | undefined;
    for (const uid of workloadsWritten) {
      const parent = workloads?.get(uid)?.owner?.uid;
      if (parent === this.parents.get(uid)) continue;
      if (parent) this.parents.set(uid, parent);
      else this.parents.delete(uid);
      for (const pod of this.podsByOwner.get(uid) ?? []) dirtyPods.add(pod);
    }
    const pods = (this.store.collection(this.podsKey)?.rows ?? new Map()) as ReadonlyMap<string, PodRow>;
    let changed = false;
    if (metricsMoved) changed = this.rereadSamples(pods);
    // Pods deleted are among the written ones, whether or not every pod was just visited.
    for (const uid of dirtyPods) changed = this.recredit(uid, pods.get(uid)) || changed;
    return changed;
  }

  /**
   * New samples, the same pods: every pod's credit re-read from the sample it holds (looked up for
   * one that had none), with no lookup of its row, credit or sample by name. A metrics tick does
   * this for all 50,000 pods in the frame after it lands (bench row 9w).
   */
  private rereadSamples(pods: ReadonlyMap<string, PodRow>): boolean {
    let changed = false;
    for (const [uid, c] of this.contributions) {
      if (!c.owner) continue;
      let sample = c.sample;
      if (!sample) {
        const row = pods.get(uid);
        sample = row && this.store.metricsFor('pod', row.name, row.namespace);
      }
      changed = this.reread(c, sample) || changed;
    }
    return changed;
  }

  /** Brings one pod's credit up to date with its row (undefined: the pod is gone); true if a total moved. */
  private recredit(uid: string, row: PodRow | undefined): boolean {
    const before = this.contributions.get(uid);
    if (!row) {
      if (!before) return false;
      this.remove(uid, before);
      return before.measured;
    }
    const owner = row.owner?.uid ?? '';
    const parent = owner ? this.parents.get(owner) : undefined;
    const sample = owner ? this.store.metricsFor('pod', row.name, row.namespace) : undefined;
    // The common case, every pod on every metrics tick: new numbers in place, no allocation.
    if (before && before.owner === owner && before.parent === parent) return this.reread(before, sample);
    const measured = sample !== undefined;
    if (before) this.remove(uid, before);
    this.add(uid, { owner, parent, cpu: nanocores(sample), memory: bytes(sample), measured, sample });
    return measured || before?.measured === true;
  }

  /** A credit whose pod keeps its owners, moved to `sample`'s numbers in place; true if a total moved. */
  private reread(c: Contribution, sample: MetricsSample | undefined): boolean {
    const cpu = nanocores(sample);
    const memory = bytes(sample);
    const measured = sample !== undefined;
    c.sample = sample;
    if (c.cpu === cpu && c.memory === memory && c.measured === measured) return false;
    const pods = Number(measured) - Number(c.measured);
    this.shift(c.owner, cpu - c.cpu, memory - c.memory, pods);
    if (c.parent) this.shift(c.parent, cpu - c.cpu, memory - c.memory, pods);
    c.cpu = cpu;
    c.memory = memory;
    c.measured = measured;
    return true;
  }

  private add(uid: string, c: Contribution): void {
    this.contributions.set(uid, c);
    if (c.owner) {
      let owned = this.podsByOwner.get(c.owner);
      if (!owned) this.podsByOwner.set(c.owner, (owned = new Set()));
      owned.add(uid);
    }
    this.credit(c, 1);
  }

  private remove(uid: string, c: Contribution): void {
    this.contributions.delete(uid);
    const owned = this.podsByOwner.get(c.owner);
    owned?.delete(uid);
    if (owned?.size === 0) this.podsByOwner.delete(c.owner);
    this.credit(c, -1);
  }

  private credit(c: Contribution, sign: 1 | -1): void {
    if (!c.measured) return;
    this.shift(c.owner, sign * c.cpu, sign * c.memory, sign);
    if (c.parent) this.shift(c.parent, sign * c.cpu, sign * c.memory, sign);
  }

  private shift(uid: string, cpu: number, memory: number, pods: number): void {
    let t = this.totals.get(uid);
    if (!t) this.totals.set(uid, (t = { nanocores: 0, memoryBytes: 0, pods: 0 }));
    t.nanocores += cpu;
    t.memoryBytes += memory;
    t.pods += pods;
    if (t.pods === 0) this.totals.delete(uid);
  }
}

const nanocores = (sample: MetricsSample | undefined) => Math.round((sample?.usage.cpuMillicores ?? 0) * 1e6);
const bytes = (sample: MetricsSample | undefined) => Math.round(sample?.usage.memoryBytes ?? 0);
