import { ConfigError, defaultConfig, parseDuration, resolveConfig } from '../../machines/config.js';

describe('config', () => {
  test('defaults are valid and the metrics interval is 5 s', () => {
    const config = resolveConfig();
    expect(config.metricsIntervalMs).toBe(5000);
    expect(config).toEqual(defaultConfig);
  });

  test('overrides merge per domain without losing the other domains', () => {
    const config = resolveConfig({ snapshotPollIntervalMs: { pods: 3000 }, metricsIntervalMs: 2000 });
    expect(config.snapshotPollIntervalMs.pods).toBe(3000);
    expect(config.snapshotPollIntervalMs.nodes).toBe(defaultConfig.snapshotPollIntervalMs.nodes);
    expect(config.metricsIntervalMs).toBe(2000);
  });

  test.each([
    [{ metricsIntervalMs: -5 }, /metricsIntervalMs must be greater than zero/],
    [{ metricsIntervalMs: 0 }, /metricsIntervalMs must be greater than zero/],
    [{ pendingTimeoutMs: Number.NaN }, /pendingTimeoutMs must be a number/],
    [{ stallTimeoutMs: 2000, heartbeatIntervalMs: 2000 }, /stallTimeoutMs \(2000\) must be above heartbeatIntervalMs/],
    [{ backoffBaseMs: 5000, backoffCapMs: 1000 }, /backoffCapMs \(1000\) must not be below backoffBaseMs/],
    [{ hysteresisCount: 0 }, /hysteresisCount must be a whole number/],
    [{ hysteresisCount: 1.5 }, /hysteresisCount must be a whole number/],
    [{ snapshotPollIntervalMs: { pods: 0 } }, /snapshotPollIntervalMs.pods must be greater than zero/],
    [{ nonsense: 1 } as never, /unknown setting "nonsense"/],
    [{ snapshotPollIntervalMs: { deployments: 5 } } as never, /unknown domain "deployments"/],
  ])('rejects %j with a clear message', (overrides, message) => {
    expect(() => resolveConfig(overrides)).toThrow(ConfigError);
    expect(() => resolveConfig(overrides)).toThrow(message);
  });

  test('a rejected override leaves the defaults untouched', () => {
    const before = JSON.stringify(defaultConfig);
    expect(() => resolveConfig({ metricsIntervalMs: -1 })).toThrow();
    expect(JSON.stringify(defaultConfig)).toBe(before);
  });

  test('parses durations as people write them', () => {
    expect(parseDuration('5s')).toBe(5000);
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('1.5m')).toBe(90_000);
    expect(parseDuration('250')).toBe(250);
    expect(() => parseDuration('-5s', '--metrics-interval')).toThrow(/--metrics-interval: "-5s" is not a duration/);
    expect(() => parseDuration('0s', '--metrics-interval')).toThrow(/must be greater than zero/);
    expect(() => parseDuration('soon')).toThrow(/not a duration/);
  });
});
