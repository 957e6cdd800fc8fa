/**
 * Rows 4 and 8: how fast a subscription falls back when its stream dies or goes silent, and what
 * it costs to be current again after a short cut.
 */
import WebSocket from 'ws';
import { digestOf } from '../adapters/digest.js';
import { createEngine, type Engine } from '../adapters/engine/engine.js';
import type { FetchLike } from '../adapters/engine/snapshots.js';
import { parseServerFrame, type Row, type ServerFrame } from '../adapters/protocol.js';
import { resolveConfig, type ConfigOverrides } from '../machines/config.js';
import type { Backend } from '../server/backend.js';
import { countingFetch } from './clients.js';
import { countingSockets, sleep, waitUntil } from './support.js';

async function debugFault(backend: Backend, body: object | null): Promise<void> {
  const response = await fetch(`${backend.url}_debug/faults`, {
    method: body ? 'POST' : 'DELETE',
    headers: { 'content-type': 'application/json' },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  if (response.status >= 300) throw new Error(`debug fault ${JSON.stringify(body)}: ${response.status}`);
}

const podsRow = (engine: Engine) => engine.diagnostics().rows.find((r) => r.key === 'pods:')!;
const polls = (engine: Engine) => {
  const c = podsRow(engine).counters;
  return (c.snapshots ?? 0) + (c.unchangedPolls ?? 0);
};
const healthy = (engine: Engine) => podsRow(engine)?.state === 'streamingHealthy';

export interface FailoverTimes {
  /** From the socket being closed to the first fallback snapshot applied. */
  readonly deathMs: number[];
  /** From the last delivery before the stall to the first fallback snapshot applied. */
  readonly stallMs: number[];
  readonly stallTimeoutMs: number;
}

export async function failoverTimes(backend: Backend, config: ConfigOverrides, repeats: number): Promise<FailoverTimes> {
  const engine = createEngine({ server: backend.url, config, socket: countingSockets().factory });
  engine.subscribe('pods', '');
  const times: FailoverTimes = { deathMs: [], stallMs: [], stallTimeoutMs: resolveConfig(config).stallTimeoutMs };
  try {
    for (let i = 0; i < repeats; i++) {
      for (const kind of ['death', 'stall'] as const) {
        if (!(await waitUntil(() => healthy(engine), 60_000, 10))) throw new Error('pods never became healthy');
        await sleep(300);
        const before = polls(engine);
        const lastDeliveryAge = podsRow(engine).stream?.lastDeliveryAgeMs ?? 0;
        const t0 = performance.now();
        await debugFault(backend, { fault: kind === 'death' ? 'close-streams' : 'stall-streams' });
        await waitUntil(() => polls(engine) > before, 60_000, 2);
        const elapsed = performance.now() - t0;
        if (kind === 'death') times.deathMs.push(elapsed);
        else times.stallMs.push(elapsed + lastDeliveryAge);
        await debugFault(backend, null);
      }
    }
  } finally {
    engine.stop();
  }
  return times;
}

export interface ReconnectCost {
  readonly bytes: number;
  /** From the reconnected socket opening to the store being current again (first frame applied). */
  readonly ms: number;
  /** The next heartbeat agreed with the store. */
  readonly verified: boolean;
  readonly frame: 'reset' | 'update' | 'other';
}

/** A protocol-level client holding pods, ready to be cut and to reconnect. */
interface ProtocolClient {
  /** Resolves when the backend has closed the first stream. */
  readonly closed: Promise<void>;
  /** Reconnects (retrying while streams are refused), subscribes with or without `resumeFrom`, and counts until current. */
  reconnect(resume: boolean): Promise<ReconnectCost>;
}

/**
 * A client of the protocol alone: it holds pods from a first stream whose heartbeat agreed, and
 * after a cut reconnects and subscribes with `resumeFrom` or without, counting what it receives
 * until its store is current, then checks the next heartbeat.
 */
async function protocolClient(backend: Backend): Promise<ProtocolClient> {
  const rows = new Map<string, Row>();
  let seq = 0;
  let generation = 0;
  let resourceVersion = '';
  /** Pieces still to come of the last reset: the store is current only once they are in. */
  let resetPiecesLeft = 0;
  const apply = (frame: ServerFrame) => {
    if (frame.type === 'error') throw new Error(`stream error ${frame.code}`);
    seq = frame.seq;
    if (frame.type === 'reset') {
      rows.clear();
      for (const row of frame.items) rows.set(row.uid, row);
      resetPiecesLeft = (frame.pieces ?? 1) - 1;
    } else if (frame.type === 'reset-piece') {
      // More of the reset before it (docs/protocol.md, "Resets in pieces"): its generation stands.
      for (const row of frame.items) rows.set(row.uid, row);
      resetPiecesLeft--;
      return;
    } else if (frame.type === 'update') {
      for (const c of frame.changes) if (c.op === 'delete') rows.delete(c.uid);
      else rows.set(c.row.uid, c.row);
    } else return;
    generation = frame.generation;
    resourceVersion = frame.resourceVersion;
  };
  const open = async (onFrame: (frame: ServerFrame, bytes: number) => void) => {
    const ws = new WebSocket(`${backend.url.replace(/^http/, 'ws')}api/v1/stream`);
    ws.on('message', (data: Buffer) => {
      const parsed = parseServerFrame(data.toString());
      if (parsed.ok) onFrame(parsed.frame, data.length);
    });
    const ok = await new Promise<boolean>((resolve) => {
      ws.once('open', () => resolve(true));
      ws.once('error', () => resolve(false));
    });
    return ok ? ws : null;
  };

  let agreed = false;
  const first = await open((frame) => {
    apply(frame);
    if (frame.type === 'heartbeat' && frame.generation === generation && frame.digest === digestOf(rows.values())) agreed = true;
  });
  if (!first) throw new Error('cannot open the stream');
  const firstSocket = first;
  first.send(JSON.stringify({ type: 'subscribe', id: 'pods', domain: 'pods', scope: '' }));
  if (!(await waitUntil(() => agreed, 60_000, 10))) throw new Error('the first stream never agreed');
  const closed = new Promise<void>((resolve) => first.once('close', () => resolve()));

  async function reconnect(resume: boolean): Promise<ReconnectCost> {
    let second: WebSocket | null = null;
    while (!(second = await open(() => undefined))) await sleep(50);
    const reconnected = performance.now();
    let bytes = 0;
    let currentAt = 0;
    let kind: ReconnectCost['frame'] = 'other';
    let verified = false;
    second.removeAllListeners('message');
    second.on('message', (data: Buffer) => {
      const parsed = parseServerFrame(data.toString());
      if (!parsed.ok) return;
      const frame = parsed.frame;
      if (currentAt === 0) bytes += data.length;
      apply(frame);
      if (currentAt === 0 && (frame.type === 'reset' || frame.type === 'reset-piece' || frame.type === 'update') && resetPiecesLeft === 0) {
        currentAt = performance.now();
        kind = frame.type === 'update' ? 'update' : 'reset';
      } else if (currentAt !== 0 && frame.type === 'heartbeat') {
        verified ||= frame.generation === generation && frame.digest === digestOf(rows.values()) && frame.resourceVersion === resourceVersion;
      }
    });
    second.send(JSON.stringify({ type: 'subscribe', id: 'pods', domain: 'pods', scope: '', ...(resume ? { resumeFrom: { seq, generation } } : {}) }));
    await waitUntil(() => currentAt !== 0 && verified, 30_000, 10);
    second.close();
    firstSocket.terminate();
    return { bytes, ms: currentAt === 0 ? Number.NaN : currentAt - reconnected, verified, frame: kind };
  }
  return { closed, reconnect };
}

/** The protocol alone: the backend closes every stream for `cutMs`, and the client reconnects as soon as it may. */
export async function protocolReconnect(backend: Backend, resume: boolean, cutMs: number): Promise<ReconnectCost> {
  const client = await protocolClient(backend);
  await debugFault(backend, { fault: 'close-streams', ms: cutMs });
  await client.closed;
  await sleep(cutMs);
  return client.reconnect(resume);
}

export interface EngineReconnect {
  readonly bytes: number;
  readonly snapshotBytes: number;
  /** From the end of the cut to `streamingHealthy` again. */
  readonly ms: number;
  readonly resumed: boolean;
  /**
   * What a protocol client cut by the same fault, beside the engine, needed to resume: the same
   * churn, so the ratio of the two does not depend on how busy the cluster happened to be.
   */
  readonly protocolResumeBytes: number;
  /** Polls during the cut answered with the changes since the store's generation, and with the whole view. */
  readonly pollsWithChanges: number;
  readonly wholePolls: number;
}

/**
 * What the engine actually does after the same cut, bytes on the socket and in HTTP snapshots.
 * `wholeViewPolls` drops `since` from its polls on the way out, so the same run measures the
 * engine as it was before polls asked for changes (every poll the whole view): the baseline.
 */
export async function engineReconnect(backend: Backend, config: ConfigOverrides, cutMs: number, wholeViewPolls = false): Promise<EngineReconnect> {
  const sockets = countingSockets();
  const http = countingFetch();
  const fetchWithoutSince: FetchLike = (url, init) => http.fetch(url.replace(/&since=[0-9]+/, ''), init);
  const engine = createEngine({ server: backend.url, config, socket: sockets.factory, fetch: wholeViewPolls ? fetchWithoutSince : http.fetch });
  engine.subscribe('pods', '');
  try {
    if (!(await waitUntil(() => healthy(engine), 60_000, 10))) throw new Error('pods never became healthy');
    await sleep(500);
    const beside = await protocolClient(backend);
    const before = { socket: sockets.bytesIn, http: http.bytes, resumes: engine.counters.resumes, resets: engine.counters.resetsReceived, changes: engine.counters.pollsWithChanges, whole: engine.counters.pollsWithWholeView };
    await debugFault(backend, { fault: 'close-streams', ms: cutMs });
    const besideCost = beside.closed.then(() => sleep(cutMs)).then(() => beside.reconnect(true));
    await waitUntil(() => !healthy(engine), 10_000, 5);
    await sleep(cutMs);
    const cutEnded = performance.now();
    await waitUntil(() => healthy(engine), 60_000, 5);
    const measured = { socket: sockets.bytesIn, http: http.bytes, ms: performance.now() - cutEnded };
    return {
      protocolResumeBytes: (await besideCost).bytes,
      bytes: measured.socket - before.socket + (measured.http - before.http),
      snapshotBytes: measured.http - before.http,
      ms: measured.ms,
      resumed: engine.counters.resumes > before.resumes && engine.counters.resetsReceived === before.resets,
      pollsWithChanges: engine.counters.pollsWithChanges - before.changes,
      wholePolls: engine.counters.pollsWithWholeView - before.whole,
    };
  } finally {
    engine.stop();
  }
}
