/**
 * A metrics answer packed in the Worker and unpacked on the page is the answer JSON.parse gives:
 * names (one with a newline too), namespaces or none (nodes), timestamps and windows or null,
 * usage numbers or null.
 */
import fc from 'fast-check';
import type { MetricsBody } from '../../adapters/protocol.js';
import { packMetrics, unpackMetrics, unpackMetricsInSlices } from '../../ui/lib/packedMetrics.js';

const orNull = <T>(value: fc.Arbitrary<T>) => fc.option(value, { nil: null });

const sample = (namespaced: boolean) =>
  fc.record({
    name: fc.oneof(fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/), fc.string()),
    ...(namespaced ? { namespace: fc.constantFrom('', 'shop', 'kube-system', 'data') } : {}),
    timestamp: orNull(fc.constantFrom('2026-12-01T10:00:00Z', '2026-12-01T10:00:15Z')),
    window: orNull(fc.constantFrom('15s', '10.5s')),
    usage: fc.record({ cpuMillicores: orNull(fc.oneof(fc.nat(100_000), fc.double({ min: 0, max: 1e6, noNaN: true }))), memoryBytes: orNull(fc.nat()) }),
  });

test('aPackedAnswerUnpacksToTheAnswerAsParsed', () => {
  fc.assert(
    fc.property(fc.boolean(), fc.array(fc.boolean()).chain((kinds) => fc.tuple(...kinds.map((namespaced) => sample(namespaced)))), (pods, items) => {
      const body = { domain: pods ? 'pod-metrics' : 'node-metrics', scope: '', generatedAt: 'g', fetchedAt: 'f', count: items.length, items } as unknown as MetricsBody;
      const parsed = JSON.parse(JSON.stringify(body)) as MetricsBody;
      const packed = packMetrics(parsed);
      expect(packed).not.toBeNull();
      // What a structured clone keeps: data, no functions.
      expect(unpackMetrics(structuredClone(packed!))).toEqual(parsed);
    }),
    { numRuns: 60 },
  );
  expect(packMetrics({ error: 'metrics-unavailable' })).toBeNull();
});

test('anAnswerUnpackedInSlicesIsTheAnswerUnpackedAtOnce', async () => {
  // Cut wherever the clock says (slices.test.ts pins how); the answer must not depend on where.
  const items = Array.from({ length: 5000 }, (_, i) => ({ name: `pod-${i}`, namespace: `ns-${i % 7}`, timestamp: '2026-12-01T10:00:00Z', window: '15s', usage: { cpuMillicores: i, memoryBytes: i % 3 === 0 ? null : i * 1024 } }));
  const body = { domain: 'pod-metrics', scope: '', generatedAt: 'g', fetchedAt: 'f', count: items.length, items } as unknown as MetricsBody;
  const pause = () => new Promise<void>((resolve) => setImmediate(resolve));
  const sliced = await unpackMetricsInSlices(packMetrics(body)!, pause);
  expect(sliced).toEqual(unpackMetrics(packMetrics(body)!));
  expect(sliced).toEqual(body);
  expect(await unpackMetricsInSlices(packMetrics({ ...body, items: [] })!, pause)).toEqual({ ...body, items: [] });
});
