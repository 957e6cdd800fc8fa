/**
 * `kubelive demo-cluster`: runs the demo cluster until SIGINT or SIGTERM, or switches its faults
 * from another terminal (`kubelive demo-cluster fault NAME --server URL`, `fault clear`, `fault list`).
 */
import { request } from 'node:https';
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { parseDuration } from '../machines/config.js';
import { faultNames, isFaultName } from './faults.js';
import { defaults, limits, maxDemoClusters, startDemoCluster, startDemoClusters } from './index.js';
import type { DemoCluster, DemoClusterOptions } from './index.js';

const usage = `Usage:
  kubelive demo-cluster [--port P] [--host H] [--kubeconfig-out FILE] [--nodes N] [--pods N]
                        [--namespaces N] [--churn EVENTS_PER_S] [--seed S] [--metrics-resolution 15s]
                        [--bookmark-interval 60s] [--history-window 75s] [--no-metrics] [--token-lifetime 1m] [--scenarios]
                        [--clusters N]
  kubelive demo-cluster fault NAME [--resource PLURAL[.GROUP]] [--ms N] --server URL [--kubeconfig FILE]
  kubelive demo-cluster fault clear --server URL
  kubelive demo-cluster fault list --server URL

Serves a Kubernetes-API-compatible cluster with simulated workloads over HTTPS on loopback, writes
a kubeconfig for it, and runs until interrupted. Defaults: port 0 (any free port), ${defaults.nodes} nodes,
${defaults.pods} pods, ${defaults.namespaces} namespaces, churn ${defaults.churn}, seed ${defaults.seed}, metrics resolution 15s,
a bookmark every 60s and 75s of watch history (as kube-apiserver's watch cache). --no-metrics serves
no metrics.k8s.io at all, as a cluster without metrics-server. --scenarios adds the troubleshooting
namespace: pods, workloads and nodes in each kind of trouble kubectl reports.

The kubeconfig has a context per demo user: kubelive-demo (admin), kubelive-demo-jane (two
namespaces), kubelive-demo-viewer (read-only) and kubelive-demo-rotating, whose token expires
after --token-lifetime (default 1m) and is renewed by the exec plugin bin/kubelive-demo-credential.

--clusters N (1 to ${maxDemoClusters}) starts N clusters of different sizes behind one kubeconfig: the
first as the flags say, the others smaller or larger, each with its own seed and port. Its
contexts are kubelive-demo, kubelive-demo-2, ... (each with -jane, -viewer and -rotating beside
it); --port applies to the first. Faults are per cluster: name its --server.

Faults: ${faultNames.join(', ')}.
--ms is the delay of slow and the lag of lag-watches (every watch line sent that many ms late).`;

class UsageError extends Error {}

function count(name: string, text: string | undefined, min: number, max: number): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text)) throw new UsageError(`--${name}: "${text}" is not a whole number`);
  const n = Number(text);
  if (n < min || n > max) throw new UsageError(`--${name}: ${n} is out of range (${min} to ${max})`);
  return n;
}

/** A duration flag (`500ms`, `15s`, `1m`) of at least one second, in ms. */
function durationFlag(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  let ms: number;
  try {
    ms = parseDuration(text, `--${name}`);
  } catch (e) {
    throw new UsageError((e as Error).message.replace(/^invalid kubelive configuration: /, ''));
  }
  if (ms < 1000) throw new UsageError(`--${name} must be at least 1s`);
  return ms;
}

function parseServeOptions(argv: string[]): { options: DemoClusterOptions; clusters: number } {
  const { values, positionals } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: true,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      'kubeconfig-out': { type: 'string' },
      nodes: { type: 'string' },
      pods: { type: 'string' },
      namespaces: { type: 'string' },
      churn: { type: 'string' },
      seed: { type: 'string' },
      'metrics-resolution': { type: 'string' },
      'bookmark-interval': { type: 'string' },
      'history-window': { type: 'string' },
      'no-metrics': { type: 'boolean' },
      'token-lifetime': { type: 'string' },
      scenarios: { type: 'boolean' },
      clusters: { type: 'string' },
    },
  });
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  const options: DemoClusterOptions = {};
  const port = count('port', values.port, 0, 65535);
  if (port !== undefined) options.port = port;
  if (values.host !== undefined) {
    if (!['127.0.0.1', '::1', 'localhost'].includes(values.host)) throw new UsageError('--host must be a loopback address (127.0.0.1, ::1 or localhost): the demo cluster is for this machine only');
    options.host = values.host;
  }
  if (values['kubeconfig-out'] !== undefined) {
    if (values['kubeconfig-out'] === '') throw new UsageError('--kubeconfig-out needs a file path');
    options.kubeconfigOut = values['kubeconfig-out'];
  }
  const nodes = count('nodes', values.nodes, 1, limits.nodes);
  if (nodes !== undefined) options.nodes = nodes;
  const pods = count('pods', values.pods, 0, limits.pods);
  if (pods !== undefined) options.pods = pods;
  const namespaces = count('namespaces', values.namespaces, 2, limits.namespaces);
  if (namespaces !== undefined) options.namespaces = namespaces;
  if (values.churn !== undefined) {
    const churn = Number(values.churn);
    if (!/^\d+(\.\d+)?$/.test(values.churn) || churn > limits.churn) throw new UsageError(`--churn: "${values.churn}" must be a number of changes per second from 0 to ${limits.churn}`);
    options.churn = churn;
  }
  const seed = count('seed', values.seed, 0, 2 ** 32 - 1);
  if (seed !== undefined) options.seed = seed;
  const metricsResolutionMs = durationFlag('metrics-resolution', values['metrics-resolution']);
  if (metricsResolutionMs !== undefined) options.metricsResolutionMs = metricsResolutionMs;
  const bookmarkIntervalMs = durationFlag('bookmark-interval', values['bookmark-interval']);
  if (bookmarkIntervalMs !== undefined) options.bookmarkIntervalMs = bookmarkIntervalMs;
  const historyWindowMs = durationFlag('history-window', values['history-window']);
  if (historyWindowMs !== undefined) options.historyWindowMs = historyWindowMs;
  if (values['no-metrics']) options.metrics = false;
  const tokenLifetimeMs = durationFlag('token-lifetime', values['token-lifetime']);
  if (tokenLifetimeMs !== undefined) options.tokenLifetimeMs = tokenLifetimeMs;
  if (values.scenarios) options.scenarios = true;
  return { options, clusters: count('clusters', values.clusters, 1, maxDemoClusters) ?? 1 };
}

/** What a user needs to reach several clusters: the kubeconfig, and per cluster its context, address and size. */
function describeClusters(clusters: readonly DemoCluster[], kubeconfigPath: string, out: (line: string) => void): void {
  out(`kubeconfig: ${kubeconfigPath}`);
  out('contexts:');
  const width = Math.max(...clusters.map((c) => c.users.contexts.admin.length));
  for (const c of clusters) {
    const size = `${c.listObjects('nodes').length} nodes, ${c.listObjects('pods').length} pods, ${c.listObjects('namespaces').length} namespaces`;
    out(`  ${c.users.contexts.admin.padEnd(width)}  ${c.url}  ${size}`);
  }
  out(`try:        kubectl --kubeconfig ${kubeconfigPath} --context ${clusters.at(-1)!.users.contexts.admin} get pods -A`);
  out('users:      each context has -jane (two namespaces), -viewer (read-only) and -rotating (expiring token) beside it');
}

/** Resolves on SIGINT or SIGTERM. */
function untilInterrupted(): Promise<void> {
  return new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

async function serve(argv: string[], out: (line: string) => void, until: () => Promise<void>): Promise<number> {
  const { options, clusters: count } = parseServeOptions(argv);
  const started = Date.now();
  if (count > 1) {
    const demos = await startDemoClusters(count, options);
    out(`kubelive demo clusters: ${count} serving (built in ${Date.now() - started} ms)`);
    describeClusters(demos.clusters, demos.kubeconfigPath, out);
    out(`faults:     kubelive demo-cluster fault fail-lists --resource pods --server ${demos.clusters[0]!.url}`);
    await until();
    await demos.stop();
    out('kubelive demo clusters stopped');
    return 0;
  }
  const cluster = await startDemoCluster(options);
  out(`kubelive demo cluster serving at ${cluster.url} (built in ${Date.now() - started} ms)`);
  out(`kubeconfig: ${cluster.kubeconfigPath}`);
  out(`try:        kubectl --kubeconfig ${cluster.kubeconfigPath} get pods -A`);
  out(`users:      contexts ${Object.values(cluster.users.contexts).join(', ')} (admin, ${cluster.users.namespaceUserNamespaces.join(' and ')} only, read-only, expiring token)`);
  out(`faults:     kubelive demo-cluster fault fail-lists --resource pods --server ${cluster.url}`);
  await until();
  await cluster.stop();
  out('kubelive demo cluster stopped');
  return 0;
}

function loopbackServer(text: string | undefined): URL {
  if (!text) throw new UsageError('--server URL is required, e.g. --server https://127.0.0.1:6443');
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`--server: "${text}" is not a URL`);
  }
  if (url.protocol !== 'https:' || !['127.0.0.1', '[::1]', 'localhost'].includes(url.hostname)) {
    throw new UsageError('--server must be https:// on a loopback address: the fault control surface answers only loopback clients');
  }
  return url;
}

/** Reads the CA from a kubeconfig, so the control call verifies the server like any client. */
async function caFrom(kubeconfig: string | undefined): Promise<string | undefined> {
  if (!kubeconfig) return undefined;
  const text = await readFile(kubeconfig, 'utf8');
  const match = /certificate-authority-data:\s*"?([A-Za-z0-9+/=]+)"?/.exec(text);
  if (!match?.[1]) throw new UsageError(`--kubeconfig: no certificate-authority-data in ${kubeconfig}`);
  return Buffer.from(match[1], 'base64').toString('utf8');
}

function control(server: URL, method: string, ca: string | undefined, body?: unknown): Promise<{ status: number; text: string }> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      new URL('/_demo/faults', server),
      {
        method,
        // Without a kubeconfig there is no CA to check against; the call carries no credentials
        // and goes to loopback only, so an unverified connection risks nothing.
        ...(ca ? { ca } : { rejectUnauthorized: false }),
        headers: payload ? { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload) } : {},
        timeout: 10_000,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timed out after 10 s')));
    req.on('error', reject);
    req.end(payload);
  });
}

async function fault(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: true,
    options: { resource: { type: 'string' }, ms: { type: 'string' }, server: { type: 'string' }, kubeconfig: { type: 'string' } },
  });
  const [name, ...extra] = positionals;
  if (!name) throw new UsageError(`fault needs a name: ${faultNames.join(', ')}, clear or list`);
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
  const server = loopbackServer(values.server);
  const ca = await caFrom(values.kubeconfig);
  let result: { status: number; text: string };
  if (name === 'clear' || name === 'list') {
    if (values.resource !== undefined || values.ms !== undefined) throw new UsageError(`fault ${name} takes no --resource or --ms`);
    result = await control(server, name === 'clear' ? 'DELETE' : 'GET', ca);
  } else {
    if (!isFaultName(name)) throw new UsageError(`unknown fault "${name}"; known: ${faultNames.join(', ')}`);
    // A lag of 0 would be no fault at all.
    const ms = count('ms', values.ms, name === 'lag-watches' ? 1 : 0, 60_000);
    if (name === 'slow' && ms === undefined) throw new UsageError('the slow fault needs --ms N');
    if (name === 'lag-watches' && ms === undefined) throw new UsageError('the lag-watches fault needs --ms N, the lag from 1 to 60000');
    result = await control(server, 'POST', ca, { fault: name, ...(values.resource ? { resource: values.resource } : {}), ...(ms !== undefined ? { ms } : {}) });
  }
  if (result.status !== 200) {
    let message = result.text;
    try {
      message = (JSON.parse(result.text) as { message?: string }).message ?? message;
    } catch {
      // not JSON: print as is
    }
    console.error(`kubelive demo-cluster fault: ${result.status} ${message}`);
    return 1;
  }
  const active = (JSON.parse(result.text) as { faults: { fault: string; resource?: string; ms?: number }[] }).faults;
  console.log(active.length === 0 ? 'no faults active' : active.map((f) => `${f.fault}${f.resource ? ` (${f.resource})` : ''}${f.ms !== undefined ? ` ${f.ms} ms` : ''}`).join('\n'));
  return 0;
}

/**
 * Runs the command. A cluster serves until `until` resolves (SIGINT or SIGTERM by default);
 * `out` takes what it prints for the user.
 */
export async function runDemoCluster(argv: string[], out: (line: string) => void = console.log, until: () => Promise<void> = untilInterrupted): Promise<number> {
  try {
    if (argv.includes('--help') || argv.includes('-h')) {
      console.log(usage);
      return 0;
    }
    return argv[0] === 'fault' ? await fault(argv.slice(1)) : await serve(argv, out, until);
  } catch (e) {
    const usageProblem = e instanceof UsageError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
    if (!usageProblem) throw e;
    console.error(`kubelive demo-cluster: ${(e as Error).message}\n\n${usage}`);
    return 2;
  }
}
