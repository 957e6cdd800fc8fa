/**
 * The list and watch effects of a `pod-logs` upstream: "list" reads the tail of one container's
 * log, "watch" follows it from the last line's timestamp. Lines are keyed by
 * `container@timestamp#k` (k counts lines sharing a timestamp), so a re-follow that repeats lines
 * (the API server's sinceTime is coarse) produces the same keys and changes nothing.
 *
 * A follow ends when the container's run ends (the kubelet closes it), and also when the API
 * server drops it. Only the second is worth reopening, so an ended follow asks the pod which it
 * was: a container that is not running has written its whole log, and the watch stays put,
 * reporting progress ("the log is complete") and asking again every `finishedRecheckMs` until
 * the container runs again, which is a new run to follow.
 *
 * A pod that answers 404 once its log was read has been deleted, and its log went with it (the
 * kubelet removes a deleted pod's containers and their logs): the lines held are all there will
 * be. That is the end of the log, not an error to retry, so the watch stays as for a finished run
 * and says so in `PodPresence`. A pod found under the name with another uid is a new pod (a
 * StatefulSet brings its ordinal back at once), never a new run of the old one: the old pod is
 * gone just the same, and once the new pod's container has started its log is read afresh from
 * its tail (`WATCH.GONE`: only a relist helps), so no old line is ever shown as the new pod's.
 * The pods watch, when the backend runs one, tells `PodPresence` of such a pod as it appears
 * (`sighted`), so it is read at once instead of at the next recheck.
 */
import { fromCallback, fromPromise, type EventObject } from 'xstate';
import type { ListInput, ListOutput, UpstreamEvent, WatchInput } from '../../machines/upstreamMachine.js';
import { isFinishedPhase, type LogLineRow } from '../rows.js';
import { KubeApiError, type KubeClient } from './client.js';
import type { CacheSink } from './listWatch.js';
import type { KubeObject } from './rows.js';

/** Lines a pod-logs subscription holds: the tail a reset carries, and the window kept after. */
export const logTailLines = 500;

/**
 * How often a finished container's pod is read again, to notice a restart. A GET of one pod is
 * about the cheapest request an API server answers; the kubelet's own restart backoff starts at 10 s.
 */
export const finishedRecheckMs = 5_000;

export interface LogTarget {
  readonly namespace: string;
  readonly pod: string;
  readonly container?: string;
}

export function parseLogScope(scope: string): LogTarget {
  const [namespace = '', pod = '', container] = scope.split('/');
  return container ? { namespace, pod, container } : { namespace, pod };
}

function podPath(target: LogTarget): string {
  return `/api/v1/namespaces/${encodeURIComponent(target.namespace)}/pods/${encodeURIComponent(target.pod)}`;
}

/** Turns log lines (with kubelet timestamps) into rows, numbering lines that share a timestamp. */
export class LogLineNumbering {
  private lastTime: string | null = null;
  private sameTime = 0;

  constructor(private readonly container: string) {}

  row(text: string): LogLineRow {
    const space = text.indexOf(' ');
    const stamp = space > 0 ? text.slice(0, space) : '';
    const time = /^\d{4}-\d\d-\d\dT/.test(stamp) ? stamp : null;
    const line = time === null ? text : text.slice(space + 1);
    if (time !== null && time === this.lastTime) this.sameTime++;
    else this.sameTime = 0;
    this.lastTime = time;
    const uid = `${this.container}@${time ?? 'unknown'}#${this.sameTime}`;
    return { uid, resourceVersion: '1', name: uid, container: this.container, time, line };
  }
}

interface ContainerStatus {
  name?: unknown;
  state?: { running?: unknown; terminated?: unknown };
  lastState?: { terminated?: unknown };
}

function containerStatus(pod: KubeObject, container: string): ContainerStatus | undefined {
  const statuses = (pod.status as { containerStatuses?: unknown } | undefined)?.containerStatuses;
  return Array.isArray(statuses) ? (statuses as ContainerStatus[]).find((s) => s?.name === container) : undefined;
}

const present = (value: unknown): boolean => value !== undefined && value !== null;

/** Whether the pod's container is running now: while it is not, its log is complete. */
export function isContainerRunning(pod: KubeObject, container: string): boolean {
  if (isFinishedPhase((pod.status as { phase?: unknown } | undefined)?.phase)) return false;
  return present(containerStatus(pod, container)?.state?.running);
}

/**
 * Whether the container has a log to read: it runs, or ran. Until then the API server refuses
 * the read (400, "waiting to start"), so a new pod's log is read once this holds.
 */
export function hasContainerStarted(pod: KubeObject, container: string): boolean {
  const status = containerStatus(pod, container);
  return present(status?.state?.running) || present(status?.state?.terminated) || present(status?.lastState?.terminated);
}

/** The pod's first container: the one a scope without a container means. */
function firstContainer(pod: KubeObject, target: LogTarget): string {
  const first = Array.isArray(pod.spec?.containers) ? pod.spec.containers[0]?.name : undefined;
  if (typeof first !== 'string') throw new KubeApiError(`pod ${target.namespace}/${target.pod} has no containers`, 404, 'GET', podPath(target));
  return first;
}

/** Resolves the container: the one named in the scope, else the pod's first. */
async function resolveContainer(client: KubeClient, target: LogTarget, signal?: AbortSignal): Promise<string> {
  if (target.container) return target.container;
  return firstContainer(await client.requestJson<KubeObject>('GET', podPath(target), signal ? { signal } : {}), target);
}

/** The last `logTailLines` lines of the target's container, as rows. */
export function fetchLogTail(client: KubeClient, target: LogTarget, signal?: AbortSignal): Promise<LogLineRow[]> {
  return readLogLines(client, target, { tailLines: logTailLines }, signal);
}

/** The most lines a previous run's read may ask for; the kubelet keeps a few rotated files, no more. */
export const maxPreviousTailLines = 10_000;
/** A previous run's log is read whole into memory once: past this it is refused, not streamed. */
export const maxPreviousLogBytes = 8 * 1024 * 1024;

/**
 * The last `tailLines` lines of the container's previous run (`previous=true`): what `kubectl logs
 * --previous` reads for a crash loop. A container with no previous run is the API server's 400.
 */
export function fetchPreviousLog(client: KubeClient, target: LogTarget, tailLines: number, signal?: AbortSignal): Promise<LogLineRow[]> {
  return readLogLines(client, target, { tailLines: Math.min(tailLines, maxPreviousTailLines), previous: 'true' }, signal);
}

/** One read of a container's log with kubelet timestamps, bounded in bytes, as rows. */
async function readLogLines(client: KubeClient, target: LogTarget, query: { tailLines: number; previous?: 'true' }, signal?: AbortSignal): Promise<LogLineRow[]> {
  const container = await resolveContainer(client, target, signal);
  const text = await client.requestText(`${podPath(target)}/log`, {
    query: { container, ...query, timestamps: 'true' },
    ...(signal ? { signal } : {}),
    maxBytes: query.previous ? maxPreviousLogBytes : 16 * 1024 * 1024,
  });
  const numbering = new LogLineNumbering(container);
  return text
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => numbering.row(line));
}

/**
 * PodPresence knows which pod a follower's lines are of (its uid), and whether that pod has since
 * been deleted, in which case its log ended with it. It is shared by the follower's list and watch
 * effects, the Upstream that reports it, and the pods watch that tells it of pods under the name.
 */
export class PodPresence {
  /** The pod whose lines are held was deleted: they are its whole log. */
  gone = false;
  /** The uid of the pod whose lines are held; null before the first read. */
  uid: string | null = null;
  private newPodListener: (() => void) | null = null;

  /**
   * The pods watch saw a pod of this name. Another uid than the one read is another pod, so the
   * one whose lines are held is gone; the follower looks at once (the watch says a pod changed,
   * the pod's own GET says whether its log can be read yet).
   */
  sighted(uid: string): void {
    if (this.uid !== null && uid !== this.uid) this.newPodListener?.();
  }

  /** The follower's watch listens while it runs; returns the way to stop. */
  onNewPod(listener: () => void): () => void {
    this.newPodListener = listener;
    return () => {
      if (this.newPodListener === listener) this.newPodListener = null;
    };
  }
}

/** The uid of the pod read: whose log a follower holds. */
const uidOf = (pod: KubeObject): string | null => (typeof pod.metadata?.uid === 'string' ? pod.metadata.uid : null);

const isMissing = (error: unknown): boolean => error instanceof KubeApiError && error.status === 404;

export function podLogActors(client: KubeClient, target: LogTarget, sink: CacheSink, presence = new PodPresence(), recheckMs = finishedRecheckMs) {
  let container = target.container;
  return {
    listResource: fromPromise<ListOutput, ListInput>(async ({ signal }) => {
      // The pod first, for its uid: whose lines these are. A pod replaced between this read and
      // the log's is seen as another uid at the next look, and read again.
      const pod = await client.requestJson<KubeObject>('GET', podPath(target), { signal });
      container = target.container ?? firstContainer(pod, target);
      const rows = await readLogLines(client, { ...target, container }, { tailLines: logTailLines }, signal);
      const last = rows[rows.length - 1];
      // The "resourceVersion" of a log is the timestamp of its last line: where a follow resumes.
      const resourceVersion = last?.time ?? new Date().toISOString();
      if (signal.aborted) throw new Error('log tail abandoned');
      // Told as a list read whole, as a collection's pages are: a cold view's snapshot follows the
      // first list through them, and without them it answered an empty log (count 0 at the last
      // line's time) while the lines were landing.
      sink.listPage?.(rows, true, null);
      sink.listRead?.(resourceVersion);
      await sink.replace(rows, resourceVersion, null, signal);
      // Cleared once the new lines are in: until then the lines held are the deleted pod's, and say so.
      presence.uid = uidOf(pod);
      presence.gone = false;
      return { resourceVersion };
    }),
    watchResource: fromCallback<EventObject, WatchInput>(({ input, sendBack }) => {
      const send = (event: UpstreamEvent) => sendBack(event);
      const numbering = new LogLineNumbering(container ?? '');
      const request = new AbortController();
      let finished = false;
      let abort: (() => void) | undefined;
      let recheck: ReturnType<typeof setTimeout> | undefined;
      const finish = (event: UpstreamEvent) => {
        if (finished) return;
        finished = true;
        abort?.();
        send(event);
      };
      const failure = (error: unknown): UpstreamEvent => ({
        type: 'WATCH.FAILED',
        ...(error instanceof KubeApiError && error.status !== undefined ? { status: error.status } : {}),
        message: error instanceof Error ? error.message : String(error),
      });
      // The log is complete for now: say so, and look again after `finishedRecheckMs`.
      const waitForNextRun = () => {
        send({ type: 'WATCH.PROGRESS' });
        recheck = setTimeout(followOrWaitForNextRun, recheckMs);
      };
      // The pod was deleted: its log is complete, as a finished run's is. Progress, not a failure,
      // so no client falls back to reading the log of a pod the API server no longer has (404).
      const podGone = () => {
        if (finished) return;
        presence.gone = true;
        waitForNextRun();
      };
      let looking = false;
      let lookAgain = false;
      // The follow ended, or a pod took the name: reopen the follow only if the container still
      // runs (or runs again); while it does not, the log is complete and staying here costs one
      // pod GET per recheck. Another pod under the name is read afresh once its container started.
      const followOrWaitForNextRun = () => {
        if (recheck) clearTimeout(recheck);
        recheck = undefined;
        if (looking) {
          lookAgain = true;
          return;
        }
        looking = true;
        client.requestJson<KubeObject>('GET', podPath(target), { signal: request.signal }).then(
          (pod) => settle(() => decide(pod)),
          (error: unknown) => settle(() => (isMissing(error) ? podGone() : finish(failure(error)))),
        );
      };
      // A look asked for while one was in flight (the pod changed meanwhile) replaces its answer.
      const settle = (decide: () => void) => {
        looking = false;
        if (finished) return;
        if (!lookAgain) return decide();
        lookAgain = false;
        followOrWaitForNextRun();
      };
      const decide = (pod: KubeObject) => {
        const uid = uidOf(pod);
        if (presence.gone || (presence.uid !== null && uid !== presence.uid)) {
          // Another pod: the one read is gone, and its lines stay, marked so, until the new pod's
          // replace them. Its log is read once there is one (before, the read is a 400).
          presence.gone = true;
          return hasContainerStarted(pod, container ?? '') ? finish({ type: 'WATCH.GONE' }) : waitForNextRun();
        }
        if (isContainerRunning(pod, container ?? '')) return finish({ type: 'WATCH.ENDED' });
        waitForNextRun();
      };
      // A pod of this name with another uid (from the pods watch): look now, not at the recheck. A
      // follow still open is of the old pod, and ends as it goes, which looks again anyway.
      const stopHearing = presence.onNewPod(() => {
        if (!finished) followOrWaitForNextRun();
      });
      client
        .openStream(`${podPath(target)}/log`, {
          query: {
            container,
            follow: 'true',
            timestamps: 'true',
            ...(input.resourceVersion ? { sinceTime: input.resourceVersion } : { tailLines: 0 }),
          },
          signal: request.signal,
        })
        .then(
          (stream) => {
            if (finished) return stream.abort();
            abort = () => stream.abort();
            stream.read(
              (line) => {
                if (finished) return;
                const row = numbering.row(line);
                // Lines at or before where we resume were delivered by the previous follow.
                if (row.time !== null && input.resourceVersion && row.time < input.resourceVersion && sameLength(row.time, input.resourceVersion)) return;
                sink.apply('ADDED', row, row.time ?? '');
                send({ type: 'WATCH.PROGRESS', ...(row.time ? { resourceVersion: row.time } : {}) });
              },
              (error) => {
                if (finished) return;
                if (error) finish({ type: 'WATCH.FAILED', message: error.message });
                else followOrWaitForNextRun();
              },
            );
          },
          // Refused as the pod went: reopened at once after a follow that ended, say.
          (error: unknown) => (isMissing(error) ? podGone() : finish(failure(error))),
        );
      return () => {
        finished = true;
        stopHearing();
        if (recheck) clearTimeout(recheck);
        abort?.();
        request.abort();
      };
    }),
  };
}

/** RFC 3339 stamps compare as text only when written to the same precision. */
function sameLength(a: string, b: string): boolean {
  return a.length === b.length;
}
