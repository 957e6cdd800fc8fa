/**
 * MetricsCache answers node and pod metrics requests from one fetch per metrics interval per
 * scope: metrics-server itself only refreshes every 15-60 s, so asking the API server more often
 * than the client polls buys nothing. Concurrent requests share one fetch; failures are not cached.
 *
 * One answer is remembered, though: that the cluster has no metrics API at all (no
 * metrics-server, so no metrics.k8s.io in discovery). A 404 from a metrics list is checked
 * against discovery once; if the group is absent, every request for the next
 * `metricsAbsenceRecheckMs` is answered `MetricsUnavailableError` without asking the API server,
 * and then discovery alone is asked again.
 *
 * Pod metrics of all namespaces, for a user who may list pods' metrics only in some namespaces
 * (a partial view, docs/permissions.md), are read from each permitted namespace and merged.
 */
import { KubeApiError, type KubeClient } from '../adapters/kube/client.js';
import { fetchNodeMetrics, fetchPodMetrics } from '../adapters/kube/metrics.js';
import type { MetricsBody } from '../adapters/protocol.js';
import type { AccessLookup } from './views.js';

const podMetricsRef = { group: 'metrics.k8s.io', resource: 'pods' };

/** metrics-server is installed by hand, not by the second: once a minute is soon enough to notice. */
export const metricsAbsenceRecheckMs = 60_000;

const metricsGroupPath = '/apis/metrics.k8s.io';

/** The cluster serves no metrics.k8s.io: an answer, not a failure worth retrying at once. */
export class MetricsUnavailableError extends Error {
  readonly code = 'metrics-unavailable';
  constructor(
    /** When discovery will next be asked, from now. */
    readonly retryAfterMs: number,
  ) {
    super('metrics.k8s.io is not served by this cluster (no metrics-server)');
    this.name = 'MetricsUnavailableError';
  }
}

interface Entry {
  readonly fetchedAt: number;
  readonly body: Promise<MetricsBody>;
}

export class MetricsCache {
  private readonly entries = new Map<string, Entry>();
  /** When discovery last said metrics.k8s.io is absent; null while it is (believed) served. */
  private absentSince: number | null = null;
  private discovery: Promise<boolean> | null = null;
  fetches = 0;
  discoveryChecks = 0;

  constructor(
    private readonly client: KubeClient,
    private readonly intervalMs: () => number,
    private readonly absenceRecheckMs = metricsAbsenceRecheckMs,
    /** Where the user may list pod metrics; without it, all namespaces are read in one list. */
    private readonly permissions?: AccessLookup,
  ) {}

  /** Whether the cluster was last seen to serve no metrics API. */
  get unavailable(): boolean {
    return this.absentSince !== null;
  }

  async get(domain: 'node-metrics' | 'pod-metrics', scope: string, now = Date.now()): Promise<MetricsBody> {
    if (this.absentSince !== null) {
      const wait = this.absentSince + this.absenceRecheckMs - now;
      if (wait > 0) throw new MetricsUnavailableError(wait);
      if (!(await this.groupServed(now))) throw new MetricsUnavailableError(this.absenceRecheckMs);
    }
    return this.fetch(domain, scope, now);
  }

  private fetch(domain: 'node-metrics' | 'pod-metrics', scope: string, now: number): Promise<MetricsBody> {
    const key = `${domain}:${scope}`;
    const entry = this.entries.get(key);
    // Reused for 90% of the interval: clients (tabs, views) polling at the interval share one
    // fetch, yet a client whose timer fires a few ms early still gets a new one each interval.
    if (entry && now - entry.fetchedAt < this.intervalMs() * 0.9) return entry.body;
    this.fetches++;
    const fetchedAt = now;
    const body = (domain === 'node-metrics' ? fetchNodeMetrics(this.client) : this.podMetrics(scope)).then(
      (items): MetricsBody => ({
        domain,
        scope,
        generatedAt: new Date().toISOString(),
        fetchedAt: new Date(fetchedAt).toISOString(),
        items,
        count: items.length,
      }),
      (error: unknown) => this.explainFailure(error, now),
    );
    this.entries.set(key, { fetchedAt, body });
    body.catch(() => {
      if (this.entries.get(key)?.body === body) this.entries.delete(key);
    });
    // Forget scopes nobody asked about for a while, so the map does not grow with every namespace ever viewed.
    for (const [k, e] of this.entries) if (now - e.fetchedAt > 10 * this.intervalMs()) this.entries.delete(k);
    return body;
  }

  /** Pod metrics of a scope; of all namespaces, from each permitted one when the user may not list them cluster-wide. */
  private async podMetrics(scope: string) {
    if (scope === '' && this.permissions) {
      const access = await this.permissions.access(podMetricsRef, null);
      if (access.kind === 'namespaces' && access.permitted.length > 0) {
        const parts = await Promise.all(access.permitted.map((namespace) => fetchPodMetrics(this.client, namespace)));
        return parts.flat();
      }
    }
    return fetchPodMetrics(this.client, scope);
  }

  /** A 404 on a metrics list means "no such API" only if discovery agrees; anything else stays what it was. */
  private async explainFailure(error: unknown, now: number): Promise<never> {
    if (error instanceof KubeApiError && error.status === 404 && !(await this.groupServed(now))) {
      throw new MetricsUnavailableError(this.absenceRecheckMs);
    }
    throw error;
  }

  /** Asks discovery for metrics.k8s.io (one request, shared by concurrent callers) and remembers the answer. */
  private groupServed(now: number): Promise<boolean> {
    this.discovery ??= (async () => {
      this.discoveryChecks++;
      try {
        await this.client.requestJson('GET', metricsGroupPath);
        this.absentSince = null;
        return true;
      } catch (error) {
        if (!(error instanceof KubeApiError && error.status === 404)) throw error;
        this.absentSince = now;
        return false;
      } finally {
        this.discovery = null;
      }
    })();
    return this.discovery;
  }
}
