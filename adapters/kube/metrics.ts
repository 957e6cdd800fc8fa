/**
 * Reads node and pod usage from metrics.k8s.io and reduces it to MetricsRows: CPU in millicores
 * (with their fraction: summed from whole nanocores, never rounded per container), memory in bytes, pod usage summed over its containers, and the sample's own timestamp and
 * window so the client can tell a new sample from a repeated one.
 */
import type { MetricsRow } from '../rows.js';
import type { KubeClient } from './client.js';
import { cpuMillicores, cpuNanocores, memoryBytes } from './quantity.js';

const metricsApi = '/apis/metrics.k8s.io/v1beta1';

export interface MetricsItem {
  metadata?: { name?: string; namespace?: string };
  timestamp?: string;
  window?: string;
  usage?: { cpu?: string; memory?: string };
  containers?: { usage?: { cpu?: string; memory?: string } }[];
}

function sum(values: (number | null)[]): number | null {
  let total = 0;
  for (const value of values) {
    if (value === null) return null;
    total += value;
  }
  return total;
}

const millicoresOf = (nanocores: number | null) => (nanocores === null ? null : nanocores / 1e6);

/** One NodeMetrics or PodMetrics item as a row; exported for its unit test. */
export function metricsRow(item: MetricsItem, namespaced: boolean): MetricsRow {
  const usage = item.containers
    ? {
        // Summed in whole nanocores, as kubectl top pod sums its containers' quantities, then in millicores.
        cpuMillicores: millicoresOf(sum(item.containers.map((c) => cpuNanocores(c.usage?.cpu)))),
        memoryBytes: sum(item.containers.map((c) => memoryBytes(c.usage?.memory))),
      }
    : { cpuMillicores: cpuMillicores(item.usage?.cpu), memoryBytes: memoryBytes(item.usage?.memory) };
  return {
    name: item.metadata?.name ?? '',
    ...(namespaced ? { namespace: item.metadata?.namespace ?? '' } : {}),
    timestamp: item.timestamp ?? null,
    window: item.window ?? null,
    usage,
  };
}

export async function fetchNodeMetrics(client: KubeClient, signal?: AbortSignal): Promise<MetricsRow[]> {
  const list = await client.requestJson<{ items?: MetricsItem[] }>('GET', `${metricsApi}/nodes`, signal ? { signal } : {});
  return (list.items ?? []).map((item) => metricsRow(item, false));
}

/** Pod metrics in one namespace, or in all when `namespace` is ''. */
export async function fetchPodMetrics(client: KubeClient, namespace: string, signal?: AbortSignal): Promise<MetricsRow[]> {
  const path = namespace ? `${metricsApi}/namespaces/${encodeURIComponent(namespace)}/pods` : `${metricsApi}/pods`;
  const list = await client.requestJson<{ items?: MetricsItem[] }>('GET', path, signal ? { signal } : {});
  return (list.items ?? []).map((item) => metricsRow(item, true));
}
