/**
 * MetricsCache answers node and pod metrics requests from one fetch per metrics interval per
 * scope: metrics-server itself only refreshes every 15-60 s, so asking the API server more often
 * than the client polls buys nothing. Concurrent requests share one fetch; failures are not cached.
 */
import type { KubeClient } from '../adapters/kube/client.js';
import { fetchNodeMetrics, fetchPodMetrics } from '../adapters/kube/metrics.js';
import type { MetricsBody } from '../adapters/protocol.js';

interface Entry {
  readonly fetchedAt: number;
  readonly body: Promise<MetricsBody>;
}

export class MetricsCache {
  private readonly entries = new Map<string, Entry>();
  fetches = 0;

  constructor(
    private readonly client: KubeClient,
    private readonly intervalMs: () => number,
  ) {}

  get(domain: 'node-metrics' | 'pod-metrics', scope: string, now = Date.now()): Promise<MetricsBody> {
    const key = `${domain}:${scope}`;
    const entry = this.entries.get(key);
    // Reused for 90% of the interval: clients (tabs, views) polling at the interval share one
    // fetch, yet a client whose timer fires a few ms early still gets a new one each interval.
    if (entry && now - entry.fetchedAt < this.intervalMs() * 0.9) return entry.body;
    this.fetches++;
    const fetchedAt = now;
    const body = (domain === 'node-metrics' ? fetchNodeMetrics(this.client) : fetchPodMetrics(this.client, scope)).then(
      (items): MetricsBody => ({
        domain,
        scope,
        generatedAt: new Date().toISOString(),
        fetchedAt: new Date(fetchedAt).toISOString(),
        items,
        count: items.length,
      }),
    );
    this.entries.set(key, { fetchedAt, body });
    body.catch(() => {
      if (this.entries.get(key)?.body === body) this.entries.delete(key);
    });
    // Forget scopes nobody asked about for a while, so the map does not grow with every namespace ever viewed.
    for (const [k, e] of this.entries) if (now - e.fetchedAt > 10 * this.intervalMs()) this.entries.delete(k);
    return body;
  }
}
