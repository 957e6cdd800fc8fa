/**
 * The engine hearing that a followed log ended (its pod deleted), over real sockets from a real
 * backend and demo cluster. A frame whose `upstream.ended` is not a code is refused whole and
 * counted: to the engine it is a lost frame, so the next one is a seq gap, and it resyncs (a
 * reset) as for any drift. Nothing else breaks: the next reports say it again, properly, and the
 * engine ends healthy, holding the lines and the word that the log is complete.
 */
import type { Engine } from '../../../adapters/engine/engine.js';
import { createEngine } from '../../../adapters/engine/engine.js';
import { subscriptionKey } from '../../../machines/domains.js';
import { call } from '../../demo-cluster/client.js';
import type { Stack } from '../../server/support.js';
import { startStack, tamperingSocket, testConfig, waitFor } from '../../server/support.js';

interface DemoPod {
  metadata: { name: string; namespace: string; deletionTimestamp?: string; ownerReferences?: { kind: string }[] };
  spec: { containers: { name: string }[] };
  status: { phase?: string; containerStatuses?: { state?: { running?: { startedAt?: string } } }[] };
}

let stack: Stack;
let engine: Engine | null = null;

beforeAll(async () => {
  stack = await startStack({ demo: { pods: 40, namespaces: 5 } });
});
afterAll(async () => {
  engine?.stop();
  await stack.stop();
});

test('aMalformedEndedIsRefusedWholeAndTheNextReportSaysTheLogIsComplete', async () => {
  const pod = (stack.demo.listObjects('pods') as DemoPod[]).find(
    (p) =>
      p.status.phase === 'Running' &&
      !p.metadata.deletionTimestamp &&
      p.metadata.ownerReferences?.[0]?.kind === 'ReplicaSet' &&
      Date.parse(p.status.containerStatuses?.[0]?.state?.running?.startedAt ?? '') < Date.now() - 10_000,
  );
  if (!pod) throw new Error('the demo cluster generated no running ReplicaSet pod with lines to follow');
  const scope = `${pod.metadata.namespace}/${pod.metadata.name}/${pod.spec.containers[0]!.name}`;
  const key = subscriptionKey('pod-logs', scope);
  let spoiled = 0;
  // The first frame that says the log ended says it with markup instead of a code.
  const spoil = (text: string) => {
    if (spoiled > 0 || !text.includes('"ended":"pod-deleted"')) return text;
    spoiled++;
    return text.replace('"ended":"pod-deleted"', '"ended":"<b>gone</b>"');
  };
  const e = (engine = createEngine({ server: stack.backend.url, config: testConfig, socket: tamperingSocket((text) => [spoil(text)]) }));
  e.subscribe('pod-logs', scope);
  const row = () => e.diagnostics().rows.find((r) => r.key === key);
  await waitFor('the log streaming', () => row()?.state === 'streamingHealthy' && (e.store.collection(key)?.rows.size ?? 0) > 0);
  const held = e.store.collection(key)!.rows.size;

  const path = `/api/v1/namespaces/${pod.metadata.namespace}/pods/${pod.metadata.name}`;
  expect((await call(stack.demo, `${path}?gracePeriodSeconds=0`, { method: 'DELETE' })).status).toBe(200);
  await waitFor('the spoiled frame refused', () => spoiled === 1 && e.counters.framesRejected > 0);
  expect(e.counters.lastFrameError).toMatch(/upstream/);
  await waitFor('a proper report that the log is complete', () => row()?.upstream?.ended === 'pod-deleted', 20_000, () => JSON.stringify(row()?.upstream));
  await waitFor('streaming healthy again', () => row()?.state === 'streamingHealthy' && row()?.health === 'healthy', 20_000, () => JSON.stringify(row()));
  expect(row()?.upstream?.ended).toBe('pod-deleted');
  expect(e.store.collection(key)!.rows.size).toBeGreaterThanOrEqual(held);
}, 40_000);
