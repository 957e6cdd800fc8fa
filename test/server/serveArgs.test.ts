import { ConfigError } from '../../machines/config.js';
import { parseServeArgs, serveUsage, UsageError } from '../../server/serve.js';

const noKubeconfig = { KUBECONFIG: '/nonexistent/kubeconfig' };

describe('kubelive serve arguments', () => {
  test('every interval has a flag and an environment variable; the flag wins', () => {
    const args = parseServeArgs(['--metrics-interval', '2s', '--heartbeat-interval=1s'], { ...noKubeconfig, KUBELIVE_METRICS_INTERVAL: '9s', KUBELIVE_UPDATE_BATCH: '50ms' });
    expect(args.backend.config).toMatchObject({ metricsIntervalMs: 2000, heartbeatIntervalMs: 1000, updateBatchMs: 50 });
    const usage = serveUsage();
    for (const flag of ['--metrics-interval', '--upstream-stall-timeout', '--upstream-idle-grace', '--update-batch', '--snapshot-poll-interval-pods', '--port', '--host', '--demo', '--allow-faults']) {
      expect(usage).toContain(flag);
    }
    expect(usage).toContain('KUBELIVE_METRICS_INTERVAL');
  });

  test('no kubeconfig anywhere means the demo cluster, with its flags passed through', () => {
    const args = parseServeArgs(['--nodes', '5', '--pods', '100', '--churn', '3', '--seed', '9', '--port', '0'], noKubeconfig);
    expect(args.backend.demo).toEqual({ nodes: 5, pods: 100, churn: 3, seed: 9 });
    expect(args.backend.port).toBe(0);
  });

  test('--scenarios asks the demo cluster for its troubleshooting namespace', () => {
    expect(parseServeArgs(['--demo', '--scenarios'], noKubeconfig).backend.demo).toEqual({ scenarios: true });
  });

  test('an explicit kubeconfig is used as given, and demo flags without --demo are refused then', () => {
    expect(parseServeArgs(['--kubeconfig', '/some/where', '--context', 'prod'], noKubeconfig).backend).toMatchObject({ kubeconfigPath: '/some/where', context: 'prod' });
    expect(parseServeArgs(['--kubeconfig', '/some/where'], noKubeconfig).backend.demo).toBeUndefined();
    expect(() => parseServeArgs(['--kubeconfig', '/x', '--pods', '5'], noKubeconfig)).toThrow(UsageError);
  });

  test.each([
    [['--metrics-interval', '0s'], ConfigError, /must be greater than zero/],
    [['--metrics-interval', 'soon'], ConfigError, /not a duration/],
    [['--port', '70000'], UsageError, /--port/],
    [['--frobnicate'], UsageError, /unknown option/],
    [['--context'], UsageError, /needs a value/],
    [['--stall-timeout', '1s', '--heartbeat-interval', '2s'], ConfigError, /stallTimeoutMs/],
  ])('refuses %j with a clear message', (argv, kind, message) => {
    expect(() => parseServeArgs(argv as string[], noKubeconfig)).toThrow(kind as never);
    expect(() => parseServeArgs(argv as string[], noKubeconfig)).toThrow(message);
  });
});
