/**
 * metrics.k8s.io items as rows: CPU is summed over a pod's containers in whole nanocores and
 * turned into millicores once, so a workload's sum of pods is the sum of what the cluster said.
 */
import { metricsRow } from '../../../adapters/kube/metrics.js';

test('podCpuKeepsTheFractionOfAMillicoreEachContainerReported', () => {
  const row = metricsRow(
    {
      metadata: { name: 'web-0', namespace: 'shop' },
      timestamp: '2026-12-01T13:56:25Z',
      window: '15s',
      containers: [
        { usage: { cpu: '1400000n', memory: '1Ki' } },
        { usage: { cpu: '1400000n', memory: '2Mi' } },
        { usage: { cpu: '1400000n', memory: '3' } },
      ],
    },
    true,
  );
  // Whole millicores per container made this 3m (1 + 1 + 1) for 4.2m used.
  expect(row.usage.cpuMillicores).toBe(4.2);
  expect(row.usage.memoryBytes).toBe(1024 + 2 * 1024 ** 2 + 3);
});

test('aSumOfManyPodsIsTheSumOfTheirNanocoresNotOfRoundedMillicores', () => {
  // Seven pods of 42.479690m each: 297.357830m in all, which whole millicores per pod made 294m.
  const pods = Array.from({ length: 7 }, (_, i) => metricsRow({ metadata: { name: `p${i}`, namespace: 'ns' }, containers: [{ usage: { cpu: '42479690n', memory: '1Ki' } }] }, true));
  const nanocores = pods.reduce((sum, p) => sum + Math.round(p.usage.cpuMillicores! * 1e6), 0);
  expect(nanocores).toBe(7 * 42_479_690);
});

test('nodeCpuKeepsItsFractionAndUnreadableQuantitiesStayUnknown', () => {
  expect(metricsRow({ metadata: { name: 'n1' }, usage: { cpu: '2500000500n', memory: '4Gi' } }, false).usage).toEqual({ cpuMillicores: 2500.0005, memoryBytes: 4 * 1024 ** 3 });
  expect(metricsRow({ metadata: { name: 'n1' }, usage: { cpu: 'lots', memory: '4Gi' } }, false).usage.cpuMillicores).toBeNull();
  expect(metricsRow({ metadata: { name: 'p' }, containers: [{ usage: { cpu: '1m' } }, { usage: { cpu: '?' } }] }, true).usage.cpuMillicores).toBeNull();
});
