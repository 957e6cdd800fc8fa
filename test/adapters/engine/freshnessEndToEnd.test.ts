/**
 * Freshness proven end to end (issue 11): the backend's own watch on the cluster goes silent
 * under churn (stalled, then black-holed), and every quarter second the engine's store is
 * compared with the cluster's own objects, never with the backend's cache. Two promises are
 * checked against that truth:
 *
 * - while the view claims `streamingHealthy`, nothing it holds disagrees with the cluster for
 *   longer than the freshness bound;
 * - once it has fallen back (reason `upstream stalled`), nothing disagrees for longer than one
 *   poll interval for the rest of the fault: no flip back to the stalled cache's rows.
 */
import WebSocket from 'ws';
import type { Engine, SocketLike } from '../../../adapters/engine/engine.js';
import { createEngine } from '../../../adapters/engine/engine.js';
import type { ConfigOverrides } from '../../../machines/config.js';
import type { DiagnosticsRow } from '../../../machines/diagnostics.js';
import type { Stack } from '../../server/support.js';
import { startStack, testConfig, waitFor } from '../../server/support.js';
import { TruthTracker } from '../../../bench/soakChecks.js';

const boundMs = 3_000;
const pollMs = 1_000;
/** Sampling every 250 ms and the event loop of one shared machine running cluster, backend and engine. */
const slackMs = 1_000;

const config: ConfigOverrides = {
  ...testConfig,
  freshnessBoundMs: boundMs,
  snapshotPollIntervalMs: { pods: pollMs },
};

const nodeSocket = (url: string) => new WebSocket(url) as unknown as SocketLike;

let stack: Stack;
let engine: Engine;

beforeAll(async () => {
  stack = await startStack({ demo: { nodes: 3, pods: 60, churn: 20, seed: 23 }, config });
  engine = createEngine({ server: stack.backend.url, config, socket: nodeSocket });
  engine.subscribe('pods', '');
});

afterAll(async () => {
  engine.stop();
  await stack.stop();
});

afterEach(() => stack.demo.faults.clear());

interface Sample {
  readonly at: number;
  readonly state: string;
  readonly reason: string | null;
  /** Age of the oldest disagreement between store and cluster still open at this sample. */
  readonly oldestDisagreementMs: number;
  readonly disagreeing: number;
}

function podsRow(): DiagnosticsRow | undefined {
  return engine.diagnostics().rows.find((r) => r.key === 'pods:');
}

/**
 * Samples store against cluster every 250 ms for `ms`. An object's disagreement is as old as the
 * last moment the store held exactly what the cluster held for it (bench/soakChecks.ts).
 */
async function watchTruth(ms: number): Promise<Sample[]> {
  const samples: Sample[] = [];
  const truth = new TruthTracker();
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const now = Date.now();
    const cluster = (stack.demo.listObjects('pods') as Array<{ metadata: { uid: string; resourceVersion: string } }>).map(
      (o) => `${o.metadata.uid}@${o.metadata.resourceVersion}`,
    );
    const held = engine.store.rows('pods:').map((r) => `${r.uid}@${r.resourceVersion}`);
    const seen = truth.observe('pods:', cluster, held, now);
    const row = podsRow();
    samples.push({ at: now, state: row?.state ?? 'none', reason: row?.reason ?? null, oldestDisagreementMs: seen.oldestMs, disagreeing: seen.disagreeing });
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return samples;
}

function describeSamples(samples: readonly Sample[]): string {
  const t0 = samples[0]?.at ?? 0;
  return samples.map((s) => `${s.at - t0}ms ${s.state}/${s.reason ?? '-'} wrong=${s.disagreeing} oldest=${s.oldestDisagreementMs}`).join('\n');
}

/** Checks the two promises over one fault's samples; returns when the fallback began. */
function expectHonest(samples: readonly Sample[], faultAt: number): number {
  const healthyButStale = samples.filter((s) => s.state === 'streamingHealthy' && s.oldestDisagreementMs > boundMs + slackMs);
  expect({ healthyButStale: healthyButStale.length, samples: healthyButStale.length ? describeSamples(samples) : '' }).toEqual({ healthyButStale: 0, samples: '' });
  const fellBack = samples.find((s) => s.at >= faultAt && s.state !== 'streamingHealthy');
  expect(fellBack).toBeDefined();
  // Noticed within the bound (plus sampling and a proof round's slack), for the right reason.
  expect(fellBack!.at - faultAt).toBeLessThanOrEqual(boundMs + slackMs + 1_000);
  const after = samples.filter((s) => s.at >= fellBack!.at);
  const upstreamStalled = after.find((s) => s.reason === 'upstream stalled');
  expect(upstreamStalled).toBeDefined();
  // Converged at the first poll and kept there: disagreements never outlive a poll interval.
  const settled = after.filter((s) => s.at >= fellBack!.at + pollMs + slackMs);
  const stale = settled.filter((s) => s.oldestDisagreementMs > pollMs + slackMs);
  expect({ stale: stale.length, samples: stale.length ? describeSamples(after) : '' }).toEqual({ stale: 0, samples: '' });
  return fellBack!.at;
}

test('a stalled upstream watch under churn: honest while healthy, converged to the cluster while it falls back', async () => {
  await waitFor('pods streamingHealthy', () => podsRow()?.state === 'streamingHealthy', 20_000);
  const before = await watchTruth(3_000);
  expect(before.filter((s) => s.oldestDisagreementMs > boundMs).length).toBe(0);

  stack.demo.faults.set({ fault: 'stall-watches', resource: 'pods' });
  const faultAt = Date.now();
  const during = await watchTruth(boundMs + 10_000);
  expectHonest(during, faultAt);

  stack.demo.faults.clear();
  await waitFor('pods streamingHealthy again', () => podsRow()?.state === 'streamingHealthy', 30_000);
}, 90_000);

test('a black-holed upstream watch (half-open: no byte either way) under churn: the same two promises', async () => {
  await waitFor('pods streamingHealthy', () => podsRow()?.state === 'streamingHealthy', 30_000);
  stack.demo.faults.set({ fault: 'blackhole-watches', resource: 'pods' });
  const faultAt = Date.now();
  const during = await watchTruth(boundMs + 10_000);
  expectHonest(during, faultAt);

  // A half-open connection never comes back; the backend's relist and fresh watch do.
  stack.demo.faults.clear();
  await waitFor('pods streamingHealthy again', () => podsRow()?.state === 'streamingHealthy', 30_000);
  const after = await watchTruth(2_000);
  expect(after.filter((s) => s.oldestDisagreementMs > boundMs).length).toBe(0);
}, 90_000);
