/**
 * `node dist/bench/longTurns.js FILE.cpuprofile [--over MS]`: the stretches of a CPU profile in
 * which the event loop never went idle for at least MS (default 40), longest first, each with
 * where its time went: by the callback the loop entered (the stack's first frame), by our own
 * deepest function on the stack (a file of dist/), and by the function that was running.
 *
 * A stretch is a run of samples none of which is `(idle)`. Several short turns back to back make
 * one stretch too, so a stretch is an upper bound on its longest turn; a long stretch under a
 * single entry is one turn, or turns of one kind queued behind each other.
 */
import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  startTime: number;
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

interface Frame {
  readonly node: ProfileNode;
  readonly parent: Frame | null;
}

const { values, positionals } = parseArgs({ allowPositionals: true, options: { over: { type: 'string', default: '40' }, top: { type: 'string', default: '5' } } });
const overMs = Number(values.over);
const topN = Number(values.top);

function label(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const file = url.replace(/^.*\/(dist|node_modules)\//, '$1/').replace(/^node:/, '');
  return `${functionName || '(anonymous)'}${file ? ` ${file}:${lineNumber + 1}` : ''}`;
}

function frames(profile: CpuProfile): Map<number, Frame> {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const out = new Map<number, Frame>();
  const visit = (node: ProfileNode, parent: Frame | null) => {
    const frame = { node, parent };
    out.set(node.id, frame);
    for (const child of node.children ?? []) visit(byId.get(child)!, frame);
  };
  visit(profile.nodes[0]!, null);
  return out;
}

/** The stack's first frame under the root: the callback the loop entered, or (garbage collector), (program). */
function entryOf(frame: Frame): string {
  let at = frame;
  while (at.parent?.parent) at = at.parent;
  return label(at.node);
}

/** The deepest frame of ours (a file of dist/, not node_modules) on the stack. */
function oursOf(frame: Frame): string {
  for (let at: Frame | null = frame; at; at = at.parent) if (at.node.callFrame.url.includes('/dist/')) return label(at.node);
  return '(none of ours)';
}

function tally(into: Map<string, number>, key: string, ms: number): void {
  into.set(key, (into.get(key) ?? 0) + ms);
}

function top(map: Map<string, number>, total: number): string {
  return [...map]
    .sort((a, b) => b[1] - a[1])
    .slice(0, topN)
    .map(([key, ms]) => `      ${ms.toFixed(0).padStart(5)} ms ${((100 * ms) / total).toFixed(0).padStart(3)} %  ${key}`)
    .join('\n');
}

interface Window {
  readonly startMs: number;
  ms: number;
  /** Time between two samples past 5 ms: the sampler (and so the process) did not run. */
  unsampledMs: number;
  readonly entries: Map<string, number>;
  readonly ours: Map<string, number>;
  readonly self: Map<string, number>;
}

function newWindow(startMs: number): Window {
  return { startMs, ms: 0, unsampledMs: 0, entries: new Map(), ours: new Map(), self: new Map() };
}

function print(w: Window, what: string): void {
  console.log(`  ${what} ${w.ms.toFixed(0)} ms at ${(w.startMs / 1000).toFixed(2)} s (of which ${w.unsampledMs.toFixed(0)} ms between samples more than 5 ms apart: not running)`);
  console.log(`    entered by:\n${top(w.entries, w.ms)}`);
  console.log(`    ours, deepest:\n${top(w.ours, w.ms)}`);
  console.log(`    running:\n${top(w.self, w.ms)}`);
}

for (const file of positionals) {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = frames(profile);
  const heldFile = file.replace(/\.cpuprofile$/, '.held.json');
  // The loop's held windows from servingBackendProcess.ts, on the profile's clock, in ms from its start.
  const held = existsSync(heldFile)
    ? (JSON.parse(readFileSync(heldFile, 'utf8')) as { fromUs: number; toUs: number }[]).map((h) => ({ from: (h.fromUs - profile.startTime) / 1000, to: (h.toUs - profile.startTime) / 1000, window: newWindow((h.fromUs - profile.startTime) / 1000) }))
    : [];
  const stretches: Window[] = [];
  let at = 0;
  let current: Window | null = null;
  for (let i = 0; i < profile.samples.length; i++) {
    at += profile.timeDeltas[i]! / 1000;
    // A sample stands for the time until the next one.
    const ms = (profile.timeDeltas[i + 1] ?? 0) / 1000;
    const frame = byId.get(profile.samples[i]!)!;
    const add = (w: Window) => {
      w.ms += ms;
      if (ms > 5) w.unsampledMs += ms;
      tally(w.entries, entryOf(frame), ms);
      tally(w.ours, oursOf(frame), ms);
      tally(w.self, label(frame.node), ms);
    };
    for (const h of held) if (at >= h.from && at < h.to) add(h.window);
    if (frame.node.callFrame.functionName === '(idle)') {
      if (current && current.ms >= overMs) stretches.push(current);
      current = null;
      continue;
    }
    current ??= newWindow(at);
    add(current);
  }
  if (current && current.ms >= overMs) stretches.push(current);
  console.log(`${file}: ${(at / 1000).toFixed(1)} s profiled, ${stretches.length} stretches of ${overMs} ms or more without idling`);
  if (held.length > 0) {
    const shortest = Math.min(...held.map((h) => h.to - h.from));
    console.log(`${held.length} windows in which the loop was held ${shortest.toFixed(0)} ms or more (${heldFile}), longest first:`);
    for (const h of held.sort((a, b) => b.to - b.from - (a.to - a.from)).slice(0, 10)) print(h.window, `held ${(h.to - h.from).toFixed(0)} ms, sampled`);
    // Every held window together: what the long turns are made of, not only the longest few.
    const all = newWindow(0);
    for (const { window: w } of held) {
      all.ms += w.ms;
      all.unsampledMs += w.unsampledMs;
      for (const [into, from] of [[all.entries, w.entries], [all.ours, w.ours], [all.self, w.self]] as const) for (const [key, ms] of from) tally(into, key, ms);
    }
    print(all, `all ${held.length} held windows together:`);
  } else {
    for (const s of stretches.sort((a, b) => b.ms - a.ms).slice(0, 10)) print(s, 'stretch');
  }
}
