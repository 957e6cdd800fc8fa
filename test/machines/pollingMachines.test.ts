import { createActor } from 'xstate';
import { diagnosePolling } from '../../machines/diagnostics.js';
import { resolveConfig } from '../../machines/config.js';
import { metricsMachine } from '../../machines/metricsMachine.js';
import { snapshotOnlyMachine } from '../../machines/snapshotOnlyMachine.js';
import { flush, TestClock } from '../support/clock.js';
import { FetchControl, HttpError } from '../support/fetchControl.js';
import { testConfig } from '../support/subscriptionHarness.js';

function start(
  machine: typeof metricsMachine | typeof snapshotOnlyMachine,
  auto: { value: unknown } | { error: unknown } = { value: { count: 4, changed: true, sampleTime: 0 } },
  domain: 'node-metrics' | 'pod-metrics' | 'events' = 'node-metrics',
) {
  const clock = new TestClock();
  const fetch = new FetchControl<{ domain: string; scope: string }, unknown>(auto);
  const actor = createActor(machine.provide({ actors: { fetch: fetch.logic as never } }), {
    clock,
    input: { domain, scope: '', config: testConfig, now: () => clock.now(), random: () => 0.5 },
  }).start();
  return { actor, clock, fetch };
}

describe('metrics machine', () => {
  test('ticksExactlyEveryMetricsInterval', async () => {
    const h = start(metricsMachine);
    const times: number[] = [];
    let seen = 0;
    for (let t = 0; t < testConfig.metricsIntervalMs * 10; t += 100) {
      await flush(1);
      if (h.fetch.calls.length > seen) {
        seen = h.fetch.calls.length;
        times.push(h.clock.now());
      }
      h.clock.advance(100);
    }
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    expect(times.length).toBe(10);
    expect(new Set(gaps)).toEqual(new Set([testConfig.metricsIntervalMs]));
    const row = diagnosePolling(h.actor.getSnapshot(), h.clock.now(), 'metrics');
    expect(row).toMatchObject({ mode: 'metrics-only', health: 'healthy', polling: { enabled: true, intervalMs: 5000 } });
  });

  test('backsOffOnErrorsThenRecovers', async () => {
    const h = start(metricsMachine, { error: new HttpError(503, 'metrics API unavailable') });
    await flush();
    expect(h.actor.getSnapshot().value).toBe('backingOff');
    const waits: number[] = [];
    for (let i = 0; i < 6; i++) {
      const [wait] = h.clock.pendingDelays();
      waits.push(wait!);
      h.clock.advance(wait!);
      await flush();
    }
    expect(waits).toEqual([300, 600, 1200, 2400, 4800, 6000]);
    const row = diagnosePolling(h.actor.getSnapshot(), h.clock.now(), 'metrics');
    expect(row).toMatchObject({ health: 'unhealthy', reason: 'errors', lastError: 'metrics API unavailable' });
    h.fetch.auto = { value: { count: 1, changed: true } };
    h.clock.advance(h.clock.pendingDelays()[0]!);
    await flush();
    expect(diagnosePolling(h.actor.getSnapshot(), h.clock.now(), 'metrics')).toMatchObject({ health: 'healthy', reason: null });
  });

  test('repeatedSamplesAreCountedAsUnchanged', async () => {
    const h = start(metricsMachine, { value: { count: 3, changed: false, sampleTime: 1000 } });
    await flush();
    h.clock.advance(testConfig.metricsIntervalMs);
    await flush();
    const c = h.actor.getSnapshot().context;
    expect(c.counters).toEqual({ polls: 2, unchangedPolls: 2, errors: 0 });
    const row = diagnosePolling(h.actor.getSnapshot(), h.clock.now(), 'metrics');
    expect(row.sampleAgeMs).toBe(h.clock.now() - 1000);
  });

  test('aNewIntervalAppliesAtOnceAndANonsenseOneIsIgnored', async () => {
    const h = start(metricsMachine);
    await flush();
    h.actor.send({ type: 'CONFIG.CHANGED', config: resolveConfig({ metricsIntervalMs: 1000 }, testConfig) });
    await flush();
    const before = h.fetch.calls.length;
    h.clock.advance(1000);
    expect(h.fetch.calls.length).toBe(before + 1);
    h.actor.send({ type: 'CONFIG.CHANGED', config: { ...testConfig, metricsIntervalMs: -3 } });
    expect(h.actor.getSnapshot().context.config.metricsIntervalMs).toBe(1000);
  });

  test('forbiddenMetricsBlockAndRecheckSlowly', async () => {
    const h = start(metricsMachine, { error: new HttpError(403, 'forbidden') });
    await flush();
    expect(h.actor.getSnapshot().value).toEqual({ blocked: 'permissions' });
    expect(h.clock.pendingDelays()).toEqual([testConfig.backoffCapMs]);
    expect(diagnosePolling(h.actor.getSnapshot(), h.clock.now(), 'metrics')).toMatchObject({ health: 'unhealthy', reason: 'permissions' });
  });

  test('stopLeavesNoTimer', async () => {
    const h = start(metricsMachine);
    await flush();
    expect(h.clock.pendingCount).toBe(1);
    h.actor.send({ type: 'STOP' });
    expect(h.clock.pendingCount).toBe(0);
    h.clock.advance(testConfig.metricsIntervalMs * 5);
    expect(h.fetch.calls).toHaveLength(1);
  });
});

describe('snapshot-only machine', () => {
  test('pollsAtTheDomainPollIntervalInPollingMode', async () => {
    const h = start(snapshotOnlyMachine, { value: { count: 9, changed: true } }, 'events');
    await flush();
    for (let i = 0; i < 3; i++) {
      h.clock.advance(testConfig.snapshotPollIntervalMs.events);
      await flush();
    }
    expect(h.fetch.calls).toHaveLength(4);
    const row = diagnosePolling(h.actor.getSnapshot(), h.clock.now(), 'snapshotOnly');
    expect(row).toMatchObject({ mode: 'polling', health: 'healthy', itemCount: 9, stream: null });
  });
});
