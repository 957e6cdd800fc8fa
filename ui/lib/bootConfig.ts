/**
 * The engine's configuration in the browser: the backend's own (so `kubelive serve
 * --metrics-interval 10s` or short test intervals apply to the dashboard as well), then the
 * metrics interval saved in this browser. Anything unknown or invalid falls back to defaults
 * rather than keeping the dashboard from starting.
 */
import type { ConfigOverrides, KubeliveConfig } from '../../machines/config.js';
import { defaultConfig, resolveConfig } from '../../machines/config.js';

export function engineConfig(backend: unknown, savedMetricsIntervalMs: number | null): ConfigOverrides {
  const overrides: Record<string, unknown> = {};
  if (backend && typeof backend === 'object') {
    for (const key of Object.keys(defaultConfig) as (keyof KubeliveConfig)[]) {
      if (key in backend) overrides[key] = (backend as Record<string, unknown>)[key];
    }
  }
  if (savedMetricsIntervalMs !== null) overrides.metricsIntervalMs = savedMetricsIntervalMs;
  try {
    resolveConfig(overrides as ConfigOverrides);
    return overrides as ConfigOverrides;
  } catch {
    return savedMetricsIntervalMs !== null ? { metricsIntervalMs: savedMetricsIntervalMs } : {};
  }
}
