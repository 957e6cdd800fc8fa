/**
 * The engine reading resets in pieces, over real sockets from a real backend and demo cluster: a
 * view already shown swaps in a reset only once its last piece lands, and then holds the
 * cluster's pods. Pieces tampered with on the way (a row changed, a piece lost, pieces
 * swapped) never become the store's rows: the engine drops them, resyncs, and ends on the truth.
 */
import type { Engine } from '../../../adapters/engine/engine.js';
import { createEngine } from '../../../adapters/engine/engine.js';
import { ResetAssembly } from '../../../adapters/engine/resetPieces.js';
import { digestOf } from '../../../adapters/digest.js';
import type { ResetFrame, Row } from '../../../adapters/protocol.js';
import type { Stack } from '../../server/support.js';
import { demoDigest, startStack, tamperingSocket, testConfig, waitFor } from '../../server/support.js';

const untouched = (text: string) => [text];

let stack: Stack;
let engine: Engine | null = null;

beforeAll(async () => {
  stack = await startStack({ demo: { nodes: 3, pods: 2500, churn: 0, seed: 5 } });
});
afterAll(() => stack.stop());
afterEach(() => {
  engine?.stop();
  engine = null;
});

function start(tamper: (text: string) => string[]): Engine {
  engine = createEngine({ server: stack.backend.url, config: testConfig, socket: tamperingSocket(tamper) });
  return engine;
}

/**
 * Subscribes to pods and asks for a reset once streaming: the subscription itself resumes from
 * the first snapshot (no reset when the backend's cache answered it), so the reset is asked for.
 */
async function subscribeAndAskReset(e: Engine): Promise<void> {
  await subscribeUntilStreaming(e);
  e.refresh('pods', '');
}

async function subscribeUntilStreaming(e: Engine): Promise<void> {
  e.subscribe('pods', '');
  await waitFor('pods streamingHealthy', () => e.diagnostics().rows.find((r) => r.key === 'pods:')?.state === 'streamingHealthy');
}

async function holdsTheClusterPods(e: Engine): Promise<void> {
  await waitFor('the store to hold the cluster pods', () => {
    const rows = e.store.collection('pods:')?.rows;
    return rows !== undefined && digestOf(rows.values()) === demoDigest(stack.demo, 'pods').digest && e.store.collection('pods:')?.loading === null;
  });
}

test('a reset of a view already shown swaps in only when whole: no partial rows, no loading mark', async () => {
  const e = start(untouched);
  await subscribeUntilStreaming(e);
  await holdsTheClusterPods(e);
  const seen: { rows: number; loading: unknown }[] = [];
  e.store.onRowsChanged(({ key }) => {
    const c = e.store.collection(key);
    if (key === 'pods:' && c) seen.push({ rows: c.rows.size, loading: c.loading });
  });
  const resets = e.counters.resetsReceived;
  // A lost frame: the engine sees the gap and asks for a reset, which comes in pieces.
  await fetch(`${stack.base}/_debug/faults`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ fault: 'drop-next-frame' }) });
  await waitFor('the resync reset', () => e.counters.resetsReceived > resets, 30_000);
  await holdsTheClusterPods(e);
  const truth = demoDigest(stack.demo, 'pods');
  expect(seen.length).toBeGreaterThan(0);
  expect(seen.every((s) => s.loading === null && s.rows === truth.count)).toBe(true);
});

test('a changed row in a piece breaks the digest: the reset is dropped, the engine resyncs, the tampered row never stays', async () => {
  let tampered = 0;
  const e = start((text) => {
    if (tampered === 0 && text.startsWith('{"type":"reset-piece"')) {
      tampered++;
      return [text.replace(/"resourceVersion":"\d+"/, '"resourceVersion":"tampered"')];
    }
    return [text];
  });
  await subscribeAndAskReset(e);
  await waitFor('a tampered piece', () => tampered === 1);
  // The view keeps the rows it shows until a reset is whole, so it holds the cluster's pods before
  // the tampered reset's last piece is checked too: wait for the drift, then for the resync.
  await waitFor('the tampered reset refused as drift', () => e.counters.drifts > 0, 30_000);
  // Refused by the reset's own digest when whole, not only later by a heartbeat that disagreed.
  expect(e.counters.lastFrameError).toMatch(/^reset \d+: digest \S+, expected /);
  await holdsTheClusterPods(e);
  expect([...e.store.collection('pods:')!.rows.values()].some((r) => r.resourceVersion === 'tampered')).toBe(false);
});

test('a lost last piece, with a heartbeat in its place, is a cut-short reset: dropped, and resynced', async () => {
  let cut = 0;
  let pieces = 0;
  const e = start((text) => {
    if (cut === 0 && text.startsWith('{"type":"reset"')) pieces = (JSON.parse(text) as { pieces?: number }).pieces ?? 0;
    if (cut === 0 && pieces > 0 && text.includes(`"piece":${pieces - 1},`)) {
      cut++;
      return [];
    }
    return [text];
  });
  await subscribeAndAskReset(e);
  await waitFor('a lost piece', () => cut === 1);
  await waitFor('the next frame to cut the reset short', () => e.counters.framesRejected > 0);
  expect(e.counters.lastFrameError).toMatch(/before the last piece/);
  await holdsTheClusterPods(e);
});

test('pieces swapped in order are refused', async () => {
  let held: string | null = null;
  let swapped = false;
  const e = start((text) => {
    if (!swapped && text.startsWith('{"type":"reset-piece"') && text.includes('"piece":1,')) {
      held = text;
      return [];
    }
    if (!swapped && held !== null && text.startsWith('{"type":"reset-piece"')) {
      swapped = true;
      return [text, held];
    }
    return [text];
  });
  await subscribeAndAskReset(e);
  await waitFor('swapped pieces', () => swapped);
  // As above: the rows shown are the cluster's all along, so wait for the refusal itself.
  await waitFor('the swapped pieces refused as drift', () => e.counters.drifts > 0, 30_000);
  await holdsTheClusterPods(e);
});

describe('ResetAssembly', () => {
  const row = (i: number): Row => ({ uid: `u${i}`, resourceVersion: `${i}` }) as Row;
  const head = (rows: Row[], count: number, pieces: number) =>
    ({ type: 'reset', id: 'p', seq: 1, generation: 1, resourceVersion: '9', items: rows, count, digest: digestOf([...Array(count).keys()].map(row)), upstream: { state: 'watching', healthy: true }, pieces }) as unknown as ResetFrame & { pieces: number };

  test('refuses rows past the count, and a piece with no reset open', () => {
    const assembly = new ResetAssembly();
    expect(assembly.begin(head([row(0)], 2, 2)).status).toBe('incomplete');
    expect(assembly.add({ type: 'reset-piece', id: 'p', seq: 1, piece: 1, items: [row(1), row(2)] }).status).toBe('broken');
    expect(assembly.isOpen('p')).toBe(false);
    expect(assembly.add({ type: 'reset-piece', id: 'p', seq: 1, piece: 1, items: [row(1)] }).status).toBe('broken');
  });

  test('completes with every row, without pieces, when count and digest hold', () => {
    const assembly = new ResetAssembly();
    assembly.begin(head([row(0)], 3, 3));
    expect(assembly.add({ type: 'reset-piece', id: 'p', seq: 1, piece: 1, items: [row(1)] })).toEqual({ status: 'incomplete', rowsSoFar: 2 });
    const outcome = assembly.add({ type: 'reset-piece', id: 'p', seq: 1, piece: 2, items: [row(2)] });
    if (outcome.status !== 'complete') throw new Error(outcome.status);
    expect(outcome.frame.items.map((r) => r.uid)).toEqual(['u0', 'u1', 'u2']);
    expect('pieces' in outcome.frame).toBe(false);
  });

  test('a last piece one row short breaks on the count', () => {
    const assembly = new ResetAssembly();
    assembly.begin(head([row(0)], 3, 2));
    expect(assembly.add({ type: 'reset-piece', id: 'p', seq: 1, piece: 1, items: [row(1)] }).status).toBe('broken');
  });
});
