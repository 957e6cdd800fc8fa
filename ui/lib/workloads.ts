/**
 * What the Workloads view lists: the workloads an operator manages (Deployments, StatefulSets,
 * DaemonSets, Jobs, CronJobs), each with its pods' summed usage. ReplicaSets stay out of the
 * list: they are a Deployment's machinery, and their pods' usage is already counted on it.
 */
import type { WorkloadKind, WorkloadRow } from '../../adapters/rows.js';
import { compareText } from './order.js';

export interface WorkloadUsage {
  readonly cpuMillicores: number;
  readonly memoryBytes: number;
  /** Pods that contributed a sample. */
  readonly pods: number;
}

export interface WorkloadListRow {
  readonly workload: WorkloadRow;
  readonly usage: WorkloadUsage | null;
}

export const listedKinds: readonly WorkloadKind[] = ['Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'CronJob'];

const kindOrder = new Map<WorkloadKind, number>(listedKinds.map((kind, i) => [kind, i]));

export function isListed(row: WorkloadRow): boolean {
  return kindOrder.has(row.kind);
}

/**
 * Listed workloads with usage, sorted by namespace, kind (as above), then name. With `reuse` (the
 * rows of the last list, by uid, kept up to date here) a workload whose row and usage objects are
 * both unchanged keeps its list row object, so the table leaves it unrendered: under churn each
 * change moves one or two workloads, and re-rendering every row in view for each was row 9w's
 * late frames.
 */
export function workloadList(
  rows: readonly WorkloadRow[],
  usage: ReadonlyMap<string, WorkloadUsage>,
  kind: WorkloadKind | 'all' = 'all',
  reuse?: Map<string, WorkloadListRow>,
): WorkloadListRow[] {
  const listed = rows
    .filter((w) => isListed(w) && (kind === 'all' || w.kind === kind))
    .sort(
      (a, b) =>
        compareText(a.namespace, b.namespace) || (kindOrder.get(a.kind) ?? 9) - (kindOrder.get(b.kind) ?? 9) || compareText(a.name, b.name),
    )
    .map((workload): WorkloadListRow => {
      const used = usage.get(workload.uid) ?? null;
      const was = reuse?.get(workload.uid);
      return was && was.workload === workload && was.usage === used ? was : { workload, usage: used };
    });
  if (reuse) {
    reuse.clear();
    for (const row of listed) reuse.set(row.workload.uid, row);
  }
  return listed;
}

/** The backend's resource name for a kind, as `GET /api/v1/object/:resource/...` takes it. */
export function resourceOfKind(kind: WorkloadKind): string {
  return `${kind.toLowerCase()}s`;
}

/** How many of each listed kind, for the kind filter. */
export function countByKind(rows: readonly WorkloadRow[]): Record<WorkloadKind | 'all', number> {
  const counts = { all: 0, Deployment: 0, StatefulSet: 0, DaemonSet: 0, ReplicaSet: 0, Job: 0, CronJob: 0 };
  for (const w of rows) {
    if (!isListed(w)) continue;
    counts[w.kind]++;
    counts.all++;
  }
  return counts;
}

/**
 * Ready over desired, as an operator reads it. A CronJob's `desired` is its active Jobs, so it
 * shows "n active"; a Job's is its completions.
 */
export function readyText(w: WorkloadRow): string {
  if (w.kind === 'CronJob') return `${w.desired} active`;
  if (w.kind === 'Job') return `${w.ready}/${w.desired} done`;
  return `${w.ready}/${w.desired}`;
}

/** Fewer ready than desired (a Job still running is not short). */
export function isShort(w: WorkloadRow): boolean {
  if (w.kind === 'CronJob' || w.kind === 'Job') return false;
  return w.ready < w.desired;
}

/** Statuses that are fine, on their way, or trouble, for the colour a status is shown in. */
const fineStatuses = new Set(['Available', 'Complete', 'Scheduled', 'Active']);
const movingStatuses = new Set(['Progressing', 'Running', 'Paused', 'Suspended', 'Terminating']);

export function workloadStatusClass(w: WorkloadRow): string {
  const status = w.status ?? '';
  if (fineStatuses.has(status)) return 'ok';
  if (movingStatuses.has(status)) return 'warn';
  return status === '' ? 'muted' : 'bad';
}

/** What the filter finds a workload by: its name, namespace, kind and status word. */
export function workloadMatches(w: WorkloadRow, needle: string): boolean {
  return needle === '' || w.name.includes(needle) || w.namespace.includes(needle) || w.kind.toLowerCase().includes(needle) || (w.status ?? '').toLowerCase().includes(needle);
}
