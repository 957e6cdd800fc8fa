/**
 * A cluster without metrics-server, as the dashboard tells it: the backend's 503
 * `metrics-unavailable` goes through the real snapshot adapter and metrics machine into a
 * diagnostics row whose badge says "metrics unavailable" (not a generic error, not an amber
 * "metrics-only"), with its own words, and asks again a minute later rather than backing off.
 */
import { createActor, fromPromise } from 'xstate';
import { createSnapshotSource, type FetchLike } from '../../adapters/engine/snapshots.js';
import { RowStore } from '../../adapters/engine/store.js';
import { diagnosePolling } from '../../machines/diagnostics.js';
import { metricsMachine } from '../../machines/metricsMachine.js';
import { unavailableRecheckMs } from '../../machines/pollingMachine.js';
import { badgeText, freshnessOf } from '../../ui/lib/freshness.js';
import { describeProblem } from '../../ui/lib/operatorWords.js';
import { flush, TestClock } from '../support/clock.js';
import { testConfig } from '../support/subscriptionHarness.js';

const unavailableBody = { error: 'metrics-unavailable', reason: 'metrics.k8s.io is not served by this cluster (no metrics-server)' };

/** What the network returns for every request: the backend's answer, as JSON with a status. */
function answering(status: number, body: unknown): FetchLike & { calls: number } {
  const fetch = async () => {
    fetch.calls++;
    return { status, ok: status < 400, headers: { get: () => null }, json: async () => body, text: async () => JSON.stringify(body) };
  };
  fetch.calls = 0;
  return fetch;
}

function startMetrics(network: FetchLike) {
  const clock = new TestClock();
  const source = createSnapshotSource({ baseUrl: 'http://backend.invalid', store: new RowStore(() => clock.now()), fetch: network });
  const machine = metricsMachine.provide({
    actors: { fetch: fromPromise(({ input, signal }) => source.fetchMetrics(input.domain, input.scope, signal)) },
  });
  const actor = createActor(machine, {
    clock,
    input: { domain: 'node-metrics', scope: '', config: testConfig, now: () => clock.now(), random: () => 0.5 },
  }).start();
  return { actor, clock, row: () => diagnosePolling(actor.getSnapshot(), clock.now(), 'metrics') };
}

test('saysMetricsUnavailableAndAsksAgainAMinuteLater', async () => {
  const network = answering(503, unavailableBody);
  const h = startMetrics(network);
  await flush();

  const row = h.row();
  expect(row).toMatchObject({ state: 'blocked', reason: 'metrics unavailable', polling: { enabled: true, intervalMs: unavailableRecheckMs } });
  const freshness = freshnessOf(row);
  expect(freshness.level).toBe('unavailable');
  expect(badgeText(freshness)).toBe('metrics unavailable');
  expect(describeProblem(row)).toEqual({
    severity: 'warning',
    text: 'Metrics unavailable: this cluster does not serve metrics.k8s.io (no metrics-server), so CPU and memory are not shown. Everything else is live. Asking again every 1m.',
  });

  // No error backoff: nothing more until the recheck, then one request.
  h.clock.advance(unavailableRecheckMs - 1);
  await flush();
  expect(network.calls).toBe(1);
  h.clock.advance(1);
  await flush();
  expect(network.calls).toBe(2);
  expect(badgeText(freshnessOf(h.row()))).toBe('metrics unavailable');
  h.actor.stop();
});

test('aMetricsServerThatFailsIsStillAnError', async () => {
  const h = startMetrics(answering(502, { error: 'upstream-error', reason: 'the server is currently unable to handle the request' }));
  await flush();
  const row = h.row();
  expect(row.reason).toBe('errors');
  const freshness = freshnessOf(row);
  expect(freshness.level).not.toBe('unavailable');
  expect(badgeText(freshness)).toBe('metrics-only');
  expect(describeProblem(row)?.text).toMatch(/^Requests for node metrics in the cluster are failing: the server is currently unable/);
  h.actor.stop();
});
