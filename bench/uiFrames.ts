/**
 * What the late frames of row 9 are made of. The same set-up as `bench/ui.ts` (the 50,000-pod
 * cluster, the built dashboard in Chromium), one view scrolled while Chromium traces the scroll
 * (CDP `Tracing`, read by frameTrace.ts) and V8 samples the page's JavaScript (CDP `Profiler`),
 * and the page itself records its long animation frames. For each late frame it prints what the
 * main thread did (our script, style, layout, paint, GC) and how busy the compositor and raster
 * threads were, then which functions ran in the late frames.
 *
 *   npx tsc -p tsconfig.build.json && node dist/bench/uiFrames.js --view pods,pods-cpu,workloads --churn 0,20,200 [--rounds 2] [--light]
 *
 * Views are opened in the order given, each measured at each churn rate in turn (as bench/ui.ts
 * does: 0 is the quiet cluster); `--light` leaves out the trace and the profile, `--verbose` lists
 * every long animation frame, `--save DIR` keeps the traces and profiles for DevTools.
 *
 * A diagnosis, not a measure: tracing and sampling slow the page, so its gaps are not row 9's.
 * Build the dashboard with `npx vite build --minify false` first to read function names.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { CDPSession, Page } from 'playwright-core';
import { startBackend } from '../server/backend.js';
import { ensureUiBuilt, launchChromium } from '../scripts/chromium.js';
import { ChildCluster } from './cluster.js';
import { animationFrames, lateFrames, type TraceEvent } from './frameTrace.js';
import { openView, refuseDevelopmentBuild, scrollGaps, sortView } from './ui.js';
import { sleep } from './support.js';

const { values } = parseArgs({
  options: {
    view: { type: 'string', default: 'pods-cpu' },
    churn: { type: 'string', default: '0' },
    frames: { type: 'string', default: '600' },
    rounds: { type: 'string', default: '1' },
    pods: { type: 'string', default: '50000' },
    top: { type: 'string', default: '30' },
    /** Only the page's own long-animation-frame entries: no trace, no profile, so the frames are as the bench sees them. */
    light: { type: 'boolean', default: false },
    verbose: { type: 'boolean', default: false },
    /** Write each round's trace and profile here (open them in Chrome DevTools' Performance panel). */
    save: { type: 'string' },
  },
});
/** ui/state/metricsMark.ts's mark, named here: the bench's build leaves ui/ to Vite. */
const metricsAppliedMark = 'kubelive:metrics-applied';

const views = {
  pods: { tab: 'pods', table: 'Pods', freshness: 'pods', sortBy: null },
  'pods-cpu': { tab: 'pods', table: 'Pods', freshness: 'pods', sortBy: 'cpu' },
  workloads: { tab: 'workloads', table: 'Workloads', freshness: 'workloads', sortBy: null },
} as const;

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** Time by function inside `windows` (µs, the trace's clock): inclusive (anywhere on the stack) and self (on top). */
function functionsIn(profile: CpuProfile, windows: readonly [number, number][]): { name: string; inclusive: number; self: number }[] {
  const parent = new Map<number, number>();
  const frame = new Map<number, string>();
  for (const n of profile.nodes) {
    frame.set(n.id, `${n.callFrame.functionName || '(anonymous)'}${n.callFrame.url ? `:${n.callFrame.lineNumber + 1}` : ''}`);
    for (const c of n.children ?? []) parent.set(c, n.id);
  }
  const inclusive = new Map<string, number>();
  const self = new Map<string, number>();
  let t = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i]!;
    const weight = (profile.timeDeltas[i + 1] ?? 0) / 1000;
    if (!windows.some(([from, to]) => t >= from && t < to)) continue;
    const top = profile.samples[i]!;
    self.set(frame.get(top)!, (self.get(frame.get(top)!) ?? 0) + weight);
    const seen = new Set<string>();
    for (let id: number | undefined = top; id !== undefined; id = parent.get(id)) {
      const name = frame.get(id)!;
      if (seen.has(name)) continue;
      seen.add(name);
      inclusive.set(name, (inclusive.get(name) ?? 0) + weight);
    }
  }
  return [...inclusive].map(([name, time]) => ({ name, inclusive: time, self: self.get(name) ?? 0 })).sort((a, b) => b.inclusive - a.inclusive);
}

async function tracing<T>(cdp: CDPSession, run: () => Promise<T>): Promise<{ result: T; events: TraceEvent[]; profile: CpuProfile }> {
  const events: TraceEvent[] = [];
  cdp.on('Tracing.dataCollected', (data) => events.push(...(data.value as unknown as TraceEvent[])));
  const complete = new Promise<void>((resolve) => cdp.once('Tracing.tracingComplete', () => resolve()));
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 250 });
  await cdp.send('Tracing.start', {
    transferMode: 'ReportEvents',
    traceConfig: {
      includedCategories: ['toplevel', 'devtools.timeline', 'disabled-by-default-devtools.timeline', 'disabled-by-default-devtools.timeline.frame', 'v8', 'v8.execute', 'blink', 'cc', 'viz', 'blink.user_timing'],
    },
  });
  await cdp.send('Profiler.start');
  const result = await run();
  const { profile } = (await cdp.send('Profiler.stop')) as unknown as { profile: CpuProfile };
  await cdp.send('Tracing.end');
  await complete;
  return { result, events, profile };
}

const fixed = (n: number) => n.toFixed(0).padStart(4);

interface LongFrame {
  /** ms since the page's time origin */
  readonly at: number;
  readonly duration: number;
  /** From the start of rendering (rAF callbacks, style, layout, paint) to the frame's end. */
  readonly render: number;
  readonly scripts: readonly string[];
  /** What took the most of the frame: a script's invoker, or `rendering` when no script took half. */
  readonly cause: string;
}

/** From now on the page keeps its long animation frames (Chromium's LoAF entries, with the scripts in each). */
async function watchLongFrames(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { longFrames: PerformanceEntry[]; longFramesObserver?: PerformanceObserver };
    w.longFrames = [];
    performance.clearMeasures();
    performance.clearResourceTimings();
    performance.setResourceTimingBufferSize(10_000);
    w.longFramesObserver?.disconnect();
    w.longFramesObserver = new PerformanceObserver((list) => w.longFrames.push(...list.getEntries().filter((e) => e.duration > 50)));
    w.longFramesObserver.observe({ type: 'long-animation-frame' });
  });
}

async function readLongFrames(page: Page): Promise<LongFrame[]> {
  return page.evaluate(() => {
    type Script = { invoker: string; sourceFunctionName: string; duration: number };
    const entries = (window as unknown as { longFrames: (PerformanceEntry & { renderStart: number; scripts: Script[] })[] }).longFrames;
    return entries.map((e) => {
      const scripted = e.scripts.reduce((sum, s) => sum + s.duration, 0);
      const top = [...e.scripts].sort((a, b) => b.duration - a.duration)[0];
      return {
        at: e.startTime,
        duration: e.duration,
        render: e.renderStart ? e.startTime + e.duration - e.renderStart : 0,
        scripts: e.scripts.map((s) => `${s.invoker}${s.sourceFunctionName ? ` ${s.sourceFunctionName}` : ''} ${s.duration.toFixed(0)} ms`),
        cause: top && scripted >= e.duration / 2 ? top.invoker : 'rendering',
      };
    });
  });
}

/** The late frames of a trace, what the main thread and the others did in each, and the functions that ran in them. */
function printTrace(events: readonly TraceEvent[], profile: CpuProfile): void {
  const trace = lateFrames(events);
  console.log(`trace: ${trace.late.length} of ${trace.frames} frames late over ${(trace.spanMs / 1000).toFixed(1)} s; the main thread over the scroll (ms): ${Object.entries(trace.mainTotal).map(([b, t]) => `${b} ${t.toFixed(0)}`).join(', ')}`);
  console.log('  at ms   gap | script   gc style layout paint other | longest task | other threads busy (ms)');
  for (const f of trace.late) {
    const m = f.main;
    console.log(`${fixed(f.at)}  ${fixed(f.gapMs)} | ${fixed(m.script)} ${fixed(m.gc)} ${fixed(m.style)}  ${fixed(m.layout)}  ${fixed(m.paint)}  ${fixed(m.other)} | ${fixed(f.longestTaskMs)}         | ${Object.entries(f.threads).map(([n, t]) => `${n} ${t.toFixed(0)}`).join(', ')}`);
    console.log(`                main thread's most: ${f.mainTop.map(([n, t]) => `${n} ${t.toFixed(0)}`).join(', ')}`);
  }
  // The same windows on the trace's clock, which the profile shares.
  const frameTimes = animationFrames(events.filter((e) => `${e.pid}:${e.tid}` === trace.mainThread));
  if (frameTimes.length < 2) return;
  const windows: [number, number][] = [];
  for (let i = 1; i < frameTimes.length; i++) if (frameTimes[i]! - frameTimes[i - 1]! > 50_000) windows.push([frameTimes[i - 1]!, frameTimes[i]!]);
  const top = Number(values.top);
  console.log('functions in the late frames, inclusive / self ms:');
  for (const f of functionsIn(profile, windows).slice(0, top)) console.log(`  ${f.inclusive.toFixed(0).padStart(5)} ${f.self.toFixed(0).padStart(5)}  ${f.name}`);
  console.log('functions over the whole scroll, inclusive / self ms:');
  for (const f of functionsIn(profile, [[frameTimes[0]!, frameTimes[frameTimes.length - 1]!]]).slice(0, top)) console.log(`  ${f.inclusive.toFixed(0).padStart(5)} ${f.self.toFixed(0).padStart(5)}  ${f.name}`);
}

/**
 * What the page itself saw: its gaps in frame intervals (a gap of 3 intervals, 50 ms, is late or
 * not by a fraction of a millisecond), its long animation frames with what took most of each, and
 * any `performance.measure`s it made (instrumentation added while weighing a change).
 */
/** `scrollStart`: when the scroll began, on the page's clock. */
async function printPageSide(page: Page, gaps: readonly number[], scrollStart: number): Promise<void> {
  const intervals = new Map<number, number>();
  for (const g of gaps) intervals.set(Math.round(g / (1000 / 60)), (intervals.get(Math.round(g / (1000 / 60))) ?? 0) + 1);
  console.log(`gaps in frame intervals: ${[...intervals].sort((a, b) => a[0] - b[0]).map(([n, c]) => `${n}×: ${c}`).join(', ')}`);
  const long = await readLongFrames(page);
  const causes = new Map<string, number>();
  for (const l of long) causes.set(l.cause, (causes.get(l.cause) ?? 0) + 1);
  console.log(`long animation frames (> 50 ms): ${long.length}; what took most of each: ${[...causes].sort((a, b) => b[1] - a[1]).map(([c, n]) => `${c} ${n}`).join(', ')}`);
  // A metrics answer brings every pod's sample (8 MB at 50,000 pods), read in a Worker and merged
  // on the page; the page marks the moment it lands (ui/state/metricsMark.ts), after which views
  // re-sort and re-render: the frames from 400 ms before a mark (the merge's slices) to 400 ms
  // after it are counted apart. A page's own resource timings no longer see the fetch, which the Worker makes.
  const landings = await page.evaluate((mark) => performance.getEntriesByName(mark, 'mark').map((m) => m.startTime), metricsAppliedMark);
  const byMetrics = long.filter((l) => landings.some((at) => l.at + l.duration >= at - 400 && l.at <= at + 400));
  console.log(`of those, ${byMetrics.length} within 400 ms of a metrics answer landing (${landings.length} landed in the page so far)`);
  // Each answer that landed during this scroll, with the long frames around it: what one costs the page.
  for (const at of landings.filter((t) => t >= scrollStart)) {
    const near = long.filter((l) => l.at + l.duration >= at - 400 && l.at <= at + 400);
    console.log(`  landed at ${at.toFixed(0)}: ${near.length ? near.map((l) => `${l.duration.toFixed(0)} ms (${l.cause})`).join(', ') : 'no long frame'}`);
  }
  const measures = await page.evaluate(() => performance.getEntriesByType('measure').map((m) => [m.name, m.duration] as const));
  const byName = new Map<string, number[]>();
  for (const [n, d] of measures) byName.set(n, [...(byName.get(n) ?? []), d]);
  for (const [n, ds] of byName) {
    ds.sort((a, b) => a - b);
    console.log(`measure ${n}: ${ds.length}×, median ${ds[ds.length >> 1]!.toFixed(1)} ms, max ${ds[ds.length - 1]!.toFixed(1)} ms, ${ds.filter((d) => d > 16).length} over 16 ms`);
  }
  if (values.verbose) for (const l of long) console.log(`  ${fixed(l.at)} ${fixed(l.duration)} ms (rendering ${l.render.toFixed(0)}): ${l.scripts.join('; ') || 'no script'}`);
}

async function main(): Promise<void> {
  const pods = Number(values.pods);
  const rates = values.churn!.split(',').map(Number);
  ensureUiBuilt();
  const cluster = await ChildCluster.start({ nodes: 200, pods, namespaces: 20, seed: 7 });
  const backend = await startBackend({ kubeconfigYaml: cluster.kubeconfigYaml, port: 0, config: { upstreamIdleGraceMs: 600_000 } });
  const chromium = await launchChromium();
  try {
    const page = await chromium.browser.newPage({ viewport: { width: 1440, height: 900 } });
    await page.goto(backend.url);
    await refuseDevelopmentBuild(page);
    const cdp = await page.context().newCDPSession(page);
    for (const name of values.view!.split(',')) {
      const view = views[name as keyof typeof views];
      if (!view) throw new Error(`--view takes ${Object.keys(views).join(', ')}`);
      const notReady = await openView(page, view.tab, view.table, view.tab === 'pods' ? pods : 1, view.freshness);
      if (notReady) throw new Error(`${name}: ${notReady}`);
      if (view.sortBy) await sortView(page, view.table, view.sortBy);
      await scrollGaps(page, view.table, 60, 4);
      for (const rate of rates) {
        if (rate > 0) {
          await cluster.setChurn(rate);
          await sleep(2000);
        }
        for (let round = 1; round <= Number(values.rounds); round++) {
          await watchLongFrames(page);
          const scrollStart = await page.evaluate(() => performance.now());
          let gaps: number[];
          const what = `${name}, churn ${rate}/s, round ${round}`;
          if (values.light) {
            gaps = await scrollGaps(page, view.table, Number(values.frames), 4);
            console.log(`\n${what}, not traced: ${gaps.filter((g) => g > 50).length} of ${gaps.length} frames late`);
          } else {
            const traced = await tracing(cdp, () => scrollGaps(page, view.table, Number(values.frames), 4));
            gaps = traced.result;
            console.log(`\n${what}, traced: ${gaps.filter((g) => g > 50).length} of ${gaps.length} frames late`);
            if (values.save) {
              mkdirSync(values.save, { recursive: true });
              writeFileSync(join(values.save, `${name}-${rate}-${round}.trace.json`), JSON.stringify({ traceEvents: traced.events }));
              writeFileSync(join(values.save, `${name}-${rate}-${round}.cpuprofile`), JSON.stringify(traced.profile));
            }
            printTrace(traced.events, traced.profile);
          }
          await printPageSide(page, gaps, scrollStart);
        }
        if (rate > 0) {
          await cluster.setChurn(0);
          await sleep(1000);
        }
      }
    }
  } finally {
    await chromium.close();
    await backend.stop();
    await cluster.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
