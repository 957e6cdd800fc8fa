/**
 * Pod logs. Every running container "writes" a line every one to three seconds since it started;
 * the lines are a pure function of the container and the line number, so nothing is stored, and
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
  intervalMs: number;
  seed: string;
}

/** Finds the container a log request means, or says why it cannot be read, as the kubelet does. */
export function containerLog(pod: KubeObject, requested: string | undefined): ContainerLog {
  const containers = ((pod.spec as { containers?: { name: string }[] }).containers ?? []).map((c) => c.name);
  const name = requested ?? (containers.length === 1 ? containers[0] : undefined);
  if (name === undefined) {
    throw badRequest(`a container name must be specified for pod ${pod.metadata.name}, choose one of: [${containers.join(' ')}]`);
  }
  if (!containers.includes(name)) throw badRequest(`container ${name} is not valid for pod ${pod.metadata.name}`);
  const statuses = ((pod.status as { containerStatuses?: { name: string; state?: { running?: { startedAt: string }; waiting?: { reason?: string }; terminated?: { startedAt?: string; finishedAt?: string } } }[] }).containerStatuses ?? []);
  const state = statuses.find((s) => s.name === name)?.state;
  const started = state?.running?.startedAt ?? state?.terminated?.startedAt;
  if (!started) {
    throw new ApiError(400, 'BadRequest', `container "${name}" in pod "${pod.metadata.name}" is waiting to start: ${state?.waiting?.reason ?? 'ContainerCreating'}`);
  }
  const seed = `${pod.metadata.uid}/${name}`;
  return { container: name, startedAt: Date.parse(started), intervalMs: 1000 + Math.floor(hashUnit(seed) * 2000), seed };
}

/** The number of lines written by `now` (line n is written at startedAt + n * interval). */
export function linesWritten(log: ContainerLog, now: number): number {
  return now < log.startedAt ? 0 : Math.floor((now - log.startedAt) / log.intervalMs) + 1;
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
