/**
 * A metrics answer packed to cross from a Worker to the page. 50,000 pods' samples are 8 MB of
 * JSON; read and parsed on the page that was about 110 ms of main thread, a late frame or three
 * each time metrics-server had a new sample (bench row 9s). A Worker reads and parses it, and
 * hands over what a structured clone copies cheaply: the names as one string, the few distinct
 * namespaces, timestamps and windows as tables with an index per sample, the numbers in typed
 * arrays. `unpackMetrics` gives back the answer exactly as JSON.parse would have.
 */
import { inSlices, type Pause } from '../../adapters/engine/slices.js';
import type { MetricsBody, MetricsRow } from '../../adapters/protocol.js';

/** Distinct values and, per sample, its value's place among them (0: absent). */
interface Table<V> {
  readonly values: readonly V[];
  readonly at: Uint32Array;
}

export interface PackedMetrics {
  readonly head: Omit<MetricsBody, 'items'>;
  /** Every sample's name, joined by newlines (a Kubernetes name cannot hold one), or listed when one does. */
  readonly names: string | readonly string[];
  readonly namespaces: Table<string>;
  readonly timestamps: Table<string | null>;
  readonly windows: Table<string | null>;
  /** NaN where the answer had null. */
  readonly cpu: Float64Array;
  readonly memory: Float64Array;
}

function tableOf<V>(items: readonly MetricsRow[], read: (item: MetricsRow) => V | undefined): Table<V> {
  const places = new Map<V, number>();
  const values: V[] = [];
  const at = new Uint32Array(items.length);
  for (let i = 0; i < items.length; i++) {
    const value = read(items[i]!);
    if (value === undefined) continue;
    let place = places.get(value);
    if (place === undefined) {
      values.push(value);
      places.set(value, (place = values.length));
    }
    at[i] = place;
  }
  return { values, at };
}

/** Null for a body that is not a metrics answer: it crosses as it is. */
export function packMetrics(body: unknown): PackedMetrics | null {
  if (typeof body !== 'object' || body === null || !Array.isArray((body as MetricsBody).items)) return null;
  const { items, ...head } = body as MetricsBody;
  const n = items.length;
  const names = items.map((item) => item.name);
  const cpu = new Float64Array(n);
  const memory = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const usage = items[i]!.usage;
    cpu[i] = usage?.cpuMillicores ?? Number.NaN;
    memory[i] = usage?.memoryBytes ?? Number.NaN;
  }
  return {
    head,
    names: names.some((name) => name.includes('\n')) ? names : names.join('\n'),
    namespaces: tableOf(items, (item) => item.namespace),
    timestamps: tableOf(items, (item) => item.timestamp),
    windows: tableOf(items, (item) => item.window),
    cpu,
    memory,
  };
}

export function unpackMetrics(packed: PackedMetrics): MetricsBody {
  const unpacking = unpacker(packed);
  unpacking.read(0, packed.cpu.length);
  return unpacking.body;
}

/**
 * unpackMetrics in slices (adapters/engine/slices.ts): 50,000 samples made into objects are
 * several milliseconds of the page, which a metrics answer should not take from one frame.
 */
export async function unpackMetricsInSlices(packed: PackedMetrics, pause?: Pause): Promise<MetricsBody> {
  const unpacking = unpacker(packed);
  await inSlices(packed.cpu.length, unpacking.read, pause);
  return unpacking.body;
}

/** The answer's body, its items filled in as `read` reaches them. */
function unpacker(packed: PackedMetrics): { body: MetricsBody; read: (from: number, to: number) => void } {
  const n = packed.cpu.length;
  const names = typeof packed.names === 'string' ? (n === 0 ? [] : packed.names.split('\n')) : packed.names;
  const valueAt = <V>(table: Table<V>, i: number): V | undefined => (table.at[i] === 0 ? undefined : table.values[table.at[i]! - 1]);
  const items = new Array<MetricsRow>(n);
  const read = (from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const namespace = valueAt(packed.namespaces, i);
      const cpu = packed.cpu[i]!;
      const memory = packed.memory[i]!;
      const usage = { cpuMillicores: Number.isNaN(cpu) ? null : cpu, memoryBytes: Number.isNaN(memory) ? null : memory };
      const row = { name: names[i]!, timestamp: valueAt(packed.timestamps, i) ?? null, window: valueAt(packed.windows, i) ?? null, usage };
      items[i] = namespace === undefined ? row : { name: row.name, namespace, timestamp: row.timestamp, window: row.window, usage };
    }
  };
  return { body: { ...packed.head, items }, read };
}
