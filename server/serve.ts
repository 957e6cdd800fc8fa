/**
 * `kubelive serve`: parses flags and environment, starts the backend (on the kubeconfig's
 * cluster, or on the embedded demo cluster with `--demo` or when no kubeconfig exists), prints
 * the URL as its first line, and runs until SIGINT/SIGTERM.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, defaultConfig, parseDuration, resolveConfig, type ConfigOverrides, type KubeliveConfig, type PollDomain } from '../machines/config.js';
import { InClusterError } from '../adapters/kube/inCluster.js';
import { domainNames } from '../machines/domains.js';
import { defaultPort, RemoteBindError, startBackend, type BackendOptions } from './backend.js';
import type { DemoOptions } from './demo.js';
import { untilSignal } from './signals.js';

export { startBackend, defaultPort, type Backend, type BackendOptions } from './backend.js';

type IntervalKey = {
  [K in keyof KubeliveConfig]: KubeliveConfig[K] extends number ? K : never;
}[keyof KubeliveConfig];

const intervalKeys = (Object.keys(defaultConfig) as (keyof KubeliveConfig)[]).filter(
  (k): k is IntervalKey => typeof defaultConfig[k] === 'number' && k.endsWith('Ms'),
);

/** `metricsIntervalMs` → `metrics-interval`; its environment variable is KUBELIVE_METRICS_INTERVAL. */
function flagName(key: string): string {
  return key.replace(/Ms$/, '').replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

function envName(flag: string): string {
  return `KUBELIVE_${flag.toUpperCase().replace(/-/g, '_')}`;
}

function formatMs(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

export class UsageError extends Error {}

/** Poll intervals: one per built-in domain, and `resources`, shared by every resource domain (core/v1/configmaps, ...). */
const pollDomains: readonly PollDomain[] = [...domainNames, 'resources'];

export const serveUsage = (): string => {
  const intervals = intervalKeys
    .map((k) => `  --${flagName(k).padEnd(26)} ${formatMs(defaultConfig[k]).padEnd(7)} env ${envName(flagName(k))}`)
    .join('\n');
  const polls = pollDomains
    .map((d) => `  --snapshot-poll-interval-${d.padEnd(12)} ${formatMs(defaultConfig.snapshotPollIntervalMs[d]).padEnd(7)} env ${envName(`snapshot-poll-interval-${d}`)}`)
    .join('\n');
  return `Usage: kubelive serve [options]

Starts the kubelive backend and prints its URL (first line). Without a kubeconfig
(--kubeconfig, then KUBECONFIG, then ~/.kube/config) it runs on the embedded demo cluster.

Cluster:
  --kubeconfig PATH            kubeconfig file (default: KUBECONFIG, then ~/.kube/config)
  --context NAME               kubeconfig context (default: its current context); an unknown
                               one is an error, never a silent start of the demo
  --in-cluster                 use the pod's service account, as any in-cluster client does
                               (KUBERNETES_SERVICE_HOST/PORT; token, ca.crt and namespace from
                               /var/run/secrets/kubernetes.io/serviceaccount, or env
                               KUBELIVE_SERVICE_ACCOUNT_DIR); manifests in deploy/, docs/deploy.md
  --namespaces A,B             namespaces to try when the user may list neither a resource
                               cluster-wide nor the namespaces (env KUBELIVE_NAMESPACES;
                               docs/permissions.md)
  --demo                       run on the embedded demo cluster, in-process (its kubeconfig has
                               a context per demo user: --context kubelive-demo-jane)
  --demo-clusters N            start N demo clusters of different sizes, one kubeconfig context
                               each (with --demo; the first is the default cluster)
  --nodes N --pods N           demo cluster size (with --demo)
  --churn N                    demo changes per second, 0 = still (with --demo)
  --seed N                     demo random seed (with --demo)
  --scenarios                  add the demo's troubleshooting namespace: pods, workloads and nodes in trouble (with --demo)

Server:
  --port N                     default ${defaultPort}; 0 picks a free port
  --host HOST                  default 127.0.0.1; a non-loopback address needs --allow-remote
  --allow-remote               allow a non-loopback --host: every non-loopback client must then
                               show a token (printed once as a URL, see docs/security.md)
  --token-file PATH            the token for --allow-remote (default: generated; env KUBELIVE_TOKEN)
  --allow-host NAME            also answer requests naming this host (repeatable; e.g. the
                               machine's DNS name with --allow-remote)
  --allow-origin URL           also accept API calls and stream connections from pages of this
                               origin (repeatable; e.g. a UI dev server)
  --allow-faults               enable POST/DELETE /_debug/faults (always on with --demo)
  --serve-source-maps          serve the dashboard's *.map files (build with KUBELIVE_SOURCEMAP=1)

Intervals (durations like 500ms, 5s, 1m; flag beats environment beats default):
${intervals}
  --snapshot-poll-interval     (all domains)
${polls}

Counts:
  --hysteresis-count N         ${defaultConfig.hysteresisCount}  env KUBELIVE_HYSTERESIS_COUNT

  -h, --help                   this text`;
};

export interface ServeArgs {
  readonly backend: BackendOptions;
  readonly help: boolean;
}

function wholeNumber(flag: string, text: string, min: number, max: number): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n < min || n > max) throw new UsageError(`${flag}: "${text}" must be a whole number from ${min} to ${max}`);
  return n;
}

/** Parses `serve` arguments and the KUBELIVE_* environment into backend options; throws UsageError or ConfigError. */
export function parseServeArgs(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): ServeArgs {
  const overrides: Record<string, unknown> = {};
  const poll: Partial<Record<PollDomain, number>> = {};
  const fromEnv = (flag: string) => env[envName(flag)];

  // Environment first, so flags parsed below override it.
  for (const key of intervalKeys) {
    const value = fromEnv(flagName(key));
    if (value !== undefined && value !== '') overrides[key] = parseDuration(value, envName(flagName(key)));
  }
  const allPoll = fromEnv('snapshot-poll-interval');
  if (allPoll) for (const d of pollDomains) poll[d] = parseDuration(allPoll, envName('snapshot-poll-interval'));
  for (const d of pollDomains) {
    const value = fromEnv(`snapshot-poll-interval-${d}`);
    if (value) poll[d] = parseDuration(value, envName(`snapshot-poll-interval-${d}`));
  }
  const hysteresis = env.KUBELIVE_HYSTERESIS_COUNT;
  if (hysteresis) overrides.hysteresisCount = wholeNumber('KUBELIVE_HYSTERESIS_COUNT', hysteresis, 1, 1000);

  let help = false;
  let demo = false;
  let inCluster = false;
  const demoOptions: { -readonly [K in keyof DemoOptions]: DemoOptions[K] } = {};
  const backend: { -readonly [K in keyof BackendOptions]: BackendOptions[K] } = {};
  const origins: string[] = [];
  const hosts: string[] = [];
  let tokenFile: string | undefined;
  const byFlag = new Map(intervalKeys.map((k) => [flagName(k), k]));

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = (): string => {
      if (inline !== undefined) return inline;
      const next = argv[++i];
      if (next === undefined) throw new UsageError(`${flag} needs a value`);
      return next;
    };
    const name = flag.replace(/^--/, '');
    if (flag === '-h' || flag === '--help') help = true;
    else if (flag === '--demo') demo = true;
    else if (flag === '--in-cluster') inCluster = true;
    else if (flag === '--allow-faults') backend.allowFaults = true;
    else if (flag === '--kubeconfig') backend.kubeconfigPath = value();
    else if (flag === '--context') backend.context = value();
    else if (flag === '--namespaces') backend.namespaces = namespaceList(flag, value());
    else if (flag === '--demo-clusters') demoOptions.clusters = wholeNumber(flag, value(), 1, 10);
    else if (flag === '--host') backend.host = value();
    else if (flag === '--port') backend.port = wholeNumber(flag, value(), 0, 65535);
    else if (flag === '--allow-origin') origins.push(value());
    else if (flag === '--allow-host') hosts.push(value());
    else if (flag === '--allow-remote') backend.allowRemote = true;
    else if (flag === '--token-file') tokenFile = value();
    else if (flag === '--serve-source-maps') backend.serveSourceMaps = true;
    else if (flag === '--nodes') demoOptions.nodes = wholeNumber(flag, value(), 1, 5000);
    else if (flag === '--pods') demoOptions.pods = wholeNumber(flag, value(), 0, 100_000);
    else if (flag === '--churn') demoOptions.churn = wholeNumber(flag, value(), 0, 10_000);
    else if (flag === '--seed') demoOptions.seed = wholeNumber(flag, value(), 0, 2 ** 31);
    else if (flag === '--scenarios') demoOptions.scenarios = true;
    else if (flag === '--hysteresis-count') overrides.hysteresisCount = wholeNumber(flag, value(), 1, 1000);
    else if (flag === '--snapshot-poll-interval') {
      const ms = parseDuration(value(), flag);
      for (const d of pollDomains) poll[d] = ms;
    } else if (name.startsWith('snapshot-poll-interval-') && (pollDomains as readonly string[]).includes(name.slice('snapshot-poll-interval-'.length))) {
      poll[name.slice('snapshot-poll-interval-'.length) as PollDomain] = parseDuration(value(), flag);
    } else if (flag.startsWith('--') && byFlag.has(name)) overrides[byFlag.get(name)!] = parseDuration(value(), flag);
    else throw new UsageError(`unknown option "${arg}" (see kubelive serve --help)`);
  }

  if (Object.keys(poll).length > 0) overrides.snapshotPollIntervalMs = poll;
  const config = overrides as ConfigOverrides;
  resolveConfig(config); // validate now, with the setting's name in the message
  if (backend.namespaces === undefined && env.KUBELIVE_NAMESPACES) backend.namespaces = namespaceList('KUBELIVE_NAMESPACES', env.KUBELIVE_NAMESPACES);
  const demoFlags = Object.keys(demoOptions).length > 0;
  if (inCluster) {
    if (demo || demoFlags || backend.kubeconfigPath !== undefined || backend.context !== undefined) {
      throw new UsageError('--in-cluster uses the pod\'s service account: it takes no --kubeconfig, --context or demo flags');
    }
    backend.inCluster = env.KUBELIVE_SERVICE_ACCOUNT_DIR ? { serviceAccountDir: env.KUBELIVE_SERVICE_ACCOUNT_DIR } : true;
  }
  if (demoFlags && !demo && (backend.kubeconfigPath || backend.context)) {
    throw new UsageError('--nodes, --pods, --churn, --seed and --demo-clusters apply to the demo cluster; add --demo');
  }
  if (backend.context !== undefined && !demo && !inCluster && !backend.kubeconfigPath && !kubeconfigExists(env)) {
    // Starting the demo here would act on a cluster the user did not name.
    throw new UsageError(`--context ${backend.context}: there is no kubeconfig to find it in (--kubeconfig not given, ${env.KUBECONFIG ? `KUBECONFIG=${env.KUBECONFIG} names no file` : 'KUBECONFIG unset and ~/.kube/config missing'}); add --demo to run on the embedded demo cluster`);
  }
  if (!inCluster && (demo || (demoFlags && !backend.kubeconfigPath) || (!backend.kubeconfigPath && !kubeconfigExists(env)))) {
    backend.demo = demoOptions;
  }
  if (origins.length > 0) backend.allowedOrigins = origins;
  if (hosts.length > 0) backend.allowedHosts = hosts;
  const token = tokenFile !== undefined ? readToken(tokenFile) : env.KUBELIVE_TOKEN || undefined;
  if (token !== undefined) {
    if (!backend.allowRemote) throw new UsageError('a token (--token-file, KUBELIVE_TOKEN) is only used with --allow-remote');
    if (token.length < 16) throw new UsageError('the token must be at least 16 characters');
    backend.token = token;
  }
  backend.config = config;
  return { backend, help };
}

/** `shop,payments` → `['shop', 'payments']`, each a valid namespace name. */
function namespaceList(flag: string, text: string): string[] {
  const names = text.split(',').map((n) => n.trim()).filter((n) => n !== '');
  const bad = names.find((n) => !/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(n));
  if (names.length === 0 || bad !== undefined) throw new UsageError(`${flag}: "${bad ?? text}" is not a list of namespace names (e.g. shop,payments)`);
  return names;
}

function readToken(path: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch (error) {
    throw new UsageError(`--token-file: cannot read ${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** Whether kubeconfig loading would find a file: KUBECONFIG's paths, then ~/.kube/config. */
function kubeconfigExists(env: NodeJS.ProcessEnv): boolean {
  const paths = env.KUBECONFIG ? env.KUBECONFIG.split(process.platform === 'win32' ? ';' : ':').filter(Boolean) : [join(homedir(), '.kube', 'config')];
  return paths.some((p) => existsSync(p));
}

export async function runServe(argv: string[]): Promise<number> {
  let args: ServeArgs;
  try {
    args = parseServeArgs(argv);
  } catch (error) {
    if (error instanceof UsageError || error instanceof ConfigError) {
      console.error(`kubelive serve: ${error.message}`);
      return 2;
    }
    throw error;
  }
  if (args.help) {
    console.log(serveUsage());
    return 0;
  }
  let backend;
  try {
    backend = await startBackend(args.backend);
  } catch (error) {
    if (error instanceof RemoteBindError) {
      console.error(`kubelive serve: ${error.message}`);
      return 2;
    }
    if (error instanceof InClusterError) {
      console.error(`kubelive serve --in-cluster: ${error.message}`);
      return 1;
    }
    if ((error as { code?: unknown }).code === 'EADDRINUSE') {
      console.error(`kubelive serve: port ${args.backend.port ?? defaultPort} is in use; pick another with --port (0 = any free port)`);
      return 1;
    }
    throw error;
  }
  // Last line of defence for a long-running dashboard backend: a promise nobody awaited must
  // not take every client's stream down with it. (Uncaught exceptions still end the process.)
  const logRejection = (reason: unknown) => console.error(`kubelive serve: unhandled rejection: ${reason instanceof Error ? reason.stack : String(reason)}`);
  process.on('unhandledRejection', logRejection);
  console.log(backend.url);
  if (backend.loginUrl !== null) {
    // Printed once: whoever opens this URL gets a cookie that lets their browser in.
    console.log(`reachable beyond loopback: every non-loopback client needs the token. Open ${backend.loginUrl}`);
  }
  console.log(`watching ${backend.kube.server} (context ${backend.kube.context})${backend.demo ? ' — the embedded demo cluster' : ''}`);
  await untilSignal();
  await backend.stop();
  process.off('unhandledRejection', logRejection);
  return 0;
}
