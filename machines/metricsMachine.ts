/**
 * The metrics machine polls a metrics-only domain (node or pod metrics) every
 * `metricsIntervalMs`, the one cadence for all metrics, and backs off on errors.
 */
import { createPollingMachine } from './pollingMachine.js';

export const metricsMachine = createPollingMachine({
  id: 'metrics',
  mode: 'metrics-only',
  intervalMs: (config) => config.metricsIntervalMs,
});

export type MetricsMachine = typeof metricsMachine;
