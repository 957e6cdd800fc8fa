/**
 * A view is what one domain + scope sees of the upstream caches: which upstreams back it, which
 * namespace it is narrowed to, and its rows, count, digest, resourceVersion and generation,
 * computed the same way for snapshots, resets, updates and heartbeats so they always agree.
 */
import { formatDigest } from '../adapters/digest.js';
import { domainResources, type ListWatchedDomain } from '../adapters/kube/resources.js';
import type { Row, StreamDomain, UpstreamReport } from '../adapters/protocol.js';
import { combineAggregates, type ResourceCache } from './cache.js';
import { logKey, type Upstream } from './upstreams.js';

export interface ViewSpec {
  readonly domain: StreamDomain;
  readonly scope: string;
  /** Upstream keys behind the view. */
  readonly keys: readonly string[];
  /** The namespace rows must be in, or null for all. */
  readonly namespace: string | null;
}

function isListWatchedDomain(domain: StreamDomain): domain is ListWatchedDomain {
  return Object.hasOwn(domainResources, domain);
}

export function viewSpec(domain: StreamDomain, scope: string): ViewSpec {
  if (domain === 'pod-logs') return { domain, scope, keys: [logKey(scope)], namespace: null };
  // Helm releases and resource domains are not served yet: the backend refuses them before this.
  if (!isListWatchedDomain(domain)) throw new Error(`no view for ${domain}`);
  const namespaced = domain === 'pods' || domain === 'events' || domain === 'workloads';
  return { domain, scope, keys: domainResources[domain], namespace: namespaced && scope !== '' ? scope : null };
}

export interface ViewState {
  readonly count: number;
  readonly digest: string;
  readonly generation: number;
  readonly resourceVersion: string;
}

export function viewState(caches: readonly ResourceCache[], namespace: string | null): ViewState {
  const combined = combineAggregates(caches.map((cache) => cache.aggregate(namespace)));
  return {
    count: combined.count,
    digest: formatDigest(combined.digest),
    generation: combined.lastGeneration,
    resourceVersion: combined.lastResourceVersion,
  };
}

export function viewRows(caches: readonly ResourceCache[], namespace: string | null): Row[] {
  const rows: Row[] = [];
  for (const cache of caches) for (const row of cache.rowsIn(namespace)) rows.push(row);
  return rows;
}

/**
 * One report for a view over several upstreams: healthy only when all are; otherwise the first
 * unhealthy one speaks, its reason prefixed with the resource when there are several.
 */
export function combinedReport(upstreams: readonly Upstream[], now = Date.now()): UpstreamReport {
  const reports = upstreams.map((u) => ({ key: u.key, report: u.report(now) }));
  const first = reports[0];
  if (reports.length === 1 && first) return first.report;
  const sick = reports.find((r) => !r.report.healthy);
  const ages = reports.map((r) => r.report.lastEventAgeMs).filter((a): a is number => typeof a === 'number');
  return {
    state: sick ? sick.report.state : 'watching',
    healthy: !sick,
    lastEventAgeMs: ages.length > 0 ? Math.max(...ages) : null,
    relists: reports.reduce((n, r) => n + (r.report.relists ?? 0), 0),
    errors: reports.reduce((n, r) => n + (r.report.errors ?? 0), 0),
    reason: sick ? `${sick.key}: ${sick.report.reason ?? sick.report.state}` : null,
    // The view is as freshly proven as its least freshly proven resource.
    proofAgeMs: reports.some((r) => r.report.proofAgeMs === null || r.report.proofAgeMs === undefined)
      ? null
      : Math.max(...reports.map((r) => r.report.proofAgeMs as number)),
  };
}
