/**
 * Metrics are polled by design: a real metrics machine on a fake clock, reading through the real
 * snapshot adapter, gives a badge that is green ("fresh") while reads succeed, amber ("polling")
 * once they fail, and numbers dimmed (`staleMetrics`) once the last read is older than the
 * interval plus the slack.
 */
import { createActor, fromPromise } from 'xstate';
import { createSnapshotSource, type FetchLike } from '../../adapters/engine/snapshots.js';
import { RowStore } from '../../adapters/engine/store.js';
import { diagnosePolling } from '../../machines/diagnostics.js';
import { metricsMachine } from '../../machines/metricsMachine.js';
import { freshnessOf, metricsReadSlackMs, staleMetrics } from '../../ui/lib/freshness.js';
import { flush, TestClock } from '../support/clock.js';
import { testConfig } from '../support/subscriptionHarness.js';

/** A metrics API that answers until told to stop, then fails as a metrics-server that is down. */
function metricsApi(clock: TestClock) {
  const api = { up: true, calls: 0 };
  const fetch: FetchLike = async () => {
    api.calls++;
    if (!api.up) {
      const body = { error: 'upstream-error', reason: 'the server is currently unable to handle the request' };
      return { status: 503, ok: false, headers: { get: () => null }, json: async () => body, text: async () => JSON.stringify(body) };
    }
    const body = { items: [{ name: 'node-a', timestamp: new Date(clock.now()).toISOString(), window: '15s', usage: { cpuMillicores: 250, memoryBytes: 1 << 30 } }] };
    return { status: 200, ok: true, headers: { get: () => null }, json: async () => body, text: async () => JSON.stringify(body) };
  };
  return { api, fetch };
}

function startMetrics() {
  const clock = new TestClock();
  const { api, fetch } = metricsApi(clock);
  const store = new RowStore(() => clock.now());
  const source = createSnapshotSource({ baseUrl: 'http://backend.invalid', store, fetch });
  const machine = metricsMachine.provide({ actors: { fetch: fromPromise(({ input, signal }) => source.fetchMetrics(input.domain, input.scope, signal)) } });
  const actor = createActor(machine, { clock, input: { domain: 'node-metrics', scope: '', config: testConfig, now: () => clock.now(), random: () => 0.5 } }).start();
  return { actor, clock, api, store, row: () => diagnosePolling(actor.getSnapshot(), clock.now(), 'metrics') };
}

test('metricsReadAsDesignedAreFreshNotAmberAndFailingReadsAreAmber', async () => {
  const h = startMetrics();
  await flush();
  const interval = testConfig.metricsIntervalMs;
  for (let i = 0; i < 5; i++) {
    expect(freshnessOf(h.row()).level).toBe('fresh');
    expect(staleMetrics(h.row(), h.store.metricsFor('node', 'node-a')?.sampleTime, h.clock.now())).toBeNull();
    h.clock.advance(interval);
    await flush();
  }
  h.api.up = false;
  h.clock.advance(interval);
  await flush();
  expect(h.row().health).not.toBe('healthy');
  expect(freshnessOf(h.row()).level).toBe('polling');
  h.actor.stop();
});

test('numbersOlderThanTheIntervalPlusTheSlackAreDimmedWithTheirAge', async () => {
  const h = startMetrics();
  await flush();
  const interval = testConfig.metricsIntervalMs;
  h.api.up = false;
  const sampled = h.store.metricsFor('node', 'node-a')?.sampleTime;
  // Just inside the limit: not old yet, whatever the failed reads in between.
  h.clock.advance(interval + metricsReadSlackMs);
  await flush();
  expect(staleMetrics(h.row(), sampled, h.clock.now())).toBeNull();
  h.clock.advance(1000);
  await flush();
  const words = staleMetrics(h.row(), sampled, h.clock.now());
  expect(words).toMatch(/^Old: metrics last read \d+s ago, sampled \d+s ago \(read every [\d.]+m?s\)$/);
  h.actor.stop();
});
