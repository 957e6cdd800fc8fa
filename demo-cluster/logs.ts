/**
 * Pod logs. Every running container "writes" a line every one to three seconds since it started;
 * the lines are a pure function of the container's run and the line number, so nothing is stored, and
 * only the last `ringLines` of them can be read, as if the kubelet kept a bounded ring per
 * container and rotated the rest away.
 */
import { hashUnit } from './random.js';
import { ApiError, badRequest } from './status.js';
import type { KubeObject } from './store.js';

/** Lines a container keeps; older ones are rotated away. */
export const ringLines = 1000;

export interface LogLine {
  time: number;
  text: string;
}

const paths = ['/api/items', '/api/cart', '/healthz', '/api/orders', '/api/users/me', '/metrics'];
const verbs = ['GET', 'GET', 'GET', 'POST', 'PUT'];

export interface ContainerLog {
  container: string;
  startedAt: number;
  /** When this run ended; undefined while it runs. A finished run writes nothing more. */
  finishedAt: number | undefined;
  intervalMs: number;
  seed: string;
}

interface ContainerRunState {
  running?: { startedAt?: string };
  waiting?: { reason?: string };
  terminated?: { startedAt?: string; finishedAt?: string };
}

interface ContainerStatus {
  name: string;
  state?: ContainerRunState;
  lastState?: ContainerRunState;
}

/** The container a log request names, or the pod's only one; a 400 otherwise, worded as the kubelet words it. */
function containerName(pod: KubeObject, requested: string | undefined): string {
  const containers = ((pod.spec as { containers?: { name: string }[] }).containers ?? []).map((c) => c.name);
  const name = requested ?? (containers.length === 1 ? containers[0] : undefined);
  if (name === undefined) {
    throw badRequest(`a container name must be specified for pod ${pod.metadata.name}, choose one of: [${containers.join(' ')}]`);
  }
  if (!containers.includes(name)) throw badRequest(`container ${name} is not valid for pod ${pod.metadata.name}`);
  return name;
}

function statusOf(pod: KubeObject, name: string): ContainerStatus | undefined {
  return ((pod.status as { containerStatuses?: ContainerStatus[] }).containerStatuses ?? []).find((s) => s.name === name);
}

function logOfRun(pod: KubeObject, container: string, startedAt: string, finishedAt: string | undefined): ContainerLog {
  // Each run writes its own lines: a restarted container does not repeat the last run's.
  const seed = `${pod.metadata.uid}/${container}@${startedAt}`;
  const started = Date.parse(startedAt);
  return { container, startedAt: started, finishedAt: finishedAt === undefined ? undefined : Math.max(started, Date.parse(finishedAt)), intervalMs: 1000 + Math.floor(hashUnit(`${pod.metadata.uid}/${container}`) * 2000), seed };
}

/**
 * The run of a container a log request reads, as the kubelet picks it: the running one; for a
 * container that has finished, or is waiting to restart after a crash (CrashLoopBackOff), its
 * last run. With `previous`, the run before the current one (lastState.terminated), or a 400
 * when there is none, in the words kube-apiserver relays from the kubelet.
 */
export function containerLog(pod: KubeObject, requested: string | undefined, previous = false): ContainerLog {
  const name = containerName(pod, requested);
  const status = statusOf(pod, name);
  const last = status?.lastState?.terminated;
  if (previous) {
    if (!last?.startedAt) throw badRequest(`previous terminated container "${name}" in pod "${pod.metadata.name}" not found`);
    return logOfRun(pod, name, last.startedAt, last.finishedAt ?? last.startedAt);
  }
  const state = status?.state;
  if (state?.running?.startedAt) return logOfRun(pod, name, state.running.startedAt, undefined);
  if (state?.terminated?.startedAt) return logOfRun(pod, name, state.terminated.startedAt, state.terminated.finishedAt ?? state.terminated.startedAt);
  if (last?.startedAt) return logOfRun(pod, name, last.startedAt, last.finishedAt ?? last.startedAt);
  throw new ApiError(400, 'BadRequest', `container "${name}" in pod "${pod.metadata.name}" is waiting to start: ${state?.waiting?.reason ?? 'ContainerCreating'}`);
}

/** True while the run `log` describes is still the container's running one. */
export function isSameRunningRun(pod: KubeObject, log: ContainerLog): boolean {
  const running = statusOf(pod, log.container)?.state?.running?.startedAt;
  return running !== undefined && Date.parse(running) === log.startedAt;
}

/** When the run `log` describes ended, if the pod now says it has (it is the last terminated run). */
export function finishOfRun(pod: KubeObject, log: ContainerLog): number | undefined {
  const last = statusOf(pod, log.container)?.lastState?.terminated;
  return last?.startedAt !== undefined && Date.parse(last.startedAt) === log.startedAt && last.finishedAt ? Date.parse(last.finishedAt) : undefined;
}

/** The number of lines written by `now` (line n is written at startedAt + n * interval). */
export function linesWritten(log: ContainerLog, now: number): number {
  const upTo = log.finishedAt === undefined ? now : Math.min(now, log.finishedAt);
  return upTo < log.startedAt ? 0 : Math.floor((upTo - log.startedAt) / log.intervalMs) + 1;
}

export function logLine(log: ContainerLog, n: number): LogLine {
  const h = hashUnit(`${log.seed}#${n}`);
  const time = log.startedAt + n * log.intervalMs;
  const status = h < 0.05 ? 500 : h < 0.12 ? 404 : 200;
  const level = status === 500 ? 'error' : 'info';
  const text =
    n === 0
      ? `level=info msg="starting ${log.container}" version=1.4.2`
      : `level=${level} method=${verbs[Math.floor(h * 97) % verbs.length]} path=${paths[Math.floor(h * 89) % paths.length]} status=${status} duration=${1 + Math.floor(h * 250)}ms line=${n}`;
  return { time, text };
}

export function formatLine(line: LogLine, timestamps: boolean): string {
  return timestamps ? `${new Date(line.time).toISOString().replace('Z', '000000Z')} ${line.text}\n` : `${line.text}\n`;
}

export interface TailOptions {
  tailLines?: number | undefined;
  sinceSeconds?: number | undefined;
  now: number;
}

/** Line numbers to print for a request, oldest first: within the ring, the tail and the since-window. */
export function linesToPrint(log: ContainerLog, options: TailOptions): [number, number] {
  const end = linesWritten(log, options.now);
  let start = Math.max(0, end - ringLines);
  if (options.tailLines !== undefined) start = Math.max(start, end - options.tailLines);
  if (options.sinceSeconds !== undefined) {
    const since = options.now - options.sinceSeconds * 1000;
    const first = Math.ceil((since - log.startedAt) / log.intervalMs);
    start = Math.max(start, first);
  }
  return [Math.min(start, end), end];
}
