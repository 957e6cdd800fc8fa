/**
 * `npm run bench [-- --quick]`: every row of issue 7, each against its baseline measured in the
 * same run on the same demo cluster, printed as a ratio and written to bench/results.json.
 *
 * The demo cluster runs in a child process (bench/clusterProcess.ts): on two cores, an API server
 * sharing the event loop with the backend and the engine would be measured as part of kubelive,
 * and would slow the baselines differently. Backend and engine share this process, as they would
 * not in production (backend on a server, engine in a browser): kubelive's numbers include both;
 * except in rows 2 and 3, whose backend runs in a process of its own (bench/backendProcess.ts).
 *
 * Two clusters, one after the other: a large quiet one for load, memory, metrics and idle polling
 * (rows 1, 5, 6, 7, and 12 for a kind from discovery), and a smaller one that churns for updates, latency, failover and reconnects
 * (rows 2, 3, 4, 8). `--quick` makes both small and short, for CI: no target fails the run, the
 * report marks what was missed. Rows 2 and 3 churn with the load source (demo-cluster/load.ts),
 * which row 2g first measures alone, since the simulation's churn cannot outrun the consumers.
 *
 * The report sets each row beside the previous run's (read from bench/results.json before it is
 * overwritten) and writes bench/latency.svg, rows 2 and 3's latency against rate.
 */
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { ConfigOverrides } from '../machines/config.js';
import { resolveConfig } from '../machines/config.js';
import { startBackend } from '../server/backend.js';
import { ChildCluster } from './cluster.js';
import { compareRuns, readPrevious } from './compare.js';
import { engineReconnect, failoverTimes, protocolReconnect, type EngineReconnect, type ReconnectCost } from './failover.js';
import { proofCost, stallDetection, type ProofCost, type StallDetection } from './freshness.js';
import { latencyPlot } from './latencyPlot.js';
import { cheaperReadsRows } from './cheaperReads.js';
import { firstRowsRows } from './firstRows.js';
import { loadRows } from './load.js';
import { loadSourceRun, type LoadSourceResult } from './loadSource.js';
import { resourceRows } from './resources.js';
import { kb, markdownTable, median, ms, printResults, ratioOf, writeResults, type BenchResult } from './report.js';
import { uiRows } from './ui.js';
import { formatStages, sustained, updateRuns, waitingText, type RateResult, type UpdateRuns } from './updates.js';

const { values } = parseArgs({
  args: process.argv.slice(2),
  strict: true,
  options: { quick: { type: 'boolean', default: false }, only: { type: 'string' }, rates: { type: 'string' }, 'probe-every-ms': { type: 'string' }, 'update-seconds': { type: 'string' }, 'update-batch-ms': { type: 'string' }, 'ui-rows': { type: 'string' }, 'ui-rates': { type: 'string' } },
});
const quick = values.quick!;
/** `--only load,resources,ui,updates,failover,freshness,first-rows`: a subset of the row groups, e.g. while working on one. */
const groups = new Set((values.only ?? 'load,resources,ui,updates,failover,freshness,first-rows').split(','));

const sizes = quick
  ? { firstRowsPods: 2_000, firstRowsNodes: 20, loadPods: 2_000, loadNodes: 20, configMaps: 2_000, churnPods: 1_000, churnNodes: 10, updateSeconds: 2, loadSourceSeconds: 2, failoverRepeats: 1, reconnectRepeats: 1, scrollFrames: 120, stallRepeats: 1, proofWindowMs: 5_000, proofRounds: 1, proofProbes: 3 }
  : { firstRowsPods: 150_000, firstRowsNodes: 5_000, loadPods: 50_000, loadNodes: 200, configMaps: 20_000, churnPods: 10_000, churnNodes: 50, updateSeconds: 15, loadSourceSeconds: 5, failoverRepeats: 3, reconnectRepeats: 2, scrollFrames: 600, stallRepeats: 3, proofWindowMs: 20_000, proofRounds: 2, proofProbes: 8 };
/** Changes a second on the large cluster while the proof's cost is measured: a busy, not a frantic, cluster. */
const proofChurn = 50;
/** `--rates 5000,10000`: rows 2 and 3 at these rates only (row 2g too), e.g. to profile one. */
const rates = values.rates ? values.rates.split(',').map(Number) : quick ? [200, 1000] : [1000, 2000, 5000, 10_000, 20_000];
/**
 * Rows 2 and 3's probes: a DELETE every `everyMs` for `seconds` at each rate. 15 s of one every
 * 50 ms is about 300 probes, so the p99 is the 4th slowest rather than the slowest, and a backlog
 * that grows slowly has time to show; more often would make the probes' own changes (each
 * deletion sets off about 4 more: the replacement, its scheduling, its start) a larger share
 * of the rate measured (docs/development.md, "Rows 2 and 3: probes that make a p99").
 * `--probe-every-ms 20 --update-seconds 6`: other probing, to weigh it.
 */
const probing = {
  everyMs: values['probe-every-ms'] ? Number(values['probe-every-ms']) : 50,
  seconds: values['update-seconds'] ? Number(values['update-seconds']) : sizes.updateSeconds,
};
/** Rates the load source is asked for alone (row 2g); past 20,000 to find its ceiling. Small in quick mode, to stay short. */
const loadSourceRates = values.rates ? rates : quick ? [1000] : [5000, 10_000, 20_000, 40_000];
/** Issue 14: the bench's cluster must make this many changes a second so the limit measured is the consumers'. */
const loadSourceTarget = 20_000;
/**
 * The churning cluster's watch history, in changes per resource: kube-apiserver's watch cache
 * grows to at most 100 × 1024 events. The demo's default, 20,000, is one second at 20,000/s: a
 * consumer a second behind would be measured relisting, not keeping up.
 */
const churnWatchWindow = 102_400;
/**
 * Changes a second while the Pods view scrolls: a busy cluster, then a very busy one. A quick run
 * (CI's, which must stay under 2 minutes) scrolls at the targeted rate only: the 200/s rows have
 * no target, and their three windows were 15 of its 110 s.
 */
const uiRates = values['ui-rates'] ? values['ui-rates'].split(',').map(Number) : quick ? [20] : [20, 200];
/** `--ui-rows 9s,9w`: some of row 9's views only, e.g. for A/B pairs of one view on a busy machine (a whole `--only ui` took 12 min there). */
const uiRowsWanted = values['ui-rows'] ? values['ui-rows'].split(',') : null;
const reconnectChurn = 100;
const cutMs = 2000;

/**
 * The defaults users get, except that the backend keeps an idle cache for the whole run (so the
 * memory row measures a cache, not an idle timeout). Quick mode shortens the stall timeout so
 * the failover row takes seconds.
 */
const config: ConfigOverrides = {
  ...(quick ? { upstreamIdleGraceMs: 600_000, heartbeatIntervalMs: 500, stallTimeoutMs: 2000, pendingTimeoutMs: 2500, freshnessBoundMs: 3000 } : { upstreamIdleGraceMs: 600_000 }),
  // `--update-batch-ms 10`: another coalescing window, to weigh what it costs against what it saves.
  ...(values['update-batch-ms'] ? { updateBatchMs: Number(values['update-batch-ms']) } : {}),
};

const benchStarted = performance.now();

/** Progress on stderr, with the seconds since the start: the quick run must stay under 2 minutes in CI. */
function log(line: string): void {
  console.error(`bench: [${((performance.now() - benchStarted) / 1000).toFixed(0)} s] ${line}`);
}

/** Which probe the nearest-rank p99 of `n` is, counted from the slowest: with fewer than 101 it is the slowest itself. */
function nthSlowest(n: number): string {
  const fromTop = n - Math.ceil(0.99 * n) + 1;
  return fromTop <= 1 ? 'slowest' : `${fromTop}${fromTop === 2 ? 'nd' : fromTop === 3 ? 'rd' : 'th'} slowest`;
}

function rateCell(r: RateResult | null): string {
  return r ? `${Math.round(r.achievedPerSecond)}/s` : 'none';
}

function updateResults(runs: { kubelive: RateResult[]; clientNode: RateResult[] }): BenchResult[] {
  const k = sustained(runs.kubelive);
  const c = sustained(runs.clientNode);
  const ratio = k && c ? k.achievedPerSecond / c.achievedPerSecond : k ? null : 0;
  const results: BenchResult[] = [
    {
      row: '2',
      what: 'sustained churn kept up with (p99 ≤ 1 s, nothing lost, no relist or dropped watch)',
      kubelive: rateCell(k),
      baseline: `client-node Watch ${rateCell(c)}${c?.eventsPerSecond ? ` (${Math.round(c.eventsPerSecond)} events/s)` : ''}`,
      ratio,
      // Issue 14: at least client-node's own Watch, backend and engine in separate processes.
      // Both rates are the cluster's own count at the same asked rate: within 2 % is the same rate.
      target: '≥ 1.0×',
      met: ratio !== null && ratio >= 0.98,
      raw: Object.fromEntries(
        [
          ...runs.kubelive.map((r) => [`kubelive@${r.targetPerSecond}`, `${Math.round(r.achievedPerSecond)}/s p50 ${r.p50Ms.toFixed(0)} p99 ${r.p99Ms.toFixed(0)} max ${r.maxMs.toFixed(0)} lost ${r.lost}/${r.probes}${r.uncommitted ? ` (${r.uncommitted} never committed)` : ''}${r.upstream ? ` upstream relists ${r.upstream.lists} stalls ${r.upstream.stalls} lapses ${r.upstream.lapses} proof failures ${r.upstream.proofFailures}` : ''}`]),
          ...runs.clientNode.map((r) => [`clientNode@${r.targetPerSecond}`, `${Math.round(r.achievedPerSecond)}/s ${Math.round(r.eventsPerSecond ?? 0)} ev/s p50 ${r.p50Ms.toFixed(0)} p99 ${r.p99Ms.toFixed(0)} max ${r.maxMs.toFixed(0)} lost ${r.lost}/${r.probes}${r.uncommitted ? ` (${r.uncommitted} never committed)` : ''}${r.watchEnded ? ` watch ended: ${r.watchEnded}` : ''}`]),
        ],
      ),
      note: `rates tried ${rates.join(', ')} changes/s from the load source (one pod annotation written per change); a rate counts as "achieved" churn the cluster process really made, on its own clock; each rate ${probing.seconds} s with a probe every ${probing.everyMs} ms; "relists" are the backend's pods upstream listing again in the window (a lapse of its proof, or a stall), counted from the window's start to the end of its drain`,
    },
  ];
  for (const target of quick ? rates : [1000, 5000, 10_000, 20_000]) {
    const kr = runs.kubelive.find((r) => r.targetPerSecond === target);
    const cr = runs.clientNode.find((r) => r.targetPerSecond === target);
    if (!kr || !cr) continue;
    // A change exists once the API server has stored it: its latency runs from the cluster's
    // commit to the engine's store, as Kubernetes' own watch-latency SLI runs from the moment the
    // object is stored (sig-scalability/slos/watch_latency.md). The DELETE's way into the cluster
    // is the load's request latency, which no consumer can change; it is kept in the note.
    const lostOr = (r: RateResult, value: number) => (Number.isFinite(value) ? ms(value) : `lost ${r.lost}`);
    results.push({
      row: '3',
      key: `3@${target}`,
      what: `change latency at ${target}/s (achieved ${Math.round(kr.achievedPerSecond)}/s), from the cluster's commit, p50 / p99`,
      kubelive: `${ms(kr.p50FromCommitMs)} / ${lostOr(kr, kr.p99FromCommitMs)}`,
      baseline: `client-node ${ms(cr.p50FromCommitMs)} / ${lostOr(cr, cr.p99FromCommitMs)}`,
      ratio: ratioOf(kr.p99FromCommitMs, cr.p99FromCommitMs),
      // Issue 14: p99 ≤ 50 ms at 5,000/s; the older target at 1,000/s stays.
      target: target === 5000 && !quick ? 'p99 ≤ 50 ms at 5,000/s' : target === 1000 || quick ? 'p99 ≤ 100 ms at 1,000/s' : 'no target',
      met: target === 5000 && !quick ? kr.p99FromCommitMs <= 50 : target === 1000 || (quick && target === rates.at(-1)) ? kr.p99FromCommitMs <= 100 : null,
      // Both figures, so a p99 that met with a slow probe above it hides nothing.
      note: `p99 of ${kr.probes} probes (client-node ${cr.probes}), the ${nthSlowest(kr.probes)}; from the DELETE sent (the cluster's way in too) p50 / p99 kubelive ${ms(kr.p50Ms)} / ${lostOr(kr, kr.p99Ms)}, client-node ${ms(cr.p50Ms)} / ${lostOr(cr, cr.p99Ms)}; max kubelive ${Number.isFinite(kr.maxMs) ? ms(kr.maxMs) : 'none'}, client-node ${Number.isFinite(cr.maxMs) ? ms(cr.maxMs) : 'none'}; kubelive's slowest: ${kr.slowest[0] ? formatStages(kr.slowest[0]) : 'none'}; in kubelive's window${waitingText(kr.waiting).slice(1)}; in client-node's${waitingText(cr.waiting).slice(1)}`,
      raw: { kubeliveP50Ms: kr.p50Ms, kubeliveP99Ms: kr.p99Ms, kubeliveMaxMs: kr.maxMs, kubeliveP50FromCommitMs: kr.p50FromCommitMs, kubeliveP99FromCommitMs: kr.p99FromCommitMs, clientNodeP99FromCommitMs: cr.p99FromCommitMs, clientNodeP50Ms: cr.p50Ms, clientNodeP99Ms: cr.p99Ms, clientNodeMaxMs: cr.maxMs, probes: kr.probes, clientNodeProbes: cr.probes, kubeliveUncommitted: kr.uncommitted, clientNodeUncommitted: cr.uncommitted, kubeliveSlowest: kr.slowest.map(formatStages).join('; '), kubeliveStagesP99: kr.p99Stages ? formatStages(kr.p99Stages) : null, clientNodeSlowest: cr.slowest.map(formatStages).join('; '), clusterLoopMaxMs: kr.clusterLoopMaxMs, clientNodeClusterLoopMaxMs: cr.clusterLoopMaxMs, achievedPerSecond: kr.achievedPerSecond, clientNodeAchievedPerSecond: cr.achievedPerSecond, clusterCpu: kr.clusterCpu, clientNodeClusterCpu: cr.clusterCpu, backendCpu: kr.backendCpu, backendLoopBusy: kr.backendLoopBusy, backendMainCpu: kr.backendMainCpu, backendLoopP99Ms: kr.backendLoopP99Ms, backendLoopMaxMs: kr.backendLoopMaxMs, clusterWaiting: kr.waiting.cluster, backendWaiting: kr.waiting.backend, consumerWaiting: kr.waiting.consumer, clientNodeClusterWaiting: cr.waiting.cluster, clientNodeConsumerWaiting: cr.waiting.consumer },
    });
  }
  return results;
}

function loadSourceResults(runs: readonly LoadSourceResult[], seconds: number): BenchResult[] {
  return runs.map((r) => {
    const judged = !quick && r.targetPerSecond === loadSourceTarget;
    return {
      row: '2g',
      key: `2g@${r.targetPerSecond}`,
      what: `load source alone at ${r.targetPerSecond}/s asked: changes made at the cluster, ${seconds} s`,
      kubelive: `${Math.round(r.madePerSecond)}/s made, cluster CPU ${(r.clusterCpu * 100).toFixed(0)} %`,
      baseline: `one raw watch got ${Math.round(r.watchPerSecond)}/s${r.watchBehind > 0 ? `, ${r.watchBehind} behind` : ', none behind'}`,
      ratio: r.madePerSecond / r.targetPerSecond,
      target: judged ? `≥ ${loadSourceTarget}/s made, watch not behind` : 'no target',
      met: judged ? r.madePerSecond >= 0.98 * loadSourceTarget && r.watchBehind === 0 : null,
      raw: { targetPerSecond: r.targetPerSecond, madePerSecond: r.madePerSecond, clusterCpu: r.clusterCpu, watchPerSecond: r.watchPerSecond, watchBehind: r.watchBehind },
      note: 'not kubelive: what the bench\'s cluster can make, so rows 2 and 3 measure the consumers; ratio = made / asked; "behind" = changes the raw watch had not received 2 s after the last was made',
    };
  });
}

function freshnessResults(stall: StallDetection | null, cost: ProofCost | null, pods: number, churnPods: number): BenchResult[] {
  const results: BenchResult[] = [];
  if (stall) {
    const worst = Math.max(...stall.saidUpstreamStalledMs);
    results.push({
      row: '10',
      what: `upstream watch silent under churn (${churnPods} pods) → view says "upstream stalled"`,
      kubelive: Number.isFinite(worst) ? ms(worst) : 'never',
      baseline: `freshness bound ${ms(stall.boundMs)}`,
      ratio: Number.isFinite(worst) ? worst / stall.boundMs : null,
      target: '≤ 1.2×',
      met: Number.isFinite(worst) && worst <= 1.2 * stall.boundMs,
      raw: {
        saidUpstreamStalledMs: stall.saidUpstreamStalledMs.map((x) => Math.round(x)).join(','),
        leftHealthyMs: stall.leftHealthyMs.map((x) => Math.round(x)).join(','),
        boundMs: stall.boundMs,
      },
      note: `worst of ${stall.saidUpstreamStalledMs.length}; the stream to the engine stayed healthy throughout, only the upstream proof could tell`,
    });
  }
  if (cost) {
    const probeCpu = median(cost.probeCpuMs);
    const backendCpu = median(cost.backendCpuPerSecond);
    const probeCpuPerSecond = probeCpu * cost.probesPerSecond;
    const share = backendCpu > 0 ? probeCpuPerSecond / backendCpu : null;
    results.push({
      row: '11',
      what: `upstream proof's share of the backend's CPU, ${pods} pods, churn ${proofChurn}/s`,
      kubelive: `${probeCpuPerSecond.toFixed(1)} ms CPU/s (${probeCpu.toFixed(1)} ms a probe, ${cost.probesPerSecond.toFixed(2)}/s)`,
      baseline: `backend without probes ${backendCpu.toFixed(1)} ms CPU/s`,
      ratio: share,
      target: '≤ 0.02 (2 %)',
      met: share !== null && share <= 0.02,
      raw: {
        probeCpuMs: cost.probeCpuMs.map((x) => x.toFixed(1)).join(','),
        probeWallMs: cost.probeWallMs.map((x) => Math.round(x)).join(','),
        probeEvents: cost.probeEvents.join(','),
        backendCpuMsPerS: cost.backendCpuPerSecond.map((x) => x.toFixed(1)).join(','),
        windowMs: cost.windowMs,
      },
      note: `a probe carries the changes of about a second (median ${median(cost.probeEvents)} events here); its cost follows the churn, not the number of pods`,
    });
  }
  return results;
}

function reconnectResult(resume: ReconnectCost[], reset: ReconnectCost[], engine: EngineReconnect[], engineWhole: EngineReconnect[], pods: number): BenchResult[] {
  const bytes = (list: ReconnectCost[]) => median(list.map((r) => r.bytes));
  const time = (list: ReconnectCost[]) => median(list.map((r) => r.ms));
  const verified = [...resume, ...reset].every((r) => r.verified);
  const pairedRatio = engine.length > 0 ? median(engine.map((e) => e.bytes / e.protocolResumeBytes)) : null;
  return [
    {
      row: '8',
      what: `reconnect after a ${cutMs / 1000} s cut, ${pods} pods, churn ${reconnectChurn}/s: resumeFrom`,
      kubelive: `${kb(bytes(resume))}, ${ms(time(resume))}`,
      baseline: `full reset ${kb(bytes(reset))}, ${ms(time(reset))}`,
      ratio: ratioOf(bytes(resume), bytes(reset)),
      target: 'no target (bytes ratio)',
      met: null,
      raw: {
        resumeBytes: bytes(resume),
        resumeMs: time(resume),
        resumeFrames: resume.map((r) => r.frame).join(','),
        resetBytes: bytes(reset),
        resetMs: time(reset),
        nextHeartbeatAgreed: String(verified),
      },
      note: `protocol level; the next heartbeat ${verified ? 'agreed' : 'DID NOT agree'} with the store every time`,
    },
    {
      row: '8e',
      what: 'the same cut, the engine as it is, against a protocol client cut beside it',
      kubelive: `${kb(median(engine.map((e) => e.bytes)))}, ${ms(median(engine.map((e) => e.ms)))} to healthy`,
      baseline: `protocol resume beside it ${kb(median(engine.map((e) => e.protocolResumeBytes)))}`,
      ratio: pairedRatio,
      target: '≤ 2× protocol resume',
      met: pairedRatio !== null && pairedRatio <= 2,
      raw: {
        engineBytes: median(engine.map((e) => e.bytes)),
        engineBytesEach: engine.map((e) => e.bytes).join(','),
        besideResumeBytesEach: engine.map((e) => e.protocolResumeBytes).join(','),
        engineMsToHealthyEach: engine.map((e) => Math.round(e.ms)).join(','),
        engineSnapshotBytes: median(engine.map((e) => e.snapshotBytes)),
        resumed: engine.map((e) => e.resumed).join(','),
        pollsWithChanges: engine.map((e) => e.pollsWithChanges).join(','),
        wholePolls: engine.map((e) => e.wholePolls).join(','),
        wholeViewPollsBytes: median(engineWhole.map((e) => e.bytes)),
        wholeViewPollsRatio: median(engineWhole.map((e) => e.bytes / e.protocolResumeBytes)),
      },
      note: `ratio: median over ${engine.length} cuts of the engine's bytes over those of a protocol client cut by the same fault (the churn varies 3× from one cut to the next); resumed ${engine.filter((e) => e.resumed).length} of ${engine.length} times; polling the whole view instead (as before issue 14) cost ${kb(median(engineWhole.map((e) => e.bytes)))}, ${median(engineWhole.map((e) => e.bytes / e.protocolResumeBytes)).toFixed(1)}× its own protocol client, in the same run; the polls during the cut took ${kb(median(engine.map((e) => e.snapshotBytes)))} (${engine.map((e) => `${e.pollsWithChanges} with changes, ${e.wholePolls} whole`).join('; ')})`,
    },
  ];
}

/** Rows 2 and 3's runs, for the plot; null when the updates group did not run. */
let updates: UpdateRuns | null = null;

async function main(): Promise<void> {
  const results: BenchResult[] = [];
  log(`${quick ? 'quick' : 'full'} run: load cluster ${sizes.loadPods} pods, churn cluster ${sizes.churnPods} pods`);

  if (groups.has('load') || groups.has('resources') || groups.has('ui') || groups.has('freshness')) {
    const large = await ChildCluster.start({ nodes: sizes.loadNodes, pods: sizes.loadPods, namespaces: 20, seed: 7 });
    try {
      if (groups.has('load')) {
        log('rows 1, 5, 6, 7');
        results.push(...(await loadRows(large, sizes.loadPods, config)));
      }
      if (groups.has('resources')) {
        log(`rows 12: ${sizes.configMaps} ConfigMaps`);
        const held = await large.fillConfigMaps(sizes.configMaps);
        if (held < sizes.configMaps) throw new Error(`the cluster holds ${held} ConfigMaps, fewer than the ${sizes.configMaps} asked for`);
        results.push(...(await resourceRows(large, config)));
      }
      if (groups.has('ui')) {
        log('row 9');
        results.push(...(await uiRows(large, sizes.loadPods, config, uiRates, sizes.scrollFrames, uiRowsWanted)));
      }
      if (groups.has('freshness')) {
        log('row 11');
        await large.setChurn(proofChurn);
        const { freshnessBoundMs: _bound, ...withDefaultBound } = config;
        results.push(...freshnessResults(null, await proofCost(large, withDefaultBound, sizes.proofWindowMs, sizes.proofRounds, sizes.proofProbes), sizes.loadPods, sizes.churnPods));
        await large.setChurn(0);
      }
    } finally {
      await large.stop();
    }
  }

  if (groups.has('first-rows')) {
    log(`rows 14: ${sizes.firstRowsPods} pods, ${sizes.firstRowsNodes} nodes`);
    const limits = await ChildCluster.start({ nodes: sizes.firstRowsNodes, pods: sizes.firstRowsPods, namespaces: 20, seed: 9 });
    try {
      results.push(...(await firstRowsRows(limits, { pods: sizes.firstRowsPods, nodes: sizes.firstRowsNodes }, config)));
      results.push(...(await cheaperReadsRows(limits, values.quick ? 1 : 3)));
    } finally {
      await limits.stop();
    }
  }

  const churning = await ChildCluster.start({ nodes: sizes.churnNodes, pods: sizes.churnPods, namespaces: 10, seed: 8, watchWindow: churnWatchWindow });
  try {
    if (groups.has('updates')) {
      log(`row 2g: the load source alone at ${loadSourceRates.join(', ')}/s`);
      const sourceRuns: LoadSourceResult[] = [];
      for (const rate of loadSourceRates) {
        const r = await loadSourceRun(churning, churning, rate, sizes.loadSourceSeconds);
        log(`  load source at ${rate}/s: made ${Math.round(r.madePerSecond)}/s, cluster CPU ${(r.clusterCpu * 100).toFixed(0)} %, raw watch ${Math.round(r.watchPerSecond)}/s, behind ${r.watchBehind}`);
        sourceRuns.push(r);
      }
      results.push(...loadSourceResults(sourceRuns, sizes.loadSourceSeconds));
      log('rows 2, 3');
      updates = await updateRuns(churning, churning, config, sizes.churnPods, rates, probing);
      results.push(...updateResults(updates));
    }
    if (groups.has('freshness')) {
      log('row 10');
      await churning.setChurn(reconnectChurn);
      results.push(...freshnessResults(await stallDetection(churning, config, sizes.stallRepeats), null, sizes.loadPods, sizes.churnPods));
      await churning.setChurn(0);
    }
    if (!groups.has('failover')) return finish(results);
    log('row 4');
    const backend = await startBackend({ kubeconfigYaml: churning.kubeconfigYaml, port: 0, config, allowFaults: true });
    try {
      const f = await failoverTimes(backend, config, sizes.failoverRepeats);
      const deathMax = Math.max(...f.deathMs);
      const stallMax = Math.max(...f.stallMs);
      results.push({
        row: '4',
        what: 'failover: stream killed → first fallback snapshot',
        kubelive: ms(deathMax),
        baseline: 'timeout 0 ms (immediate)',
        ratio: null,
        target: '≤ 0 + 500 ms',
        met: deathMax <= 500,
        raw: { deathMs: f.deathMs.map((x) => Math.round(x)).join(',') },
        note: `worst of ${f.deathMs.length}`,
      });
      results.push({
        row: '4s',
        what: 'failover: silent stall → first fallback snapshot (from the last delivery)',
        kubelive: ms(stallMax),
        baseline: `stallTimeoutMs ${f.stallTimeoutMs} ms`,
        ratio: ratioOf(stallMax, f.stallTimeoutMs),
        target: '≤ timeout + 500 ms',
        met: stallMax <= f.stallTimeoutMs + 500,
        raw: { stallMs: f.stallMs.map((x) => Math.round(x)).join(','), stallTimeoutMs: f.stallTimeoutMs },
        note: `worst of ${f.stallMs.length}; includes the snapshot fetch of ${sizes.churnPods} pods`,
      });

      log('row 8');
      await churning.setChurn(reconnectChurn);
      const resume: ReconnectCost[] = [];
      const reset: ReconnectCost[] = [];
      const engine: Awaited<ReturnType<typeof engineReconnect>>[] = [];
      const engineWhole: Awaited<ReturnType<typeof engineReconnect>>[] = [];
      for (let i = 0; i < sizes.reconnectRepeats; i++) {
        resume.push(await protocolReconnect(backend, true, cutMs));
        reset.push(await protocolReconnect(backend, false, cutMs));
        engine.push(await engineReconnect(backend, config, cutMs));
        engineWhole.push(await engineReconnect(backend, config, cutMs, true));
      }
      await churning.setChurn(0);
      results.push(...reconnectResult(resume, reset, engine, engineWhole, sizes.churnPods));
    } finally {
      await backend.stop();
    }
  } finally {
    await churning.stop();
  }

  await finish(results);
}

/**
 * Where a run's record goes. A whole full run is `results.json`, committed, so a fresh clone has
 * a previous run to compare with; a quick run (CI's) and a run of `--only` some groups each keep
 * their own file, so neither replaces the full record a full run compares itself with. A quick
 * run compares with the previous quick run, an `--only` run with the last whole full run.
 */
function recordPaths(): { write: string; previous: string; table: string | null; plot: string } {
  const at = (name: string) => fileURLToPath(new URL(`../../bench/${name}`, import.meta.url));
  if (quick) return { write: at('results-quick.json'), previous: at('results-quick.json'), table: null, plot: at('latency-quick.svg') };
  if (values.only || values.rates) return { write: at('results-only.json'), previous: at('results.json'), table: null, plot: at('latency-only.svg') };
  return { write: at('results.json'), previous: at('results.json'), table: at('results.md'), plot: at('latency.svg') };
}

async function finish(results: BenchResult[]): Promise<void> {
  const paths = recordPaths();
  const path = paths.write;
  const mode = { quick, sizes: { ...sizes } };
  const comparison = compareRuns(mode, await readPrevious(paths.previous));
  const started = new Date().toISOString();
  console.log(`\nkubelive bench (${quick ? 'quick' : 'full'}), config ${JSON.stringify(resolveConfig(config).stallTimeoutMs)} ms stall timeout, ${started}\n`);
  printResults(results, comparison);
  const missed = results.filter((r) => r.met === false);
  console.log(missed.length === 0 ? '\nevery target met' : `\ntargets missed: ${missed.map((r) => r.row).join(', ')}`);
  await writeResults(path, results, mode, comparison);
  console.log(`written to ${path}`);
  if (paths.table) {
    await writeFile(paths.table, markdownTable(results, comparison, `Full run of ${started.slice(0, 16)} UTC, ${((performance.now() - benchStarted) / 60_000).toFixed(1)} minutes`));
    console.log(`table written to ${paths.table}`);
  }
  if (updates) {
    const plot = paths.plot;
    await writeFile(plot, latencyPlot(updates, `Change latency against rate, ${sizes.churnPods} pods (${quick ? 'quick' : 'full'} run, ${started.slice(0, 16)} UTC)`));
    console.log(`plot written to ${plot}`);
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(1);
  },
);
