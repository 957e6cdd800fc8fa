/**
 * Metrics polls send back the last answer's ETag: a 304 (the same samples) leaves the store as it
 * is and reports what the last answer held, so the poll's diagnostics do not drop to zero; a new
 * answer is applied and its ETag kept in turn.
 */
import { createSnapshotSource, type FetchLike } from '../../../adapters/engine/snapshots.js';
import { RowStore } from '../../../adapters/engine/store.js';

function metricsBackend() {
  const seen: (string | undefined)[] = [];
  let sample = { tag: '"metrics-a"', time: '2026-12-01T10:00:00Z', cpu: 250 };
  const fetch: FetchLike = async (_url, init) => {
    const sent = init?.headers?.['if-none-match'];
    seen.push(sent);
    const headers = { get: (name: string) => (name.toLowerCase() === 'etag' ? sample.tag : null) };
    if (sent === sample.tag) return { status: 304, ok: false, headers, json: async () => null, text: async () => '' };
    const body = { domain: 'pod-metrics', scope: '', items: [{ name: 'web', namespace: 'shop', timestamp: sample.time, window: '15s', usage: { cpuMillicores: sample.cpu, memoryBytes: 1 << 20 } }], count: 1 };
    return { status: 200, ok: true, headers, json: async () => body, text: async () => JSON.stringify(body) };
  };
  return { fetch, seen, next: (s: typeof sample) => (sample = s) };
}

test('anUnchangedMetricsAnswerIsA304ThatKeepsTheSamplesAndReportsThem', async () => {
  const backend = metricsBackend();
  const store = new RowStore(() => 0);
  const source = createSnapshotSource({ baseUrl: 'http://backend.invalid', store, fetch: backend.fetch });
  const first = await source.fetchMetrics('pod-metrics', '');
  expect(first).toEqual({ count: 1, changed: true, sampleTime: Date.parse('2026-12-01T10:00:00Z') });
  const version = store.metricsVersion;

  const again = await source.fetchMetrics('pod-metrics', '');
  expect(backend.seen).toEqual([undefined, '"metrics-a"']);
  expect(again).toEqual({ count: 1, changed: false, sampleTime: Date.parse('2026-12-01T10:00:00Z') });
  expect(store.metricsVersion).toBe(version);
  expect(store.metricsFor('pod', 'web', 'shop')?.usage.cpuMillicores).toBe(250);

  // metrics-server took the next sample: a new answer, applied, and its ETag sent next time.
  backend.next({ tag: '"metrics-b"', time: '2026-12-01T10:00:15Z', cpu: 400 });
  const newer = await source.fetchMetrics('pod-metrics', '');
  expect(newer.changed).toBe(true);
  expect(store.metricsFor('pod', 'web', 'shop')?.usage.cpuMillicores).toBe(400);
  await source.fetchMetrics('pod-metrics', '');
  expect(backend.seen.at(-1)).toBe('"metrics-b"');
});
