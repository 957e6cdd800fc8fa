/**
 * What reading one Pod watch event costs the backend, JSON against protobuf: the demo cluster at
 * row 2's size streams every pod to a watch in each encoding (a streaming list: one ADDED per
 * pod), the bytes are kept, and each event is then read and projected to its row the way the
 * backend does (adapters/kube/watchEvents.ts, `podRow`), best of seven passes over all of them,
 * in one process. It also checks that both encodings give the same rows.
 *
 * `node --expose-gc dist/bench/podDecode.js [--pods 10000]` (docs/development.md, "Row 2: pods watched in protobuf").
 */
import { parseArgs } from 'node:util';
import { KubeClient, loadKubeConfig } from '../adapters/kube/client.js';
import { FrameSplitter, protobufAccept, readWatchFrame } from '../adapters/kube/protobuf.js';
import { podRow, type KubeObject } from '../adapters/kube/rows.js';
import { startDemoCluster } from '../demo-cluster/index.js';

const { values } = parseArgs({ options: { pods: { type: 'string' }, passes: { type: 'string' } } });
const pods = Number(values.pods ?? 10_000);
const passes = Number(values.passes ?? 7);

/** Every event of a streaming list of pods, as the bytes the server sent: lines or frames. */
async function capture(client: KubeClient, accept: string): Promise<{ protobuf: boolean; lines: string[]; frames: Buffer[]; bytes: number }> {
  const stream = await client.openStream('/api/v1/pods', {
    query: { watch: 'true', sendInitialEvents: 'true', resourceVersionMatch: 'NotOlderThan', allowWatchBookmarks: 'true' },
    accept,
  });
  const lines: string[] = [];
  const frames: Buffer[] = [];
  let bytes = 0;
  await new Promise<void>((resolve, reject) => {
    const done = (count: number) => {
      if (count >= pods) {
        stream.abort();
        resolve();
      }
    };
    const onEnd = (error?: Error) => (error && lines.length + frames.length < pods ? reject(error) : resolve());
    if (stream.protobuf) {
      stream.readFrames((frame) => {
        frames.push(Buffer.from(frame));
        bytes += frame.length + 4;
        done(frames.length);
      }, onEnd);
    } else {
      stream.read((line) => {
        lines.push(line);
        bytes += Buffer.byteLength(line) + 1;
        done(lines.length);
      }, onEnd);
    }
  });
  return { protobuf: stream.protobuf, lines, frames, bytes };
}

function bestOf(work: () => void): number {
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < passes; i++) {
    (globalThis as { gc?: () => void }).gc?.();
    const start = performance.now();
    work();
    best = Math.min(best, performance.now() - start);
  }
  return best;
}

const cluster = await startDemoCluster({ seed: 8, nodes: 50, pods, namespaces: 10, churn: 0 });
const client = new KubeClient(loadKubeConfig({ kubeconfigYaml: cluster.kubeconfigYaml }));
try {
  const json = await capture(client, 'application/json');
  const proto = await capture(client, protobufAccept);
  if (!proto.protobuf) throw new Error('the cluster answered the protobuf watch in JSON');
  const jsonRows = json.lines.map((line) => podRow((JSON.parse(line) as { object: KubeObject }).object));
  const protoRows = proto.frames.map((frame) => podRow(readWatchFrame(frame).object as KubeObject));
  const differ = jsonRows.filter((row, i) => JSON.stringify(row) !== JSON.stringify(protoRows[i])).length;
  let sink = 0;
  const parseOnly = bestOf(() => {
    for (const line of json.lines) sink += (JSON.parse(line) as { type: string }).type.length;
  });
  const jsonMs = bestOf(() => {
    for (const line of json.lines) sink += podRow((JSON.parse(line) as { object: KubeObject }).object).name.length;
  });
  const readOnly = bestOf(() => {
    for (const frame of proto.frames) sink += readWatchFrame(frame).type!.length;
  });
  const protoMs = bestOf(() => {
    for (const frame of proto.frames) sink += podRow(readWatchFrame(frame).object as KubeObject).name.length;
  });
  const splitMs = bestOf(() => {
    const splitter = new FrameSplitter();
    for (const frame of proto.frames) {
      const framed = Buffer.allocUnsafe(frame.length + 4);
      framed.writeUInt32BE(frame.length);
      frame.copy(framed, 4);
      splitter.push(framed);
      sink += splitter.next()!.length;
    }
  });
  const n = json.lines.length;
  const us = (ms: number) => ((ms * 1000) / n).toFixed(2);
  console.log(`${n} pod events (${proto.frames.length} frames); rows that differ between the encodings: ${differ}`);
  console.log(`bytes per event: JSON ${(json.bytes / n).toFixed(0)}, protobuf ${(proto.bytes / proto.frames.length).toFixed(0)}`);
  console.log(`µs per event, best of ${passes}: JSON.parse ${us(parseOnly)}, + podRow ${us(jsonMs)}; protobuf read ${us(readOnly)}, + podRow ${us(protoMs)} (framing alone ${us(splitMs)})`);
  console.log(`protobuf / JSON, read + row: ${(protoMs / jsonMs).toFixed(2)}x${sink < 0 ? '' : ''}`);
  if (differ > 0) process.exitCode = 1;
} finally {
  client.close();
  await cluster.stop();
}
