/**
 * Issue 14's rows at Kubernetes' own limits (150,000 pods, 5,000 nodes in the full run): how soon
 * a cold view shows its first screen of rows and all of them (14f), how long the backend's event
 * loop is held while it serves ten clients a pods view each under churn, with resets whole and
 * in pieces in the same run (14l), and the backend's heap with pods and nodes listed (14h).
 *
 * The backend runs in a child process (servingBackendProcess.ts), so its loop delay and heap are its
 * own, not those of the clients here that receive its frames.
 */
import WebSocket from 'ws';
import { createEngine } from '../adapters/engine/engine.js';
import type { ConfigOverrides } from '../machines/config.js';
import { ServingBackend, type LoopDelay } from './servingBackend.js';
import type { Hold, HeldLoopReading } from './heldLoop.js';
import type { ChildCluster } from './cluster.js';
import { apiAgent, rawList } from './clients.js';
import { kb, ms, ratioOf, type BenchResult } from './report.js';
import { countingSockets, sleep, waitUntil } from './support.js';

/** Rows a dashboard's first screen shows. */
const screenRows = 50;
const clients = 10;
/** Changes a second while the ten clients are served: the load source's cheap writes. */
const churnPerSecond = 1000;
/** The loop's worst turn we accept while serving (issue 14). */
const loopTargetMs = 50;

export interface FirstRowsSizes {
  readonly pods: number;
  readonly nodes: number;
}

/**
 * A raw stream client that counts whole resets without decoding them: a whole reset is one
 * message, a reset in pieces is whole at its last piece. Decoding 150,000 rows ten times over
 * here would take the cores the backend's loop is being measured on.
 */
class ResetCounter {
  resets = 0;
  private pieces = 0;
  readonly socket: WebSocket;

  constructor(base: string) {
    this.socket = new WebSocket(`${base.replace(/^http/, 'ws')}api/v1/stream`);
    this.socket.on('message', (data) => {
      const text = data.toString();
      if (text.startsWith('{"type":"reset-piece"')) {
        const piece = Number(/"piece":(\d+)/.exec(text.slice(0, 200))?.[1]);
        if (piece === this.pieces - 1) this.resets++;
      } else if (text.startsWith('{"type":"reset"')) {
        // `pieces` is the reset's last field: after the rows, in the frame's tail.
        const pieces = /"pieces":(\d+)\}$/.exec(text.slice(-64))?.[1];
        this.pieces = pieces === undefined ? 0 : Number(pieces);
        if (this.pieces === 0) this.resets++;
      }
    });
  }

  opened(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.socket.once('open', () => resolve());
      this.socket.once('error', reject);
    });
  }

  send(frame: unknown): void {
    this.socket.send(JSON.stringify(frame));
  }
}

/** The backend's loop delay while ten clients each get a pods reset, then a resync's reset, under churn. */
/** How many lists the backend's pods upstream has made: a relist diffs every row in one call. */
async function podLists(backend: ServingBackend): Promise<number> {
  const diagnostics = (await (await fetch(`${backend.url}api/v1/diagnostics`)).json()) as { upstreams: { key: string; lists: number }[] };
  return diagnostics.upstreams.find((u) => u.key === 'pods')?.lists ?? -1;
}

type Served = LoopDelay & { servedMs: number; lists: number };

/** The holds' split as raw numbers: `heldWallMs`... for the longest, `ownOnCpuMs`... for the most on a core. */
function heldRaw(prefix: string, held: HeldLoopReading | null): Record<string, number | null> {
  const name = (n: string) => (prefix ? `${prefix}${n[0]!.toUpperCase()}${n.slice(1)}` : n);
  const of = (h: Hold | undefined, key: keyof Hold) => (h ? h[key] : null);
  return {
    [name('heldWallMs')]: of(held?.longest, 'wallMs'),
    [name('heldOnCpuMs')]: of(held?.longest, 'onCpuMs'),
    [name('heldWaitingMs')]: of(held?.longest, 'waitingMs'),
    [name('ownWallMs')]: of(held?.mostOnCpu, 'wallMs'),
    [name('ownOnCpuMs')]: of(held?.mostOnCpu, 'onCpuMs'),
    [name('ownWaitingMs')]: of(held?.mostOnCpu, 'waitingMs'),
  };
}

/** A hold split into our time on a core and the time waiting for one (heldLoop.ts). */
export function holdText(h: Hold): string {
  return `${ms(h.wallMs)} (${ms(h.onCpuMs)} on a core, ${ms(h.waitingMs)} waiting for one)`;
}

/** The longest holds, in pieces and whole. */
function heldNote(pieces: HeldLoopReading | null, whole: HeldLoopReading | null): string {
  if (!pieces || !whole) return '';
  return `; the longest hold in pieces ${holdText(pieces.longest)}, the hold with most time on a core ${holdText(pieces.mostOnCpu)}; whole: ${holdText(whole.longest)} and ${holdText(whole.mostOnCpu)}`;
}

export async function loopWhileServing(cluster: ChildCluster, backend: ServingBackend): Promise<Served> {
  await cluster.setChurn(churnPerSecond, 'load');
  await backend.loopDelay(true);
  const started = performance.now();
  const counters = Array.from({ length: clients }, () => new ResetCounter(backend.url));
  try {
    await Promise.all(counters.map((c) => c.opened()));
    counters.forEach((c, i) => c.send({ type: 'subscribe', id: `pods-${i}`, domain: 'pods', scope: '' }));
    if (!(await waitUntil(() => counters.every((c) => c.resets >= 1), 600_000, 20))) throw new Error('the ten first resets never all arrived');
    counters.forEach((c, i) => c.send({ type: 'resync', id: `pods-${i}` }));
    if (!(await waitUntil(() => counters.every((c) => c.resets >= 2), 600_000, 20))) throw new Error('the ten resync resets never all arrived');
    const servedMs = performance.now() - started;
    await sleep(2000); // and the churn's updates to all ten after
    return { ...(await backend.loopDelay(false)), servedMs, lists: await podLists(backend) };
  } finally {
    for (const c of counters) c.socket.terminate();
    await cluster.setChurn(0);
  }
}

/** A cold view in a real engine: when its store first holds a screen of rows, and all of them. */
export async function coldView(backend: ServingBackend, config: ConfigOverrides, count: number): Promise<{ firstScreenMs: number; completeMs: number }> {
  const engine = createEngine({ server: backend.url, config, socket: countingSockets().factory });
  try {
    const started = performance.now();
    let firstScreenMs = Number.NaN;
    engine.store.onRowsChanged(({ key }) => {
      if (Number.isNaN(firstScreenMs) && key === 'pods:' && (engine.store.collection(key)?.rows.size ?? 0) >= screenRows) firstScreenMs = performance.now() - started;
    });
    engine.subscribe('pods', '');
    const done = await waitUntil(() => (engine.store.collection('pods:')?.rows.size ?? 0) >= count && engine.store.collection('pods:')?.loading === null, 600_000, 5);
    if (!done) throw new Error(`the cold view never reached ${count} rows`);
    return { firstScreenMs, completeMs: performance.now() - started };
  } finally {
    engine.stop();
  }
}

export async function firstRowsRows(cluster: ChildCluster, sizes: FirstRowsSizes, config: ConfigOverrides): Promise<BenchResult[]> {
  const agent = apiAgent(cluster);
  // A kept-alive socket can be closed by the server just as a 349 MB answer's request goes out
  // on it ("socket hang up", 2 runs in 6): such a read is asked again, not counted.
  const timedList = async () => {
    const started = performance.now();
    const list = await rawList(cluster, agent, '/api/v1/pods');
    return { raw: list, rawMs: performance.now() - started };
  };
  const list = () => timedList().catch(timedList);
  await list(); // once to warm up, then timed
  const { raw, rawMs } = await list();
  agent.destroy();

  const inPieces = await ServingBackend.start(cluster.kubeconfigYaml, config, {});
  let cold: { firstScreenMs: number; completeMs: number };
  let heapBytes: number;
  let pieced: Served;
  try {
    cold = await coldView(inPieces, config, raw.items);
    // Nodes too, as a dashboard's first page lists them: the heap with both caches listed.
    const nodes = new ResetCounter(inPieces.url);
    await nodes.opened();
    nodes.send({ type: 'subscribe', id: 'nodes', domain: 'nodes', scope: '' });
    nodes.send({ type: 'subscribe', id: 'pods', domain: 'pods', scope: '' });
    await waitUntil(() => nodes.resets >= 2, 600_000, 20);
    heapBytes = await inPieces.heapUsedBytes();
    pieced = await loopWhileServing(cluster, inPieces);
    nodes.socket.terminate();
  } finally {
    await inPieces.stop();
  }
  // The same load with every reset whole, as before issue 14: the baseline of row 14l.
  const wholeBackend = await ServingBackend.start(cluster.kubeconfigYaml, config, { rowsPerResetPiece: Number.MAX_SAFE_INTEGER });
  let whole: Served;
  try {
    whole = await loopWhileServing(cluster, wholeBackend);
  } finally {
    await wholeBackend.stop();
  }

  const full = sizes.pods >= 150_000;
  return [
    {
      row: '14f',
      what: `cold view of ${raw.items} pods: first screen (${screenRows} rows) in the engine's store`,
      kubelive: ms(cold.firstScreenMs),
      baseline: `raw GET+parse ${ms(rawMs)}`,
      ratio: ratioOf(cold.firstScreenMs, rawMs),
      target: '≤ 0.1× raw',
      met: full ? cold.firstScreenMs <= 0.1 * rawMs : null,
      raw: { firstScreenMs: cold.firstScreenMs, completeMs: cold.completeMs, rawMs, rawBytes: raw.bytes },
      note: 'a cold backend: it lists the API server, then the engine loads its snapshot',
    },
    {
      row: '14c',
      what: `cold view of ${raw.items} pods: complete in the engine's store`,
      kubelive: ms(cold.completeMs),
      baseline: `raw GET+parse ${ms(rawMs)}`,
      ratio: ratioOf(cold.completeMs, rawMs),
      target: '≤ 1.0× raw',
      met: full ? cold.completeMs <= rawMs : null,
      raw: { completeMs: cold.completeMs, rawMs },
    },
    {
      row: '14l',
      key: '14l',
      what: `backend loop delay, max, ${clients} clients × ${raw.items} pods, a reset and a resync each, ${churnPerSecond} changes/s`,
      kubelive: `max ${ms(pieced.maxMs)}, p99 ${ms(pieced.p99Ms)}${pieced.held ? `; longest own turn ${ms(pieced.held.mostOnCpu.onCpuMs)} on a core` : ''}`,
      baseline: `whole resets: max ${ms(whole.maxMs)}, p99 ${ms(whole.p99Ms)}`,
      ratio: ratioOf(pieced.maxMs, whole.maxMs),
      target: `max ≤ ${loopTargetMs} ms`,
      // Judged at full size only, as the other rows 14: the quick run's sizes say nothing of the limits.
      met: full ? pieced.maxMs <= loopTargetMs : null,
      raw: {
        maxMs: pieced.maxMs,
        p99Ms: pieced.p99Ms,
        meanMs: pieced.meanMs,
        longestGcMs: pieced.longestGcMs,
        servedMs: pieced.servedMs,
        podLists: pieced.lists,
        wholeMaxMs: whole.maxMs,
        wholeP99Ms: whole.p99Ms,
        wholeMeanMs: whole.meanMs,
        wholeLongestGcMs: whole.longestGcMs,
        wholeServedMs: whole.servedMs,
        wholePodLists: whole.lists,
        ...heldRaw('', pieced.held),
        ...heldRaw('whole', whole.held),
      },
      note: `every reset served in ${ms(pieced.servedMs)} in pieces, ${ms(whole.servedMs)} whole; longest GC pause ${ms(pieced.longestGcMs)} in pieces, ${ms(whole.longestGcMs)} whole; the pods upstream listed ${pieced.lists} times in pieces, ${whole.lists} whole (a relist diffs every row at once); the delay is the backend process's own (monitorEventLoopDelay, 10 ms resolution)${heldNote(pieced.held, whole.held)}`,
    },
    {
      row: '14h',
      what: `backend heap, ${raw.items} pods and ${sizes.nodes} nodes listed`,
      kubelive: kb(heapBytes),
      baseline: `raw pods JSON ${kb(raw.bytes)}`,
      ratio: ratioOf(heapBytes, raw.bytes),
      target: '< 1 GiB at 150,000 pods and 5,000 nodes',
      met: full ? heapBytes < 1024 ** 3 : null,
      raw: { heapBytes, rawBytes: raw.bytes },
      note: 'the whole heap of the backend process after two collections, not growth only',
    },
  ];
}
