/**
 * The headless commands run the same engine as the dashboard, in Node: `kubelive watch` prints a
 * domain's rows and then every change; `kubelive diagnostics` prints the rows the Diagnostics tab
 * shows. Without `--server` they start `serve --demo` in-process on a free port.
 */
import WebSocket from 'ws';
import type { Engine, SocketLike } from '../adapters/engine/engine.js';
import { createEngine } from '../adapters/engine/engine.js';
import type { RowsChanged } from '../adapters/engine/store.js';
import { isUpstream, type ApiResourceRow, type Row } from '../adapters/protocol.js';
import { ConfigError, parseDuration } from '../machines/config.js';
import type { Domain } from '../machines/domains.js';
import { domainSpec, isDomain, scopeProblem, subscriptionKey } from '../machines/domains.js';
import { createFollower, partialLines } from './diagnosticsFollow.js';
import { resolveDomain, ResourceNameError } from './resourceNames.js';
import { untilSignal } from './signals.js';
import type { WatchEventType, WatchView } from './watchPrinter.js';
import { changeJson, changeLine, endedLine, formatTable, printColumns, rowOrder } from './watchPrinter.js';

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

/**
 * `NAME` or `NAME=scope`. A domain is checked against its scope rules at once; any other name
 * (`deploy`, `cm`) is kept to be resolved over discovery once a backend is there.
 */
function parseDomainSpec(spec: string): DomainSpecArg {
  const [name = '', ...rest] = spec.split('=');
  const scope = rest.join('=');
  if (!isDomain(name)) {
    if (name === '' || name.includes(',')) throw new HeadlessUsageError(`"${spec}" names no domain`);
    return { name, scope };
  }
  const problem = scopeProblem(name, scope);
  if (problem && problem !== 'no scope') throw new HeadlessUsageError(`${name}: ${problem}`);
  return { name, domain: name, scope };
}

interface DomainSpecArg {
  /** What was typed. */
  readonly name: string;
  /** Set when the name is a domain already; otherwise resolved over discovery. */
  readonly domain?: Domain;
  readonly scope: string;
}

/** Resolves every name in `specs` that is no domain yet, over the backend's discovery. */
async function resolveSpecs(server: string, specs: readonly DomainSpecArg[]): Promise<Array<{ domain: Domain; scope: string }>> {
  const discovery = specs.some((s) => s.domain === undefined) ? await fetchDiscovery(server) : null;
  return specs.map((spec) => {
    if (spec.domain !== undefined) return { domain: spec.domain, scope: spec.scope };
    try {
      const { domain, resource } = resolveDomain(spec.name, discovery);
      if (resource && !resource.namespaced && spec.scope !== '') throw new HeadlessUsageError(`${spec.name} is cluster-scoped and takes no scope`);
      const problem = scopeProblem(domain, spec.scope);
      if (problem && problem !== 'no scope') throw new HeadlessUsageError(`${spec.name}: ${problem}`);
      return { domain, scope: spec.scope };
    } catch (error) {
      if (error instanceof ResourceNameError) throw new HeadlessUsageError(error.message);
      throw error;
    }
  });
}

/** Connects to `--server`, or starts the demo backend in-process and returns how to stop it. */
async function backendFor(server: string | null): Promise<{ url: string; stop(): Promise<void> }> {
  if (server) return { url: server, stop: async () => {} };
  // Imported here, not at the top: the backend brings @kubernetes/client-node (about 2,500
  // modules, a second or more to load), which a command given --server never uses.
  const { startBackend } = await import('./backend.js');
  const backend = await startBackend({ demo: true, port: 0 });
  return { url: backend.url, stop: () => backend.stop() };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// ---- watch ------------------------------------------------------------------------------------

export const watchUsage = `Usage: kubelive watch NAME [--scope NS] [--server URL] [--json] [--once]

NAME is any resource name kubectl takes (pods, po, deploy, configmaps, cm, Deployment,
deployments.apps, deployments.v1.apps, widgets.example.com), a domain (core/v1/configmaps),
or one of kubelive's own domains: workloads, helm-releases, api-resources, pod-logs.

Prints the rows as 'kubectl get' prints them as soon as the first snapshot lands, then every
change as one line: time, event (ADDED, MODIFIED, DELETED), kind, namespace/name and the row's
other columns. Without --server it starts 'kubelive serve --demo' in-process.

  --scope NS     a namespace ('' or none = all namespaces); ns/pod[/container] for pod-logs
  --server URL   a running kubelive backend, e.g. http://127.0.0.1:7654/
  --json         one JSON object per line: {"type", "key", "row", "time", "kind", "namespace",
                 "name"} and, for resources, "columns" (the names of row.cells)
  --once         print the rows once and exit

A partial view (a user who may list the kind only in some namespaces) says so on stderr, as the
dashboard does: 'pods in 2 of 7 namespaces (the ones you may list): payments, shop', then each
namespace not shown and why; again whenever that changes. With --json it is a line of its own
on stdout: {"type": "PARTIAL", "key", "time", "partial": {namespaces, refused, total, summary}}.`;

interface WatchArgs extends CommonArgs {
  name: string;
  scope: string;
  once: boolean;
}

export function parseWatchArgs(argv: readonly string[]): WatchArgs | { help: true } {
  let name: string | null = null;
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
    else if (name === null) name = arg;
    else throw new HeadlessUsageError(`unexpected argument "${arg}"`);
  }
  if (name === null) throw new HeadlessUsageError('watch needs a resource name (pods, deploy, configmaps, widgets.example.com...)');
  // A bad namespace is refused before any backend starts; pod-logs' ns/pod scope is checked once resolved.
  const problem = name === 'pod-logs' ? null : scopeProblem('pods', scope);
  if (problem) throw new HeadlessUsageError(problem);
  return { ...args, help: false, name, scope };
}

/**
 * The backend's discovery rows, in the order it serves them; null when it serves none (a backend
 * from before resource domains), and then only the built-in names resolve.
 */
async function fetchDiscovery(server: string): Promise<ApiResourceRow[] | null> {
  const url = new URL('api/v1/snapshot/api-resources?scope=', server.endsWith('/') ? server : `${server}/`);
  let response: Response;
  try {
    response = await fetch(url, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(discoveryTimeoutMs) });
  } catch (error) {
    throw new Error(`cannot read discovery from ${url.origin}: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (response.status === 404) return null;
  if (!response.ok) throw new Error(`discovery: HTTP ${response.status} ${(await response.text()).slice(0, 300)}`);
  const body = (await response.json()) as { items?: unknown };
  return Array.isArray(body.items) ? (body.items as ApiResourceRow[]) : null;
}

/** Discovery may have to ask a large cluster for every group first; past this, something is wrong. */
const discoveryTimeoutMs = 30_000;

interface WatchTarget {
  readonly view: WatchView;
  readonly warnings: readonly string[];
}

/** Resolves the typed name to a domain and checks the scope against what discovery says of it. */
function watchTarget(args: WatchArgs, discovery: ApiResourceRow[] | null): WatchTarget {
  let resolved;
  try {
    resolved = resolveDomain(args.name, discovery);
  } catch (error) {
    if (error instanceof ResourceNameError) throw new HeadlessUsageError(error.message);
    throw error;
  }
  const { domain, resource, warnings } = resolved;
  if (domainSpec(domain).retrieval === 'metrics') {
    throw new HeadlessUsageError(`${domain} are metrics samples, not rows to watch; 'kubelive diagnostics --domains ${domain}' shows how they are retrieved`);
  }
  if (resource) {
    const name = resource.group ? `${resource.resource}.${resource.group}` : resource.resource;
    if (!resource.namespaced && args.scope !== '') throw new HeadlessUsageError(`${name} is cluster-scoped: --scope takes a namespace only for namespaced kinds`);
    const missing = ['list', 'watch'].filter((verb) => !resource.verbs.includes(verb));
    if (missing.length > 0) throw new HeadlessUsageError(`${name} cannot be watched: the server does not allow ${missing.join(' or ')} on it`);
  }
  const problem = scopeProblem(domain, args.scope);
  if (problem === 'no scope') throw new HeadlessUsageError(`${domain} needs --scope namespace/pod[/container]`);
  if (problem) throw new HeadlessUsageError(problem);
  const namespaced = resource ? resource.namespaced : domainSpec(domain).scope === 'namespace';
  const view: WatchView = { domain, scope: args.scope, kind: resource?.kind ?? null, allNamespaces: namespaced && args.scope === '' };
  return { view, warnings };
}

async function upstreamReported(engine: Engine, key: string): Promise<void> {
  for (let waited = 0; waited < upstreamReportWaitMs; waited += 25) {
    if (engine.diagnostics().rows.find((r) => r.key === key)?.upstream) return;
    await sleep(25);
  }
}

/**
 * Calls `listener` whenever the machine of subscription `key` changes, which is when an upstream
 * report reaches it (a status frame changes no row); returns the way to stop.
 */
function onSubscriptionChange(engine: Engine, key: string, listener: () => void): () => void {
  let ref: unknown = null;
  let inner: { unsubscribe(): void } | null = null;
  const attach = () => {
    const entry = engine.actor.getSnapshot().context.subscriptions[key];
    if ((entry?.ref ?? null) === ref) return;
    inner?.unsubscribe();
    ref = entry?.ref ?? null;
    inner = entry ? (entry.ref as { subscribe(next: () => void): { unsubscribe(): void } }).subscribe(() => listener()) : null;
    listener();
  };
  const outer = engine.actor.subscribe(attach);
  attach();
  return () => {
    outer.unsubscribe();
    inner?.unsubscribe();
  };
}

/** Long enough for a machine to take its snapshot's answer; a view that has no upstream report by then has none to tell. */
const upstreamReportWaitMs = 2_000;

function answered(engine: Engine, key: string): boolean {
  const held = engine.store.collection(key);
  return held !== undefined && held.loading === null;
}

/** Waits for the subscription's first answer; throws when it is blocked (refused, forbidden) before one. */
async function firstAnswer(engine: Engine, key: string): Promise<void> {
  // A snapshot arriving as lines puts its first rows in the store marked `loading`: not an answer yet.
  for (let waited = 0; !answered(engine, key); waited += 50) {
    if (waited > 60_000) throw new Error(`no data for ${key} within a minute`);
    const row = engine.diagnostics().rows.find((r) => r.key === key);
    if (row?.state === 'blocked') throw new Error(`${key}: ${row.reason}${row.lastError ? ` (${row.lastError})` : ''}`);
    await sleep(50);
  }
}

/** What an empty first answer says, as kubectl says it; a log's scope is a pod, not a namespace. */
function emptyAnswer(view: WatchView): string {
  if (view.domain === 'pod-logs') return `No log lines yet in ${view.scope}.`;
  return view.allNamespaces || view.scope === '' ? 'No resources found' : `No resources found in ${view.scope} namespace.`;
}

/**
 * Prints the first answer as a table (or as ADDED lines with --json), then every change. Each
 * row is remembered as it arrives, so a delete names the object it removes. The store dropping a
 * subscription's rows (a scope change, a fallback starting afresh) is no delete: what comes back
 * is compared with what was printed.
 */
async function runWatchWith(engine: Engine, args: WatchArgs, view: WatchView, out: (line: string) => void, note: (line: string) => void): Promise<void> {
  const key = subscriptionKey(view.domain, view.scope);
  const printed = new Map<string, Row>();
  const order = rowOrder(view);
  let started = false;
  /** Set as the first rows print (not once firstAnswer next looks, up to 50 ms later): a reader who has seen what it wanted may stop the watch at once. */
  let signalled: Promise<void> | null = null;
  // What the view covers, said again only when it changes (a grant or revocation re-plans it).
  let partialSaid = 'null';
  const sayPartial = () => {
    const partial = engine.diagnostics().rows.find((r) => r.key === key)?.upstream?.partial ?? null;
    const said = JSON.stringify(partial && [partial.summary, partial.namespaces]);
    if (said === partialSaid) return;
    partialSaid = said;
    if (args.json) out(JSON.stringify({ type: 'PARTIAL', key, time: new Date().toISOString(), partial }));
    else if (partial) for (const line of partialLines(partial)) note(line);
    else note(`${view.domain}: every namespace shown again`);
  };
  // Whether the followed log ended for good (its pod deleted), said once as it happens, and once
  // more if a new pod under the name is followed after it. Only a report that is there says so.
  let endedSaid: string | null = null;
  const sayEnded = () => {
    if (view.domain !== 'pod-logs' || !started) return;
    const upstream = engine.diagnostics().rows.find((r) => r.key === key)?.upstream;
    if (!isUpstream(upstream)) return;
    const ended = upstream.ended ?? null;
    if (ended === endedSaid || (ended === null && !upstream.healthy)) return;
    endedSaid = ended;
    if (args.json) out(JSON.stringify({ type: 'ENDED', key, time: new Date().toISOString(), ended }));
    else note(endedLine(view, ended));
  };
  const emit = (type: WatchEventType, row: Row, at: number) => {
    const definitions = engine.store.columns(key);
    out(args.json ? changeJson(type, key, row, view, definitions, at) : changeLine(type, row, view, printColumns(view, definitions), at));
  };
  const printFirst = (rows: Row[], at: number) => {
    rows.sort(order);
    for (const row of rows) printed.set(row.uid, row);
    if (args.json) for (const row of rows) emit('ADDED', row, at);
    else if (rows.length === 0) console.error(emptyAnswer(view));
    else for (const line of formatTable(printColumns(view, engine.store.columns(key)), rows, at)) out(line);
  };
  const onChange = (change: RowsChanged) => {
    if (change.key !== key) return;
    const held = engine.store.collection(key);
    // Rows still arriving as lines are printed once the whole snapshot is in (its columns with it).
    if (!held || held.loading !== null) return;
    const at = Date.now();
    if (!started) {
      started = true;
      if (!args.once) signalled = untilSignal();
      printFirst([...held.rows.values()], at);
      sayEnded();
      return sayPartial();
    }
    sayPartial();
    const uids = change.uids === 'all' ? [...new Set([...printed.keys(), ...held.rows.keys()])] : change.uids;
    const changes: Array<{ type: WatchEventType; row: Row }> = [];
    for (const uid of uids) {
      const now = held.rows.get(uid);
      const before = printed.get(uid);
      if (now && !before) changes.push({ type: 'ADDED', row: now });
      else if (now && before && before.resourceVersion !== now.resourceVersion) changes.push({ type: 'MODIFIED', row: now });
      else if (!now && before) changes.push({ type: 'DELETED', row: before });
      if (now) printed.set(uid, now);
      else printed.delete(uid);
    }
    for (const c of changes.sort((a, b) => order(a.row, b.row))) {
      // A log line leaving the backend's bounded tail is no news to a reader (--json still says it).
      if (c.type === 'DELETED' && view.domain === 'pod-logs' && !args.json) continue;
      emit(c.type, c.row, at);
    }
  };
  const release = engine.subscribe(view.domain, view.scope);
  const stopListening = engine.store.onRowsChanged(onChange);
  const stopHearingReports = onSubscriptionChange(engine, key, sayEnded);
  try {
    await firstAnswer(engine, key);
    if (args.once) {
      // The first answer's rows reach the store a moment before its machine records the upstream
      // report that came with them: a one-shot run waits for that report (briefly) to say whether
      // the view is partial before it exits.
      await upstreamReported(engine, key);
      sayPartial();
      sayEnded();
    } else await (signalled ?? untilSignal());
  } finally {
    stopHearingReports();
    stopListening();
    release();
  }
}

function usageFailure(command: string, error: unknown, usage: string): number | null {
  if (error instanceof HeadlessUsageError || error instanceof ConfigError) {
    console.error(`kubelive ${command}: ${error.message}\n\n${usage}`);
    return 2;
  }
  return null;
}

export async function runWatch(argv: string[], out: (line: string) => void = console.log, note: (line: string) => void = console.error): Promise<number> {
  let args;
  try {
    args = parseWatchArgs(argv);
  } catch (error) {
    const code = usageFailure('watch', error, watchUsage);
    if (code !== null) return code;
    throw error;
  }
  if (args.help) {
    console.log(watchUsage);
    return 0;
  }
  const backend = await backendFor(args.server);
  let engine: Engine | null = null;
  try {
    const target = watchTarget(args, await fetchDiscovery(backend.url));
    for (const warning of target.warnings) console.error(`kubelive watch: warning: ${warning}`);
    engine = createEngine({ server: backend.url, socket: nodeSocket });
    await runWatchWith(engine, args, target.view, out, note);
    return 0;
  } catch (error) {
    // A name that resolves to nothing is the user's to fix: the message says how, without the whole usage.
    if (error instanceof HeadlessUsageError) {
      console.error(`kubelive watch: ${error.message}`);
      return 2;
    }
    console.error(`kubelive watch: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  } finally {
    engine?.stop();
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

  --domains LIST   domains or any resource names kubectl takes (deploy, cm,
                   widgets.example.com), each optionally with =scope (default: nodes,pods,
                   workloads,namespaces,events,node-metrics,pod-metrics)
  --json           JSON: one object per print, {at, connection, rows, metricsIntervalMs,
                   rejected, framesRefused}; with --follow a line only when something
                   changed, naming the row keys in "changed" ("connection" for the socket)
  --follow         keep watching until interrupted: on a terminal the table is redrawn in
                   place every --interval; piped, the table is printed once and then only
                   the rows that changed, one line each, stamped with the time
  --interval D     how often --follow looks (default 1s)
  --settle D       how long to let subscriptions settle before the first print (default 3s)
  --metrics-interval D   the metrics cadence to run with (default 5s)`;

interface DiagnosticsArgs extends CommonArgs {
  domains: DomainSpecArg[];
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
    .map(parseDomainSpec);
  if (args.domains.length === 0) throw new HeadlessUsageError('--domains is empty');
  return args;
}

export async function runDiagnostics(
  argv: string[],
  write: (text: string) => void = (text) => void process.stdout.write(text),
  output: { isTTY: boolean; columns: () => number } = { isTTY: process.stdout.isTTY === true, columns: () => process.stdout.columns ?? 80 },
): Promise<number> {
  let args;
  try {
    args = parseDiagnosticsArgs(argv);
  } catch (error) {
    const code = usageFailure('diagnostics', error, diagnosticsUsage);
    if (code !== null) return code;
    throw error;
  }
  if (args.help) {
    console.log(diagnosticsUsage);
    return 0;
  }
  const backend = await backendFor(args.server);
  let domains;
  try {
    domains = await resolveSpecs(backend.url, args.domains);
  } catch (error) {
    await backend.stop();
    if (error instanceof HeadlessUsageError) {
      console.error(`kubelive diagnostics: ${error.message}`);
      return 2;
    }
    throw error;
  }
  const engine = createEngine({
    server: backend.url,
    socket: nodeSocket,
    config: args.metricsIntervalMs ? { metricsIntervalMs: args.metricsIntervalMs } : {},
  });
  const releases = domains.map(({ domain, scope }) => engine.subscribe(domain, scope));
  const follow = createFollower(args.json ? 'json' : output.isTTY ? 'terminal' : 'piped', output.columns);
  const print = () => {
    const text = follow({ diagnostics: engine.diagnostics(), framesRefused: engine.counters.framesRefused, at: Date.now() });
    if (text !== '') write(text);
  };
  // Listening before the first line is printed: a reader that stops us as soon as it has seen a
  // line must not meet the default action of SIGTERM (as `kubelive watch` once did).
  let stopped = false;
  if (args.follow) {
    void untilSignal().then(() => {
      stopped = true;
    });
  }
  try {
    await sleep(args.settleMs);
    if (!stopped) print();
    if (args.follow) {
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
