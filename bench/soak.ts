/**
 * The chaos soak: `npm run soak -- --minutes N [--seed S]`.
 *
 * A demo cluster with churn (in a child process), a backend and an engine holding several views,
 * scoped and unscoped. A seeded schedule deals bursts of faults from both fault surfaces. All
 * the while a checker asks, four times a second, whether any view is older than its staleness
 * bound while its diagnostics still call it healthy, and a second checker, every second, compares
 * what each view holds with the cluster's own objects (never the backend's cache): a view that
 * disagrees with the cluster for longer than the freshness bound while it says healthy fails. After each burst the faults are cleared,
 * churn pauses, and every view must equal the cluster object by object within the convergence
 * bound. At the end: leaks (timers, actors, sockets, backend clients, upstream watches) and heap
 * growth. Exits 1 on any stale-but-healthy view, divergence, leak or heap growth.
 */
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { createEngine, type Engine } from '../adapters/engine/engine.js';
import { resolveConfig, type ConfigOverrides } from '../machines/config.js';
import type { FaultName } from '../demo-cluster/index.js';
import { faultNames } from '../demo-cluster/faults.js';
import type { Domain } from '../machines/domains.js';
import { startBackend, type Backend } from '../server/backend.js';
import type { UpstreamDiagnostics } from '../server/upstreams.js';
import { ChildCluster } from './cluster.js';
import {
  compareVersions,
  describeDivergence,
  heapGrowthProblem,
  leakProblems,
  staleButHealthy,
  TruthTracker,
  truthBound,
  viewAges,
  type Divergence,
} from './soakChecks.js';
import { canCollect, countingSockets, mb, seededRandom, settledHeap, sleep, storeVersions, waitUntil } from './support.js';

/**
 * Short intervals, so that a one-minute soak sees every fault's whole cycle (detect, fall back,
 * recover) several times. They keep the ratios of the defaults: stall = 4 heartbeats, pending
 * above the heartbeat. The cluster bookmarks once a minute as real API servers do, and the
 * upstream keeps its default silence timeout: only the freshness proof may catch a quiet watch.
 */
export const soakConfig: ConfigOverrides = {
  heartbeatIntervalMs: 500,
  stallTimeoutMs: 2000,
  pendingTimeoutMs: 2500,
  degradeTimeoutMs: 5000,
  backoffBaseMs: 100,
  backoffCapMs: 2000,
  metricsIntervalMs: 2000,
  upstreamIdleGraceMs: 1000,
  freshnessBoundMs: 3000,
  snapshotPollIntervalMs: { nodes: 2000, pods: 2000, workloads: 2000, namespaces: 2000, events: 2000 },
};
const config = resolveConfig(soakConfig);

/**
 * After the faults are cleared: an upstream backing off (cap 2 s) or forbidden (re-list in 4 s),
 * a socket reconnecting (cap 2 s), then one poll interval (2 s) or a stream reset; doubled, plus
 * room for a busy machine.
 */
const convergenceBoundMs = 2 * (2 * config.backoffCapMs + config.snapshotPollIntervalMs.pods) + 5000;
const checkEveryMs = 250;
/** The truth check reads every view's objects from the cluster process: once a second is plenty. */
const truthEveryMs = 1000;

/**
 * An upstream watch that goes quiet (held events, or a black-holed connection) is only caught by
 * the freshness proof, after the bound: such a fault lasts longer than the bound, or the soak
 * would never see a view live through one.
 */
const upstreamSilences: readonly FaultKind[] = ['stall-watches', 'blackhole-watches'];

/**
 * A watch that lags (every line sent late, `lag-watches`) goes alone and lasts past the bound as
 * a silence does: short of the bound its proofs must date the cache by when the probe asked, not
 * by when the late lines arrived, and past it the lag is a silence. The lags: two short of the
 * bound (a probe's bookmark still arrives, 1 s plus the lag after it asked), one a little short
 * of it (the bookmark no longer arrives before the probe's 3 s deadline; only the changes do,
 * and a proof that old is stale), one past it.
 */
const watchLagsMs: readonly number[] = [600, 1500, 2500, 4500];

/** What only the freshness proof catches, silences and lags: each goes alone and lasts past the bound. */
const pastTheBound: readonly FaultKind[] = [...upstreamSilences, 'lag-watches'];

type FaultKind =
  | 'kill-sockets'
  | 'stall-stream'
  | 'drop-frame'
  | 'drop-watches'
  | 'stall-watches'
  | 'blackhole-watches'
  | 'lag-watches'
  | 'expire-410'
  | 'fail-lists-500'
  | 'forbid-403'
  | 'slow-api'
  | 'stop-metrics'
  | 'backend-restart'
  | 'slow-client'
  | 'busy-engine';

const faultKinds: readonly FaultKind[] = [
  'kill-sockets',
  'stall-stream',
  'drop-frame',
  'drop-watches',
  'stall-watches',
  // Only where the demo cluster has the fault (it arrived with issue 11).
  ...((faultNames as readonly string[]).includes('blackhole-watches') ? (['blackhole-watches'] as const) : []),
  'lag-watches',
  'expire-410',
  'fail-lists-500',
  'forbid-403',
  'slow-api',
  'stop-metrics',
  'backend-restart',
  'slow-client',
  'busy-engine',
];

/**
 * Faults of the API server, set together on one resource. `drop-watches` makes the others bite
 * at once: the upstream re-watches (or relists, after `expire`) into them.
 */
const clusterFaults: Partial<Record<FaultKind, readonly FaultName[]>> = {
  'drop-watches': ['drop-watches'],
  'stall-watches': ['stall-watches'],
  'blackhole-watches': ['blackhole-watches' as FaultName],
  'lag-watches': ['lag-watches'],
  'expire-410': ['expire', 'drop-watches'],
  // Lists fail while a forced 410 makes the upstream relist: it must back off and say so.
  'fail-lists-500': ['fail-lists', 'expire', 'drop-watches'],
  'forbid-403': ['forbid', 'drop-watches'],
  'slow-api': ['slow', 'drop-watches'],
  'stop-metrics': ['stop-metrics'],
};

const resources = ['pods', 'nodes', 'events', 'deployments', 'replicasets', 'namespaces', 'configmaps'] as const;

interface Args {
  minutes: number;
  seed: number;
  pods: number;
  churn: number;
  json: boolean;
}

function parse(argv: string[]): Args {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      minutes: { type: 'string', default: '1' },
      seed: { type: 'string', default: '1' },
      pods: { type: 'string', default: '600' },
      churn: { type: 'string', default: '20' },
      json: { type: 'boolean', default: false },
    },
  });
  const number = (name: string, text: string, min: number) => {
    const n = Number(text);
    if (!Number.isFinite(n) || n < min) throw new Error(`--${name}: "${text}" must be a number ≥ ${min}`);
    return n;
  };
  return {
    minutes: number('minutes', values.minutes!, 0.1),
    seed: number('seed', values.seed!, 0),
    pods: number('pods', values.pods!, 10),
    churn: number('churn', values.churn!, 0),
    json: values.json!,
  };
}

/** A shuffled deck of fault kinds, dealt one or two per burst, so a short run sees many kinds. */
class FaultSchedule {
  private deck: FaultKind[] = [];
  constructor(private readonly random: () => number) {}

  pick<T>(list: readonly T[]): T {
    return list[Math.floor(this.random() * list.length)]!;
  }

  between(min: number, max: number): number {
    return Math.round(min + this.random() * (max - min));
  }

  private draw(): FaultKind {
    if (this.deck.length === 0) {
      this.deck = [...faultKinds];
      for (let i = this.deck.length - 1; i > 0; i--) {
        const j = Math.floor(this.random() * (i + 1));
        [this.deck[i], this.deck[j]] = [this.deck[j]!, this.deck[i]!];
      }
    }
    return this.deck.pop()!;
  }

  nextBurst(): FaultKind[] {
    // A restart goes alone; so does an upstream silence, which a stream fault beside it would
    // hide (the view would fall back for the stream's sake, never showing what the proof caught).
    const alone = (kind: FaultKind) => kind === 'backend-restart' || pastTheBound.includes(kind);
    const first = this.draw();
    if (alone(first) || this.random() < 0.5) return [first];
    const second = this.draw();
    if (alone(second)) {
      this.deck.unshift(second); // alone, later
      return [first];
    }
    return second === first ? [first] : [first, second];
  }
}

interface Stats {
  injected: Record<string, number>;
  survived: Record<string, number>;
  bursts: number;
  checks: number;
  staleButHealthy: string[];
  /** Healthy views that disagreed with the cluster past the freshness bound. */
  wrongButHealthy: string[];
  worstDisagreementWhileHealthyMs: number;
  truthChecks: number;
  divergences: string[];
  worstAgeMs: number;
  worstHealthyAgeMs: number;
  worstLateMs: number;
  convergenceMs: number[];
  heap: number[];
}

async function main(): Promise<number> {
  const args = parse(process.argv.slice(2));
  const random = seededRandom(args.seed);
  const schedule = new FaultSchedule(random);
  if (!canCollect) console.warn('soak: run with node --expose-gc for a meaningful heap comparison');
  const log = (line: string) => {
    if (!args.json) console.log(`[${((performance.now() - began) / 1000).toFixed(1).padStart(6)} s] ${line}`);
  };
  const began = performance.now();

  const cluster = await ChildCluster.start({ nodes: 4, pods: args.pods, namespaces: 7, seed: args.seed, bookmarkIntervalMs: 60_000, metricsResolutionMs: 1000 });
  await cluster.setChurn(args.churn);
  const startOptions = { kubeconfigYaml: cluster.kubeconfigYaml, allowFaults: true, config: soakConfig };
  let backend: Backend = await startBackend({ ...startOptions, port: 0 });
  const port = backend.port;
  const sockets = countingSockets();
  const engine: Engine = createEngine({ server: backend.url, config: soakConfig, socket: sockets.factory });

  // The namespace with the most pods makes the scoped view.
  const namespace = await busiestNamespace(cluster);
  const views: Array<[Domain, string]> = [
    ['pods', ''],
    ['pods', namespace],
    ['nodes', ''],
    ['workloads', ''],
    ['events', ''],
    ['namespaces', ''],
    ['node-metrics', ''],
    // Kinds from discovery, held as the API server's printed rows: one cluster-wide, one scoped.
    ['core/v1/configmaps', ''],
    ['apps/v1/deployments', namespace],
  ];
  const releases = views.map(([domain, scope]) => engine.subscribe(domain, scope));
  log(`views: ${views.map(([d, s]) => `${d}:${s}`).join(', ')}; seed ${args.seed}, ${args.pods} pods, churn ${args.churn}/s`);

  const stats: Stats = {
    injected: {},
    survived: {},
    bursts: 0,
    checks: 0,
    staleButHealthy: [],
    wrongButHealthy: [],
    worstDisagreementWhileHealthyMs: 0,
    truthChecks: 0,
    divergences: [],
    worstAgeMs: 0,
    worstHealthyAgeMs: 0,
    worstLateMs: 0,
    convergenceMs: [],
    heap: [],
  };

  const allHealthy = () => engine.diagnostics().rows.every((r) => r.health === 'healthy');
  if (!(await waitUntil(allHealthy, 60_000, 100))) {
    log(`not every view became healthy in 60 s: ${summary(engine)}`);
  }

  // The staleness checker: its own lateness is the allowance for timers held up by a busy loop.
  let lastCheck = performance.now();
  let staleDuringBurst = 0;
  const checker = setInterval(() => {
    const now = performance.now();
    const lateMs = now - lastCheck - checkEveryMs;
    lastCheck = now;
    stats.worstLateMs = Math.max(stats.worstLateMs, lateMs);
    stats.checks++;
    const ages = viewAges(engine);
    for (const v of ages) {
      if (v.ageMs === null) continue;
      stats.worstAgeMs = Math.max(stats.worstAgeMs, v.ageMs);
      if (v.health === 'healthy') stats.worstHealthyAgeMs = Math.max(stats.worstHealthyAgeMs, v.ageMs);
    }
    for (const v of staleButHealthy(ages, lateMs)) {
      staleDuringBurst++;
      const line = `${v.key} is ${v.ageMs} ms old (bound ${v.boundMs} ms, timer ${Math.round(lateMs)} ms late) and says healthy`;
      stats.staleButHealthy.push(line);
      log(`STALE BUT HEALTHY: ${line}`);
    }
  }, checkEveryMs);

  // The truth checker: each view against the cluster's own objects, never against the backend.
  // The past kept for matching: a few bounds is enough to tell stale from late, and keeps the
  // checker's own memory out of the heap verdict.
  const truth = new TruthTracker(3 * config.freshnessBoundMs);
  let truthRunning = true;
  const truthLoop = (async () => {
    while (truthRunning) {
      const startedAt = performance.now();
      for (const [domain, scope] of views) {
        if (domain === 'node-metrics') continue;
        const key = `${domain}:${scope}`;
        let clusterVersions: string[];
        try {
          clusterVersions = await cluster.versions(domain, scope || undefined);
        } catch {
          continue; // the cluster process is busy or restarting a fault: no verdict this round
        }
        const row = engine.diagnostics().rows.find((r) => r.key === key);
        const seen = truth.observe(key, clusterVersions, storeVersions(engine.store, key), Date.now());
        stats.truthChecks++;
        if (row?.health !== 'healthy') continue;
        stats.worstDisagreementWhileHealthyMs = Math.max(stats.worstDisagreementWhileHealthyMs, seen.oldestMs);
        const lateMs = performance.now() - startedAt;
        const bound = truthBound(config, truthEveryMs, lateMs);
        if (seen.oldestMs > bound) {
          staleDuringBurst++;
          const line = `${key} has disagreed with the cluster for ${seen.oldestMs} ms (${seen.disagreeing} objects; bound ${Math.round(bound)} ms) and says healthy`;
          stats.wrongButHealthy.push(line);
          log(`WRONG BUT HEALTHY: ${line}`);
        }
      }
      await sleep(Math.max(0, truthEveryMs - (performance.now() - startedAt)));
    }
  })();

  async function converge(label: string): Promise<Divergence[]> {
    await cluster.setChurn(0);
    const from = performance.now();
    let last: Divergence[] = [];
    const done = await waitUntil(
      async () => {
        last = await divergences(engine, cluster, views);
        return last.length === 0;
      },
      convergenceBoundMs,
      200,
    );
    if (done) stats.convergenceMs.push(Math.round(performance.now() - from));
    else {
      for (const d of last) {
        const line = `${label}: ${describeDivergence(d)}; ${summary(engine)}`;
        stats.divergences.push(line);
        log(`DIVERGED: ${line}`);
      }
    }
    stats.heap.push(await settledHeap());
    await cluster.setChurn(args.churn);
    return done ? [] : last;
  }

  async function debugFault(body: object | null): Promise<void> {
    await fetch(`${backend.url}_debug/faults`, {
      method: body ? 'POST' : 'DELETE',
      headers: { 'content-type': 'application/json' },
      ...(body ? { body: JSON.stringify(body) } : {}),
    }).catch(() => undefined);
  }

  const slowClients: WebSocket[] = [];
  /** Starts a fault; returns how to end it. */
  async function inject(kind: FaultKind): Promise<() => Promise<void>> {
    const resource = schedule.pick(resources);
    const onCluster = clusterFaults[kind];
    if (onCluster) {
      const ms = (fault: FaultName) => (fault === 'slow' ? schedule.between(200, 1500) : fault === 'lag-watches' ? schedule.pick(watchLagsMs) : undefined);
      for (const fault of onCluster) {
        const faultMs = ms(fault);
        // Named, so a view that ends the burst degraded can be read as the faulted resource's or a bystander's.
        if (fault === 'lag-watches') log(`  ${resource} watches ${faultMs} ms late`);
        else if (fault !== 'stop-metrics') log(`  ${fault} on ${resource}${faultMs !== undefined ? ` (${faultMs} ms)` : ''}`);
        await cluster.fault(fault, fault === 'stop-metrics' ? undefined : resource, faultMs);
      }
      return () => cluster.clearFaults().then(() => undefined);
    }
    switch (kind) {
      case 'kill-sockets':
        await debugFault({ fault: 'close-streams', ms: schedule.between(300, 3000) });
        return () => debugFault(null);
      case 'stall-stream':
        await debugFault({ fault: 'stall-streams' });
        return () => debugFault(null);
      case 'drop-frame':
        await debugFault({ fault: 'drop-next-frame' });
        return () => debugFault(null);
      case 'backend-restart': {
        await backend.stop();
        await sleep(schedule.between(200, 2000));
        backend = await startBackend({ ...startOptions, port });
        return async () => {};
      }
      case 'slow-client': {
        // A client that stops reading while pods and events stream to it: backpressure must
        // bound what the backend keeps for it, and nobody else may notice.
        const ws = new WebSocket(`ws://127.0.0.1:${port}/api/v1/stream`);
        slowClients.push(ws);
        ws.on('error', () => undefined);
        await new Promise<void>((resolve) => {
          ws.once('open', () => resolve());
          ws.once('close', () => resolve());
        });
        if (ws.readyState === WebSocket.OPEN) {
          ws.send(JSON.stringify({ type: 'subscribe', id: 'slow-pods', domain: 'pods', scope: '' }));
          ws.send(JSON.stringify({ type: 'subscribe', id: 'slow-events', domain: 'events', scope: '' }));
          await sleep(100);
          ws.pause();
        }
        return async () => {
          ws.resume();
          ws.close();
        };
      }
      case 'busy-engine': {
        // A long task (a big render, a GC pause) on the one thread engine and backend share.
        const until = performance.now() + schedule.between(200, 900);
        while (performance.now() < until) {
          // busy on purpose
        }
        return async () => {};
      }
      default:
        throw new Error(`no way to inject ${kind}`);
    }
  }

  await converge('start');
  const startHeap = stats.heap[0]!;
  log(`converged at start; heap ${mb(startHeap)}`);

  const deadline = began + args.minutes * 60_000;
  while (performance.now() < deadline - 3000) {
    const burst = schedule.nextBurst();
    stats.bursts++;
    staleDuringBurst = 0;
    log(`burst ${stats.bursts}: ${burst.join(' + ')}`);
    const enders: Array<() => Promise<void>> = [];
    for (const kind of burst) {
      stats.injected[kind] = (stats.injected[kind] ?? 0) + 1;
      enders.push(await inject(kind));
    }
    const outlastsBound = burst.some((kind) => pastTheBound.includes(kind));
    await sleep(outlastsBound ? schedule.between(config.freshnessBoundMs + 2000, config.freshnessBoundMs + 5000) : schedule.between(1000, 5000));
    for (const end of enders) await end();
    const diverged = await converge(`after ${burst.join(' + ')}`);
    if (diverged.length === 0 && staleDuringBurst === 0) for (const kind of burst) stats.survived[kind] = (stats.survived[kind] ?? 0) + 1;
    log(`  converged: ${diverged.length === 0 ? `yes, in ${stats.convergenceMs.at(-1)} ms` : 'NO'}; ${summary(engine)}`);
    log(`  backend: ${await upstreamsInTrouble(backend.url)}`);
    await sleep(schedule.between(500, 2000));
  }

  clearInterval(checker);
  truthRunning = false;
  await truthLoop;
  const endHeap = stats.heap.at(-1)!;

  // Leaks: release every view, let the linger pass, then stop.
  for (const release of releases) release();
  await sleep(config.unsubscribeLingerMs + 500);
  const snapshot = engine.actor.getSnapshot();
  const actorsLeft = Object.keys(snapshot.context.subscriptions).length + Object.keys(snapshot.children).filter((id) => id !== 'connection').length;
  engine.stop();
  const timersLeft = engine.clock.active;
  for (const ws of slowClients) ws.terminate();
  await waitUntil(() => sockets.closed === sockets.opened, 3000);
  const backendClients = await waitUntil(async () => {
    const d = (await (await fetch(`${backend.url}api/v1/diagnostics`)).json()) as { clients: unknown[] };
    return d.clients.length === 0 ? 0 : false;
  }, 3000);
  const clientsLeft = backendClients ?? ((await (await fetch(`${backend.url}api/v1/diagnostics`)).json()) as { clients: unknown[] }).clients.length;
  await backend.stop();
  const watchesLeft = (await waitUntil(async () => ((await cluster.stats()).openWatches === 0 ? 0 : false), 3000)) ?? (await cluster.stats()).openWatches;
  await cluster.stop();

  const leaks = leakProblems({ timers: timersLeft, actors: actorsLeft, sockets: sockets.opened - sockets.closed, backendClients: clientsLeft, upstreamWatches: watchesLeft });
  const heapProblem = canCollect ? heapGrowthProblem(startHeap, endHeap) : null;
  const problems = [
    ...stats.staleButHealthy.map((s) => `stale but healthy: ${s}`),
    ...stats.wrongButHealthy.map((s) => `wrong but healthy: ${s}`),
    ...stats.divergences.map((d) => `diverged: ${d}`), ...leaks, ...(heapProblem ? [heapProblem] : [])];

  const report = {
    seed: args.seed,
    minutes: args.minutes,
    pods: args.pods,
    churnPerSecond: args.churn,
    bursts: stats.bursts,
    faultsInjected: stats.injected,
    faultsSurvived: stats.survived,
    stalenessChecks: stats.checks,
    worstStalenessMs: Math.round(stats.worstAgeMs),
    worstStalenessWhileHealthyMs: Math.round(stats.worstHealthyAgeMs),
    worstCheckerLateMs: Math.round(stats.worstLateMs),
    staleButHealthy: stats.staleButHealthy.length,
    truthChecks: stats.truthChecks,
    wrongButHealthy: stats.wrongButHealthy.length,
    worstDisagreementWhileHealthyMs: Math.round(stats.worstDisagreementWhileHealthyMs),
    divergences: stats.divergences.length,
    convergenceMs: { max: Math.max(0, ...stats.convergenceMs), bound: convergenceBoundMs },
    leaks: { timers: timersLeft, actors: actorsLeft, sockets: sockets.opened - sockets.closed, backendClients: clientsLeft, upstreamWatches: watchesLeft },
    socketsOpened: sockets.opened,
    heap: { startBytes: startHeap, endBytes: endHeap, maxBytes: Math.max(...stats.heap), measured: canCollect, afterEachBurstMb: stats.heap.map((b) => Math.round(b / 104857.6) / 10) },
    engineCounters: { ...engine.counters },
    problems,
  };
  if (args.json) console.log(JSON.stringify(report, null, 2));
  else {
    console.log('\nsoak report');
    console.log(`  seed ${args.seed}, ${args.minutes} min, ${args.pods} pods, churn ${args.churn}/s, ${stats.bursts} bursts`);
    for (const kind of faultKinds) {
      if (stats.injected[kind]) console.log(`  ${kind.padEnd(16)} injected ${stats.injected[kind]}, survived ${stats.survived[kind] ?? 0}`);
    }
    console.log(`  staleness: worst ${report.worstStalenessMs} ms (while healthy ${report.worstStalenessWhileHealthyMs} ms), ${stats.checks} checks, stale-but-healthy ${stats.staleButHealthy.length}`);
    console.log(`  truth: ${stats.truthChecks} checks against the cluster, worst disagreement while healthy ${report.worstDisagreementWhileHealthyMs} ms (bound ${config.freshnessBoundMs} ms + ${truthEveryMs} ms), wrong-but-healthy ${stats.wrongButHealthy.length}`);
    console.log(`  convergence: worst ${report.convergenceMs.max} ms (bound ${convergenceBoundMs} ms), divergences ${stats.divergences.length}`);
    console.log(`  leaks: timers ${timersLeft}, actors ${actorsLeft}, engine sockets ${sockets.opened - sockets.closed} (of ${sockets.opened} opened), backend clients ${clientsLeft}, upstream watches ${watchesLeft}`);
    console.log(`  heap after GC: start ${mb(startHeap)}, end ${mb(endHeap)}, max ${mb(report.heap.maxBytes)}${canCollect ? '' : ' (no --expose-gc: not judged)'}`);
    console.log(`  heap after each burst (MB): ${report.heap.afterEachBurstMb.join(' ')}`);
    console.log(`  engine: ${JSON.stringify(engine.counters)}`);
    console.log(problems.length === 0 ? '  PASS' : `  FAIL:\n    ${problems.join('\n    ')}`);
  }
  return problems.length === 0 ? 0 : 1;
}

async function divergences(engine: Engine, cluster: ChildCluster, views: ReadonlyArray<[Domain, string]>): Promise<Divergence[]> {
  const out: Divergence[] = [];
  for (const [domain, scope] of views) {
    const key = `${domain}:${scope}`;
    if (domain === 'node-metrics') {
      // Metrics are computed, not stored: every node must have a sample.
      const names = await cluster.names('nodes');
      const missing = names.filter((n) => !engine.store.metricsFor('node', n));
      if (missing.length > 0) out.push({ key, missing, extra: [], staleVersions: 0 });
      continue;
    }
    const d = compareVersions(key, await cluster.versions(domain, scope || undefined), storeVersions(engine.store, key));
    if (d) out.push(d);
  }
  return out;
}

/**
 * The backend's upstreams whose report is not healthy or that have lapsed, with their proof's
 * counts and last failure: what a view that ends a burst degraded was told, from the other side.
 */
async function upstreamsInTrouble(base: string): Promise<string> {
  try {
    const d = (await (await fetch(`${base}api/v1/diagnostics`)).json()) as { upstreams: UpstreamDiagnostics[] };
    const trouble = d.upstreams.filter((u) => !u.report.healthy || u.proof.lapses > 0);
    if (trouble.length === 0) return 'every upstream healthy, no lapse';
    return trouble
      .map(({ key, state, report, proof }) => {
        const lastFailure = proof.lastFailure ? `, last failure: ${proof.lastFailure}` : '';
        return `${key} ${state}${report.healthy ? '' : ` (${report.reason})`} proof age ${proof.ageMs} ms, ${proof.passed} passed, ${proof.failed} failed, ${proof.lapses} lapses${lastFailure}`;
      })
      .join('; ');
  } catch (error) {
    return `diagnostics unreadable: ${error instanceof Error ? error.message : String(error)}`;
  }
}

async function busiestNamespace(cluster: ChildCluster): Promise<string> {
  const namespaces = await cluster.names('namespaces');
  let best = 'default';
  let most = -1;
  for (const ns of namespaces) {
    if (ns === 'kube-system') continue;
    const n = (await cluster.versions('pods', ns)).length;
    if (n > most) [best, most] = [ns, n];
  }
  return best;
}

function summary(engine: Engine): string {
  return engine
    .diagnostics()
    .rows.map((r) => `${r.key}=${r.state}${r.reason ? `(${r.reason})` : ''}`)
    .join(' ');
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`soak: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(2);
  },
);
