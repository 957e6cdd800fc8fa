/**
 * The page's mark of a metrics answer landing (bench/uiFrames.ts counts late frames around it):
 * one per answer that moved a sample, none for row writes or a repeated answer, none once stopped.
 */
import { RowStore } from '../../adapters/engine/store.js';
import { markMetricsApplied, metricsAppliedMark } from '../../ui/state/metricsMark.js';

const answer = (time: string) => [{ name: 'web', namespace: 'shop', timestamp: time, window: '15s', usage: { cpuMillicores: 1, memoryBytes: 1 } }];
const marks = () => performance.getEntriesByName(metricsAppliedMark, 'mark').length;
// The store tells its listeners after the current task's microtasks.
const settled = () => new Promise((resolve) => setImmediate(resolve));

test('marksEachAnswerThatMovedASampleAndNothingElse', async () => {
  performance.clearMarks(metricsAppliedMark);
  const store = new RowStore(() => 0);
  const stop = markMetricsApplied(store);
  store.applyMetrics('pod', answer('2026-12-01T10:00:00Z'));
  await settled();
  expect(marks()).toBe(1);
  store.applyMetrics('pod', answer('2026-12-01T10:00:00Z'));
  store.applyReset('pods:', { items: [], generation: 1, seq: 1, resourceVersion: '1' });
  await settled();
  expect(marks()).toBe(1);
  store.applyMetrics('pod', answer('2026-12-01T10:00:15Z'));
  await settled();
  expect(marks()).toBe(2);
  stop();
  store.applyMetrics('pod', answer('2026-12-01T10:00:30Z'));
  await settled();
  expect(marks()).toBe(2);
});
