/**
 * Issue 14: what the API server's cheaper reads save on a cold list of every pod, each against
 * the raw GET + JSON.parse of the full list in the same run, rounds interleaved so that a noisy
 * machine slows all of them alike:
 *
 * - the backend's own list paths, into rows: paginated (500 a page, as client-go) and a
 *   streaming list (a watch with sendInitialEvents, the API concepts page's "Streaming lists");
 * - and, measured only (the backend does not read pods this way), one GET + parse of the
 *   server-side Table (`as=Table`, each row with its object's metadata, kubectl's default) and
 *   of a metadata-only list (`as=PartialObjectMetadataList`).
 */
import { listAll, specCollection } from '../adapters/kube/listWatch.js';
import { streamList } from '../adapters/kube/streamingList.js';
import { KubeClient } from '../adapters/kube/client.js';
import { resourceSpecs } from '../adapters/kube/resources.js';
import type { ChildCluster } from './cluster.js';
import { apiAgent, apiRequest, kubeConfigOf } from './clients.js';
import { kb, median, ms, ratioOf, type BenchResult } from './report.js';

const tableAccept = 'application/json;as=Table;g=meta.k8s.io;v=v1';
const metadataAccept = 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1';
/** Longest a streaming list may be silent here: the bench's cluster answers at once. */
const silenceMs = 30_000;

interface Read {
  readonly items: number;
  readonly bytes: number;
}

type Reader = () => Promise<Read>;

export async function cheaperReadsRows(cluster: ChildCluster, rounds: number): Promise<BenchResult[]> {
  const agent = apiAgent(cluster);
  const client = new KubeClient(kubeConfigOf(cluster));
  const pods = specCollection(resourceSpecs.pods);
  const parsed = async (accept: string): Promise<Read> => {
    const { status, body } = await apiRequest(cluster, agent, 'GET', '/api/v1/pods', accept);
    if (status !== 200) throw new Error(`GET /api/v1/pods as ${accept}: ${status}`);
    const list = JSON.parse(body.toString('utf8')) as { items?: unknown[]; rows?: unknown[] };
    return { items: (list.items ?? list.rows ?? []).length, bytes: body.length };
  };
  const readers: Record<string, Reader> = {
    raw: () => parsed('application/json'),
    paginated: async () => ({ items: (await listAll(client, pods)).rows.length, bytes: Number.NaN }),
    streaming: async () => {
      const streamed = await streamList(client, pods, silenceMs);
      if (!streamed) throw new Error('the cluster refused a streaming list');
      return { items: streamed.rows.length, bytes: Number.NaN };
    },
    table: () => parsed(tableAccept),
    metadata: () => parsed(metadataAccept),
  };
  const times: Record<string, number[]> = Object.fromEntries(Object.keys(readers).map((name) => [name, []]));
  const reads: Record<string, Read> = {};
  try {
    // A kept-alive socket closed by the server just as a large request goes out on it is asked again, not counted.
    for (const read of Object.values(readers)) await read().catch(read); // warm-up
    for (let round = 0; round < rounds; round++) {
      for (const [name, read] of Object.entries(readers)) {
        const started = performance.now();
        reads[name] = await read().catch(read);
        times[name]!.push(performance.now() - started);
      }
    }
  } finally {
    agent.destroy();
  }
  const rawMs = median(times.raw!);
  const raw = reads.raw!;
  const row = (id: string, name: string, what: string, note: string): BenchResult => {
    const at = median(times[name]!);
    const read = reads[name]!;
    return {
      row: id,
      what: `${what}, ${read.items} pods (median of ${rounds})`,
      kubelive: ms(at) + (Number.isFinite(read.bytes) ? `, ${kb(read.bytes)}` : ''),
      baseline: `raw GET+parse ${ms(rawMs)}, ${kb(raw.bytes)}`,
      ratio: ratioOf(at, rawMs),
      target: 'measured',
      met: null,
      raw: { ms: at, rawMs, items: read.items, bytes: Number.isFinite(read.bytes) ? read.bytes : null, rawBytes: raw.bytes, runs: times[name]!.join(' ') },
      note,
    };
  };
  return [
    row('14p', 'paginated', "the backend's paginated list into rows", '500 a page, each page projected to rows as it lands'),
    row('14s', 'streaming', "the backend's streaming list into rows", 'one watch with sendInitialEvents; rows projected per event'),
    row('14t', 'table', 'server-side Table list, GET + parse', 'measured only: includeObject defaults to Metadata'),
    row('14m', 'metadata', 'metadata-only list (PartialObjectMetadataList), GET + parse', 'measured only: no spec or status'),
  ];
}
