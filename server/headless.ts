/**
 * The headless commands run the same engine as the dashboard, in Node: `kubelive watch` prints a
 * domain's rows and then every change; `kubelive diagnostics` prints the rows the Diagnostics tab
 * shows. Without `--server` they start `serve --demo` in-process on a free port.
 */
import WebSocket from 'ws';
import type { Engine, SocketLike } from '../adapters/engine/engine.js';
import { createEngine } from '../adapters/engine/engine.js';
import type { Row } from '../adapters/protocol.js';
import { ConfigError, parseDuration } from '../machines/config.js';
import type { DiagnosticsRow } from '../machines/diagnostics.js';
import type { Domain } from '../machines/domains.js';
import { domainNames, isDomain, scopeProblem, subscriptionKey } from '../machines/domains.js';
import { startBackend } from './backend.js';
import { untilSignal } from './signals.js';

export class HeadlessUsageError extends Error {}

const nodeSocket = (url: string) => new WebSocket(url) as unknown as SocketLike;

interface CommonArgs {
  server: string | null;
  json: boolean;
  help: boolean;
  metricsIntervalMs: number | null;
}

function takeValue(argv: readonly string[], i: number, flag: string): string {
  const value = argv[i + 1];
  if (value === undefined || value.startsWith('--')) throw new HeadlessUsageError(`${flag} needs a value`);
  return value;
}

function checkServer(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new HeadlessUsageError(`--server: "${url}" is not a URL (try http://127.0.0.1:7654/)`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new HeadlessUsageError('--server must be an http(s) URL');
  return parsed.toString();
}

/** `domain` or `domain=scope`, checked against the domain's scope rules. */
function parseDomainSpec(spec: string, defaultScope: string): { domain: Domain; scope: string } {
  const [name, ...rest] = spec.split('=');
  if (!isDomain(name)) throw new HeadlessUsageError(`unknown domain "${name}" (one of ${domainNames.join(', ')})`);
  const scope = rest.length > 0 ? rest.join('=') : name === 'nodes' || name === 'namespaces' || name === 'node-metrics' ? '' : defaultScope;
  const problem = scopeProblem(name, scope);
  if (problem && problem !== 'no scope') throw new HeadlessUsageError(`${name}: ${problem}`);
  return { domain: name, scope };
}

/** Connects to `--server`, or starts the demo backend in-process and returns how to stop it. */
async function backendFor(server: string | null): Promise<{ url: string; stop(): Promise<void> }> {
  if (server) return { url: server, stop: async () => {} };
  const backend = await startBackend({ demo: true, port: 0 });
  return { url: backend.url, stop: () => backend.stop() };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// ---- watch ------------------------------------------------------------------------------------

export const watchUsage = `Usage: kubelive watch <domain> [--scope S] [--server URL] [--json] [--once]

Prints the domain's rows as soon as the first snapshot lands, then every change
(ADDED, MODIFIED, DELETED), as the engine sees them. Without --server it starts
'kubelive serve --demo' in-process.

  --scope S      namespace for pods, workloads, events ('' = all); ns/pod[/container] for pod-logs
  --server URL   a running kubelive backend, e.g. http://127.0.0.1:7654/
  --json         one JSON object per line: {"type", "key", "row"}
  --once         print the rows once and exit`;

interface WatchArgs extends CommonArgs {
  domain: Domain;
  scope: string;
  once: boolean;
}

export function parseWatchArgs(argv: readonly string[]): WatchArgs | { help: true } {
  let domain: string | null = null;
  let scope = '';
  const args = { server: null as string | null, json: false, once: false, metricsIntervalMs: null as number | null };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--help' || arg === '-h') return { help: true };
    else if (arg === '--json') args.json = true;
    else if (arg === '--once') args.once = true;
    else if (arg === '--scope') scope = takeValue(argv, i++, arg);
    else if (arg === '--server') args.server = checkServer(takeValue(argv, i++, arg));
    else if (arg.startsWith('--')) throw new HeadlessUsageError(`unknown option ${arg}`);
    else if (domain === null) domain = arg;
    else throw new HeadlessUsageError(`unexpected argument "${arg}"`);
  }
  if (domain === null) throw new HeadlessUsageError('watch needs a domain');
  const spec = parseDomainSpec(`${domain}=${scope}`, scope);
  return { ...args, help: false, domain: spec.domain, scope: spec.scope };
}

function describeRow(row: Row): string {
  const r = row as unknown as Record<string, unknown>;
  const where = typeof r.namespace === 'string' ? `${r.namespace}/` : '';
  const fields = ['kind', 'phase', 'ready', 'restarts', 'nodeName', 'unschedulable', 'reason', 'line']
    .filter((f) => r[f] !== undefined && r[f] !== null && r[f] !== '')
    .map((f) => `${f}=${typeof r[f] === 'string' ? r[f] : JSON.stringify(r[f])}`);
  return `${where}${row.name} ${fields.join(' ')}`.trim();
}

async function runWatchWith(engine: Engine, args: WatchArgs, out: (line: string) => void): Promise<void> {
  const key = subscriptionKey(args.domain, args.scope);
  const seen = new Map<string, string>();
  const print = (type: 'ADDED' | 'MODIFIED' | 'DELETED', row: Row) =>
    out(args.json ? JSON.stringify({ type, key, row }) : `${type.padEnd(8)} ${describeRow(row)}`);
  const diff = () => {
    if (!engine.store.collection(key)) return;
    const now = new Map(engine.store.rows(key).map((row) => [row.uid, row] as const));
    for (const [uid, row] of now) {
      const before = seen.get(uid);
      if (before === undefined) print('ADDED', row);
      else if (before !== row.resourceVersion) print('MODIFIED', row);
      seen.set(uid, row.resourceVersion);
    }
    for (const [uid, rv] of [...seen]) {
      if (!now.has(uid)) {
        print('DELETED', { uid, resourceVersion: rv, name: uid } as Row);
        seen.delete(uid);
      }
    }
  };
  const release = engine.subscribe(args.domain, args.scope);
  const stopListening = engine.store.subscribe(diff);
  try {
    if (args.once) {
      for (let waited = 0; !engine.store.collection(key); waited += 50) {
        if (waited > 60_000) throw new Error(`no data for ${key} within a minute`);
        const row = engine.diagnostics().rows.find((r) => r.key === key);
        if (row?.state === 'blocked') throw new Error(`${key}: ${row.reason}${row.lastError ? ` (${row.lastError})` : ''}`);
        await sleep(50);
      }
      diff();
      return;
    }
    await untilSignal();
  } finally {
    stopListening();
    release();
  }
}

export async function runWatch(argv: string[], out: (line: string) => void = console.log): Promise<number> {
  let args;
  try {
    args = parseWatchArgs(argv);
  } catch (error) {
    if (error instanceof HeadlessUsageError || error instanceof ConfigError) {
      console.error(`kubelive watch: ${error.message}\n\n${watchUsage}`);
      return 2;
    }
    throw error;
  }
  if (args.help) {
    console.log(watchUsage);
    return 0;
  }
  const backend = await backendFor(args.server);
  const engine = createEngine({ server: backend.url, socket: nodeSocket });
  try {
    await runWatchWith(engine, args, out);
    return 0;
  } catch (error) {
    console.error(`kubelive watch: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  } finally {
    engine.stop();
    await backend.stop();
  }
}

// ---- diagnostics ------------------------------------------------------------------------------

export const diagnosticsUsage = `Usage: kubelive diagnostics [--server URL] [--domains a,b=scope,...] [--json] [--follow] [--interval 1s]

Runs the engine for the given domains and prints, for each domain and scope, what the
dashboard's Diagnostics tab shows: state, retrieval mode, health and reason, whether the
stream is connected and delivering, whether snapshot polling is on and at what interval,
the backend's upstream list-watch state and the age of its proof, and the end-to-end proof's
age against the freshness bound. Without --server it starts the demo backend.

  --domains LIST   domains, each optionally with =scope (default: nodes,pods,workloads,
                   namespaces,events,node-metrics,pod-metrics)
  --json           JSON: one object per print, {connection, rows, metricsIntervalMs}
  --follow         keep printing every --interval until interrupted
  --interval D     print cadence with --follow (default 1s)
  --settle D       how long to let subscriptions settle before the first print (default 3s)
  --metrics-interval D   the metrics cadence to run with (default 5s)`;

interface DiagnosticsArgs extends CommonArgs {
  domains: Array<{ domain: Domain; scope: string }>;
  follow: boolean;
  intervalMs: number;
  settleMs: number;
}

const defaultDomains = 'nodes,pods,workloads,namespaces,events,node-metrics,pod-metrics';

export function parseDiagnosticsArgs(argv: readonly string[]): DiagnosticsArgs | { help: true } {
  const args: DiagnosticsArgs = {
    server: null,
    json: false,
    help: false,
    follow: false,
    intervalMs: 1000,
    settleMs: 3000,
    metricsIntervalMs: null,
    domains: [],
  };
  let list = defaultDomains;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--help' || arg === '-h') return { help: true };
    else if (arg === '--json') args.json = true;
    else if (arg === '--follow') args.follow = true;
    else if (arg === '--server') args.server = checkServer(takeValue(argv, i++, arg));
    else if (arg === '--domains') list = takeValue(argv, i++, arg);
    else if (arg === '--interval') args.intervalMs = parseDuration(takeValue(argv, i++, arg), arg);
    else if (arg === '--settle') args.settleMs = parseDuration(takeValue(argv, i++, arg), arg);
    else if (arg === '--metrics-interval') args.metricsIntervalMs = parseDuration(takeValue(argv, i++, arg), arg);
    else throw new HeadlessUsageError(`unknown option ${arg}`);
  }
  args.domains = list
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((spec) => parseDomainSpec(spec, ''));
  if (args.domains.length === 0) throw new HeadlessUsageError('--domains is empty');
  return args;
}

const age = (ms: number | null) => (ms === null ? '-' : ms < 10_000 ? `${(ms / 1000).toFixed(1)}s` : `${Math.round(ms / 1000)}s`);

export function formatDiagnosticsRow(r: DiagnosticsRow): string[] {
  const stream = r.stream ? `${r.stream.connected ? 'connected' : 'not connected'}${r.stream.delivering ? ', delivering' : ''} (last ${age(r.stream.lastDeliveryAgeMs)})` : 'none';
  const polling = r.polling.enabled ? `on, every ${age(r.polling.intervalMs)}` : 'paused';
  const upstream = r.upstream
    ? `${r.upstream.state}${r.upstream.healthy ? '' : ' (unhealthy)'}${r.upstreamProofAgeMs === null ? '' : `, proven ${age(r.upstreamProofAgeMs)} ago`}`
    : '-';
  // The end-to-end proof (oldest of upstream proof, delivery, agreement) against the bound.
  const proof = r.stream ? `${r.proofAgeMs === null ? 'none' : age(r.proofAgeMs)} / ${age(r.freshnessBoundMs)}` : '-';
  return [r.domain, r.scope || '(all)', r.state, r.mode, r.health, r.reason ?? '-', stream, polling, upstream, proof, age(r.dataAgeMs)];
}

export function formatDiagnosticsTable(rows: readonly DiagnosticsRow[]): string {
  const header = ['DOMAIN', 'SCOPE', 'STATE', 'MODE', 'HEALTH', 'REASON', 'STREAM', 'POLLING', 'UPSTREAM', 'PROOF / BOUND', 'DATA AGE'];
  const lines = [header, ...rows.map(formatDiagnosticsRow)];
  const widths = header.map((_, i) => Math.max(...lines.map((l) => (l[i] ?? '').length)));
  return lines.map((l) => l.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
}

export async function runDiagnostics(argv: string[], out: (line: string) => void = console.log): Promise<number> {
  let args;
  try {
    args = parseDiagnosticsArgs(argv);
  } catch (error) {
    if (error instanceof HeadlessUsageError || error instanceof ConfigError) {
      console.error(`kubelive diagnostics: ${error.message}\n\n${diagnosticsUsage}`);
      return 2;
    }
    throw error;
  }
  if (args.help) {
    console.log(diagnosticsUsage);
    return 0;
  }
  const backend = await backendFor(args.server);
  const engine = createEngine({
    server: backend.url,
    socket: nodeSocket,
    config: args.metricsIntervalMs ? { metricsIntervalMs: args.metricsIntervalMs } : {},
  });
  const releases = args.domains.map(({ domain, scope }) => engine.subscribe(domain, scope));
  const print = () => {
    const d = engine.diagnostics();
    if (args.json) out(JSON.stringify({ at: new Date().toISOString(), ...d }));
    else {
      const c = d.connection;
      out(`connection: ${c ? `${c.state} (connects ${c.connects}, disconnects ${c.disconnects})` : 'none'}; metrics every ${age(d.metricsIntervalMs)}`);
      out(formatDiagnosticsTable(d.rows));
      if (engine.counters.framesRefused > 0) out(`frames refused behind a fresh read from the API server: ${engine.counters.framesRefused}`);
      if (d.rejected.length > 0) out(`refused: ${d.rejected.join('; ')}`);
    }
  };
  try {
    await sleep(args.settleMs);
    print();
    if (args.follow) {
      let stopped = false;
      void untilSignal().then(() => {
        stopped = true;
      });
      while (!stopped) {
        await sleep(args.intervalMs);
        if (!stopped) print();
      }
    }
    return 0;
  } finally {
    for (const release of releases) release();
    engine.stop();
    await backend.stop();
  }
}
