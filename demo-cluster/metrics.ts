/**
 * metrics.k8s.io as metrics-server serves it: NodeMetrics and PodMetrics computed on read from
 * the current nodes and pods. Usage is a pure function of the object and the sample number
 * (`now / resolution`), so it moves from sample to sample yet repeats within one, as a real
 * metrics-server's does between scrapes, and costs nothing to keep for 100,000 pods.
 */
import { hashUnit } from './random.js';
import type { KubeObject } from './store.js';

export interface MetricsClock {
  now(): number;
  resolutionMs: number;
}

interface Sample {
  index: number;
  timestamp: string;
  window: string;
}

function sample(clock: MetricsClock): Sample {
  const index = Math.floor(clock.now() / clock.resolutionMs);
  return {
    index,
    timestamp: new Date(index * clock.resolutionMs).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    window: `${Math.round(clock.resolutionMs / 1000)}s`,
  };
}

/** Parses the quantities the simulation writes: "8", "500m", "16384Ki", "256Mi". */
function cpuMilli(q: string | undefined): number {
  if (!q) return 0;
  return q.endsWith('m') ? parseInt(q, 10) : parseFloat(q) * 1000;
}

function memoryKi(q: string | undefined): number {
  if (!q) return 0;
  if (q.endsWith('Ki')) return parseInt(q, 10);
  if (q.endsWith('Mi')) return parseInt(q, 10) * 1024;
  if (q.endsWith('Gi')) return parseInt(q, 10) * 1024 * 1024;
  return Math.floor(parseInt(q, 10) / 1024);
}

/** A load level in [0.15, 0.85] that drifts between samples but stays in character for the object. */
function level(id: string, index: number): number {
  const base = hashUnit(id);
  const wobble = hashUnit(`${id}:${index}`) - 0.5;
  return Math.min(0.85, Math.max(0.15, 0.2 + base * 0.5 + wobble * 0.2));
}

function metricsMeta(o: KubeObject): Record<string, unknown> {
  return {
    name: o.metadata.name,
    ...(o.metadata.namespace ? { namespace: o.metadata.namespace } : {}),
    creationTimestamp: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    ...(o.metadata.labels ? { labels: o.metadata.labels } : {}),
  };
}

export function nodeMetrics(node: KubeObject, clock: MetricsClock): object {
  const s = sample(clock);
  const allocatable = ((node.status as { allocatable?: Record<string, string> } | undefined)?.allocatable ?? {}) as Record<string, string>;
  const load = level(node.metadata.uid, s.index);
  return {
    kind: 'NodeMetrics',
    apiVersion: 'metrics.k8s.io/v1beta1',
    metadata: metricsMeta(node),
    timestamp: s.timestamp,
    window: s.window,
    usage: {
      cpu: `${Math.round(cpuMilli(allocatable.cpu) * load * 1e6)}n`,
      memory: `${Math.round(memoryKi(allocatable.memory) * (load * 0.8 + 0.1))}Ki`,
    },
  };
}

/** The containers running now: metrics-server has usage only for those (a container backing off in a crash loop has none). */
function runningContainers(pod: KubeObject): Set<string> {
  const statuses = ((pod.status as { containerStatuses?: { name: string; state?: { running?: unknown } }[] } | undefined)?.containerStatuses ?? []);
  return new Set(statuses.filter((c) => c.state?.running !== undefined).map((c) => c.name));
}

/** Pods have metrics only while running with a container up, as with metrics-server. */
export function hasPodMetrics(pod: KubeObject): boolean {
  return (pod.status as { phase?: string } | undefined)?.phase === 'Running' && runningContainers(pod).size > 0;
}

export function podMetrics(pod: KubeObject, clock: MetricsClock): object {
  const s = sample(clock);
  const up = runningContainers(pod);
  const containers = ((pod.spec as { containers?: { name: string; resources?: { requests?: Record<string, string> } }[] } | undefined)?.containers ?? []).filter((c) => up.has(c.name)).map((c) => {
    const load = level(`${pod.metadata.uid}/${c.name}`, s.index);
    const requests = c.resources?.requests ?? {};
    return {
      name: c.name,
      usage: {
        cpu: `${Math.round(Math.max(1, cpuMilli(requests.cpu)) * load * 1.4 * 1e6)}n`,
        memory: `${Math.round(Math.max(4096, memoryKi(requests.memory)) * (0.5 + load * 0.7))}Ki`,
      },
    };
  });
  return { kind: 'PodMetrics', apiVersion: 'metrics.k8s.io/v1beta1', metadata: metricsMeta(pod), timestamp: s.timestamp, window: s.window, containers };
}
