/**
 * The dashboard reads metrics answers in a Worker (ui/state/workerFetch.ts). A Worker that fails
 * (its script blocked or missing, an error inside it) answers nothing, so the polls in flight
 * must fail with the reason and later ones be fetched on the page: metrics must not stop silently.
 * The Worker here is the browser's interface on an EventTarget, answering as metricsWorker does.
 */
import type { FetchLike } from '../../adapters/engine/snapshots.js';
import { metricsFetchIn, type WorkerAnswer, type WorkerAsk } from '../../ui/state/workerFetch.js';

class FakeWorker extends EventTarget {
  readonly asks: WorkerAsk[] = [];
  postMessage(ask: WorkerAsk): void {
    this.asks.push(ask);
  }
  answer(message: WorkerAnswer): void {
    this.dispatchEvent(Object.assign(new Event('message'), { data: message }));
  }
}

const pageAnswer = { status: 200, ok: true, headers: { get: () => null }, json: async () => ({ items: [], from: 'page' }), text: async () => '' };

test('aWorkerThatFailsFailsItsPollsInFlightAndLaterPollsAreFetchedOnThePage', async () => {
  const worker = new FakeWorker();
  const onPage: string[] = [];
  const fallback: FetchLike = async (url) => {
    onPage.push(url);
    return pageAnswer;
  };
  const metricsFetch = metricsFetchIn(worker as unknown as Worker, fallback);

  // Working: the Worker's answer is the response, and the page fetched nothing.
  const first = metricsFetch('/api/v1/metrics/pod-metrics', { headers: {} });
  worker.answer({ id: (worker.asks[0] as { id: number }).id, status: 200, headers: { etag: '"e1"' }, body: { items: [1] } });
  const answered = await first;
  expect([answered.status, answered.headers.get('ETag'), await answered.json()]).toEqual([200, '"e1"', { items: [1] }]);

  // It fails with a poll in flight: that poll fails with the reason.
  const inFlight = metricsFetch('/api/v1/metrics/pod-metrics', { headers: {} });
  worker.dispatchEvent(Object.assign(new Event('error'), { message: 'script blocked' }));
  await expect(inFlight).rejects.toThrow(/metrics Worker failed: script blocked/);

  // Later polls go to the page's own fetch, not to the dead Worker.
  const later = await metricsFetch('/api/v1/metrics/node-metrics', { headers: {} });
  expect(await later.json()).toEqual({ items: [], from: 'page' });
  expect(onPage).toEqual(['/api/v1/metrics/node-metrics']);
  expect(worker.asks).toHaveLength(2);
});
