/**
 * Reads a Chromium trace (CDP `Tracing`, the JSON event format) for what filled the late frames
 * of a scroll: the frames are the page's animation-frame callbacks on the renderer's main
 * thread, and each gap longer than `lateMs` is taken apart into what that thread did in it
 * (script, style, layout, paint, GC, other) and how busy the compositor and raster threads were.
 * It tells our JavaScript from Chromium's own work; it does not say which of our functions ran
 * (a CPU profile does, see uiFrames.ts).
 */

export interface TraceEvent {
  readonly name: string;
  readonly ph: string;
  readonly ts: number;
  readonly dur?: number;
  readonly pid: number;
  readonly tid: number;
  readonly cat?: string;
  readonly args?: { readonly name?: string } & Record<string, unknown>;
}

export type Bucket = 'script' | 'gc' | 'style' | 'layout' | 'paint' | 'other';

/** The events that name what a slice of the main thread was for; the nearest one up a stack decides. */
function bucketOf(name: string): Bucket | null {
  if (/^(MajorGC|MinorGC|V8\.GC|BlinkGC|ThreadState::|CppGC)/.test(name)) return 'gc';
  if (name === 'UpdateLayoutTree' || name === 'RecalculateStyles' || name === 'ParseAuthorStyleSheet') return 'style';
  if (name === 'Layout') return 'layout';
  if (/^(Paint|PrePaint|Layerize|UpdateLayer|CompositeLayers|Commit|PaintImage|Rasterize|PaintArtifactCompositor)/.test(name)) return 'paint';
  if (/^(FunctionCall|EvaluateScript|v8\.callFunction|v8\.run|v8\.compile|V8\.Execute|TimerFire|FireAnimationFrame|EventDispatch|RunMicrotasks|HandlePostMessage|XHRReadyStateChange|XHRLoad|v8\.evaluateModule)/.test(name)) return 'script';
  return null;
}

/** A complete slice with its own time (its duration less its children's) and the bucket it counts in. */
interface Slice {
  readonly name: string;
  readonly ts: number;
  readonly end: number;
  readonly self: number;
  readonly bucket: Bucket;
  readonly depth: number;
}

/** Complete events of one thread, nested by time, each with its self time. `B`/`E` pairs are joined. */
function slicesOf(events: readonly TraceEvent[]): Slice[] {
  const complete: { name: string; ts: number; end: number }[] = [];
  const open: TraceEvent[] = [];
  for (const e of events) {
    if (e.ph === 'X' && e.dur !== undefined) complete.push({ name: e.name, ts: e.ts, end: e.ts + e.dur });
    else if (e.ph === 'B') open.push(e);
    else if (e.ph === 'E') {
      const begun = open.pop();
      if (begun) complete.push({ name: begun.name, ts: begun.ts, end: e.ts });
    }
  }
  complete.sort((a, b) => a.ts - b.ts || b.end - a.end);
  const slices: Slice[] = [];
  const stack: { name: string; end: number; bucket: Bucket | null; children: number; index: number; ts: number }[] = [];
  const close = (until: number) => {
    while (stack.length > 0 && stack[stack.length - 1]!.end <= until) {
      const top = stack.pop()!;
      const inherited = top.bucket ?? stack.findLast((s) => s.bucket !== null)?.bucket ?? 'other';
      slices[top.index] = { name: top.name, ts: top.ts, end: top.end, self: Math.max(0, top.end - top.ts - top.children), bucket: inherited, depth: stack.length };
    }
  };
  for (const c of complete) {
    close(c.ts);
    const parent = stack[stack.length - 1];
    if (parent) parent.children += Math.min(c.end, parent.end) - c.ts;
    stack.push({ name: c.name, end: c.end, bucket: bucketOf(c.name), children: 0, index: slices.length, ts: c.ts });
    slices.push(undefined as unknown as Slice);
  }
  close(Number.POSITIVE_INFINITY);
  return slices;
}

export interface LateFrame {
  /** When the late frame's callback ran, ms after the first frame. */
  readonly at: number;
  readonly gapMs: number;
  /** The main thread's self time in the gap, by bucket, ms. */
  readonly main: Readonly<Record<Bucket, number>>;
  /** The longest single task the main thread ran in the gap, ms. */
  readonly longestTaskMs: number;
  /** The main thread's events with the most self time in the gap, ms, biggest first. */
  readonly mainTop: readonly (readonly [string, number])[];
  /** Busy time of the other threads in the gap, by thread name (numbers stripped), ms. */
  readonly threads: Readonly<Record<string, number>>;
}

export interface FrameTrace {
  readonly frames: number;
  readonly late: readonly LateFrame[];
  /** The main thread over the whole scroll, by bucket, ms. */
  readonly mainTotal: Readonly<Record<Bucket, number>>;
  readonly spanMs: number;
  /** The renderer's main thread, `pid:tid`. */
  readonly mainThread: string;
}

const emptyBuckets = (): Record<Bucket, number> => ({ script: 0, gc: 0, style: 0, layout: 0, paint: 0, other: 0 });

/** Time of the slices that lie within [from, to), clipped to it, by bucket (self time scaled by the part inside). */
function addClipped(into: Record<Bucket, number>, slices: readonly Slice[], from: number, to: number): void {
  for (const s of slices) {
    if (s.end <= from || s.ts >= to || s.self === 0) continue;
    const inside = (Math.min(s.end, to) - Math.max(s.ts, from)) / (s.end - s.ts);
    into[s.bucket] += (s.self * inside) / 1000;
  }
}

/** Busy time of the top-level tasks of a thread inside [from, to), ms. */
function busy(slices: readonly Slice[], from: number, to: number): number {
  let total = 0;
  for (const s of slices) if (s.depth === 0 && s.end > from && s.ts < to) total += Math.min(s.end, to) - Math.max(s.ts, from);
  return total / 1000;
}

/**
 * When each animation frame of a thread ran its callbacks: one time per frame however many
 * callbacks it ran (the page's own, and the scroll's), so the gaps are the page's frame gaps.
 */
export function animationFrames(events: readonly TraceEvent[]): number[] {
  const serviced = events.filter((e) => e.name === 'PageAnimator::serviceScriptedAnimations' && e.ph === 'X' && e.dur !== undefined);
  const callbacks = events.filter((e) => e.name === 'FireAnimationFrame');
  const frames = serviced.filter((frame) => callbacks.some((c) => c.pid === frame.pid && c.tid === frame.tid && c.ts >= frame.ts && c.ts <= frame.ts + frame.dur!));
  return (frames.length > 0 ? frames : callbacks).map((e) => e.ts).sort((a, b) => a - b);
}

/**
 * The late frames of a trace taken while a page scrolled in animation frames. The renderer is
 * the process whose main thread ran the most animation frames (a browser has others).
 */
export function lateFrames(events: readonly TraceEvent[], lateMs = 50): FrameTrace {
  const threadNames = new Map<string, string>();
  for (const e of events) if (e.ph === 'M' && e.name === 'thread_name' && e.args?.name) threadNames.set(`${e.pid}:${e.tid}`, e.args.name);
  const byThread = new Map<string, TraceEvent[]>();
  for (const e of events) {
    if (e.ph === 'M') continue;
    const id = `${e.pid}:${e.tid}`;
    let list = byThread.get(id);
    if (!list) byThread.set(id, (list = []));
    list.push(e);
  }
  let mainId = '';
  let frameTimes: number[] = [];
  for (const [id, list] of byThread) {
    if (threadNames.get(id) !== 'CrRendererMain') continue;
    const times = animationFrames(list);
    if (times.length > frameTimes.length) [mainId, frameTimes] = [id, times];
  }
  const main = slicesOf(byThread.get(mainId) ?? []);
  const mainPid = mainId.split(':')[0];
  // The renderer's compositor and raster workers, and the GPU process (display compositing in software).
  const others = [...byThread.entries()]
    .filter(([id]) => id !== mainId && (id.startsWith(`${mainPid}:`) || /^(VizCompositorThread|CrGpuMain)/.test(threadNames.get(id) ?? '')))
    .map(([id, list]) => ({ name: (threadNames.get(id) ?? id).replace(/\d+$/, ''), slices: slicesOf(list) }));
  const late: LateFrame[] = [];
  for (let i = 1; i < frameTimes.length; i++) {
    const from = frameTimes[i - 1]!;
    const to = frameTimes[i]!;
    if ((to - from) / 1000 <= lateMs) continue;
    const buckets = emptyBuckets();
    addClipped(buckets, main, from, to);
    let longest = 0;
    for (const s of main) if (s.depth === 0 && s.end > from && s.ts < to) longest = Math.max(longest, s.end - s.ts);
    const byName = new Map<string, number>();
    for (const sl of main) {
      if (sl.end <= from || sl.ts >= to || sl.self === 0) continue;
      byName.set(sl.name, (byName.get(sl.name) ?? 0) + (sl.self * (Math.min(sl.end, to) - Math.max(sl.ts, from))) / (sl.end - sl.ts) / 1000);
    }
    const mainTop = [...byName].sort((a, b) => b[1] - a[1]).slice(0, 4);
    const threads: Record<string, number> = {};
    for (const o of others) {
      const time = busy(o.slices, from, to);
      if (time > 0.5) threads[o.name] = (threads[o.name] ?? 0) + time;
    }
    late.push({ at: (to - frameTimes[0]!) / 1000, gapMs: (to - from) / 1000, main: buckets, longestTaskMs: longest / 1000, mainTop, threads });
  }
  const mainTotal = emptyBuckets();
  if (frameTimes.length > 1) addClipped(mainTotal, main, frameTimes[0]!, frameTimes[frameTimes.length - 1]!);
  return { mainThread: mainId, frames: Math.max(0, frameTimes.length - 1), late, mainTotal, spanMs: frameTimes.length > 1 ? (frameTimes[frameTimes.length - 1]! - frameTimes[0]!) / 1000 : 0 };
}
