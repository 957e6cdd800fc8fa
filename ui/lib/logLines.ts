/**
 * The lines a logs panel shows, from the rows its followers hold: one container's in order, or
 * every container's interleaved by the kubelet's timestamps and tagged with their container, as
 * `kubectl logs --all-containers --prefix --timestamps` would print them; the same text goes into
 * the downloaded file.
 */
import type { LogLineRow } from '../../adapters/rows.js';

/** Lines a pod-logs subscription holds: the backend's tail (`logTailLines` in adapters/kube/logs.ts). */
export const heldLogLines = 500;

export interface ContainerLines {
  readonly container: string;
  /** In the order the container wrote them (the follower's order). */
  readonly rows: readonly LogLineRow[];
}

export interface Interleaved {
  readonly rows: readonly LogLineRow[];
  /**
   * The stamp from which every container's lines are held, when some container's tail was cut
   * (it holds `tailLimit` rows): lines of the others from before it are left out, since that
   * container's lines of the same time are not there to interleave with them.
   */
  readonly since: string | null;
  /** The container whose cut tail set `since`. */
  readonly cutTail: string | null;
}

/**
 * An RFC 3339 stamp as text that sorts in time order: the kubelet writes RFC3339Nano, which drops
 * trailing zeros of the fraction, so "…:05.1Z" and "…:05.09Z" compare wrongly as written.
 */
export function timeKey(stamp: string): string {
  const utc = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?Z$/.exec(stamp);
  if (utc) return `${utc[1]}.${(utc[2] ?? '').padEnd(9, '0')}Z`;
  // An offset other than Z (not what a kubelet writes): to UTC, at millisecond precision.
  const ms = Date.parse(stamp);
  return Number.isNaN(ms) ? stamp : `${new Date(ms).toISOString().slice(0, 19)}.${String(ms % 1000).padStart(3, '0').padEnd(9, '0')}Z`;
}

/**
 * Merges the containers' lines by time. Ties keep the containers' order and each container's own
 * order; a line without a stamp stays right after the line its container wrote before it.
 */
export function interleave(containers: readonly ContainerLines[], tailLimit: number): Interleaved {
  if (containers.length === 1) return { rows: containers[0]!.rows, since: null, cutTail: null };
  let since: string | null = null;
  let sinceKey = '';
  let cutTail: string | null = null;
  for (const { container, rows } of containers) {
    const first = rows.find((r) => r.time !== null)?.time;
    if (rows.length >= tailLimit && first && timeKey(first) > sinceKey) {
      since = first;
      sinceKey = timeKey(first);
      cutTail = container;
    }
  }
  const keyed: Array<{ row: LogLineRow; key: string; container: number; position: number }> = [];
  containers.forEach(({ rows }, container) => {
    let key = '';
    rows.forEach((row, position) => {
      if (row.time !== null) key = timeKey(row.time);
      if (key >= sinceKey) keyed.push({ row, key, container, position });
    });
  });
  keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.container - b.container || a.position - b.position));
  return { rows: keyed.map((k) => k.row), since, cutTail };
}

export interface LineFormat {
  readonly timestamps: boolean;
  /** `[pod/<pod>/<container>] ` before each line, as `kubectl logs --prefix` writes it; null for none. */
  readonly prefixPod: string | null;
}

/** The prefix `kubectl logs --prefix` writes. */
export function containerPrefix(pod: string, container: string): string {
  return `[pod/${pod}/${container}]`;
}

/** One line as shown and as written to the file: [prefix] [stamp] text. */
export function lineText(row: Pick<LogLineRow, 'container' | 'time' | 'line'>, format: LineFormat): string {
  const parts: string[] = [];
  if (format.prefixPod !== null) parts.push(containerPrefix(format.prefixPod, row.container));
  if (format.timestamps && row.time !== null) parts.push(row.time);
  parts.push(row.line);
  return parts.join(' ');
}

/**
 * Whether the previous run read is the run the follower already shows: a container waiting to
 * restart (CrashLoopBackOff) or finished has no current run, so the kubelet serves its last run
 * both as its log and as `--previous`. Lines are keyed by container, stamp and place, so the
 * previous run's last line is among the current lines exactly then.
 */
export function isShownRun(previous: readonly LogLineRow[], current: readonly LogLineRow[]): boolean {
  const last = previous[previous.length - 1];
  return last !== undefined && current.some((row) => row.uid === last.uid);
}

/** What marks the end of the previous run in the view and the file; `ended` says how it ended, when known. */
export function previousRunDivider(container: string, ended = ''): string {
  return `--- ${container} restarted${ended ? ` (previous run ended ${ended})` : ''}: the lines above are its previous run ---`;
}

/** The file's name: pod and container (or "all-containers"), "-previous" when the previous run is in it. */
export function downloadName(pod: string, container: string | null, withPrevious: boolean): string {
  const safe = (s: string) => s.replace(/[^A-Za-z0-9._-]/g, '_');
  return `${safe(pod)}_${container === null ? 'all-containers' : safe(container)}${withPrevious ? '_with-previous' : ''}.log`;
}

/** The colour slot of a container: its place among the pod's containers, round the palette. */
export const containerColours = 6;
export function colourOf(containers: readonly string[], container: string): number {
  const index = containers.indexOf(container);
  return (index < 0 ? 0 : index) % containerColours;
}
