/**
 * The watch decoder's worker reads a watch's bytes into the same lines the event loop would,
 * however the bytes are cut, keeps their order, tells the end only after them, asks its caller to
 * pause while it is behind, and, when it dies, ends its streams with an error and is not used
 * again. The worker runs our TypeScript through test/support/swcHooks.mjs.
 */
import { WatchDecoder, type WorkerEntry } from '../../../adapters/kube/watchDecoder.js';
import { decodeLine, eventReaderNamed, type DecodedLine } from '../../../adapters/kube/watchLines.js';
import { startDemoCluster } from '../../../demo-cluster/index.js';
import { waitUntil } from '../../demo-cluster/client.js';

const tsWorker: WorkerEntry = {
  url: new URL('../../../adapters/kube/watchDecoderWorker.ts', import.meta.url),
  execArgv: ['--import', new URL('../../support/registerSwcHooks.mjs', import.meta.url).href],
};

let pods: object[] = [];
beforeAll(async () => {
  const cluster = await startDemoCluster({ seed: 5, nodes: 2, pods: 300, churn: 0 });
  pods = cluster.listObjects('pods') as object[];
  await cluster.stop();
});

/** Watch lines as an API server writes them, with the cases a watch can meet. */
function watchText(): { text: string; lines: string[] } {
  const lines = pods.map((pod, i) => JSON.stringify({ type: i % 7 === 0 ? 'DELETED' : 'MODIFIED', object: pod }));
  // A multi-byte character, so that a cut can fall inside it.
  const pod = pods[0] as { metadata: Record<string, unknown> };
  lines.splice(10, 0, JSON.stringify({ type: 'ADDED', object: { ...pod, metadata: { ...pod.metadata, annotations: { note: 'Grüße — ✓' } } } }));
  lines.splice(20, 0, '{"type":"BOOKMARK","object":{"metadata":{"resourceVersion":"77"}}}');
  lines.splice(30, 0, 'not json at all');
  lines.splice(40, 0, '{"type":"ERROR","object":{"code":410,"reason":"Expired","message":"too old"}}');
  lines.splice(50, 0, '{"type":"SOMETHING-NEW","object":{}}');
  // The last line has no newline: the end of the response completes it.
  return { text: lines.join('\n'), lines };
}

function cutAnywhere(bytes: Buffer, seed: number): Buffer[] {
  const chunks: Buffer[] = [];
  let state = seed;
  for (let at = 0; at < bytes.length; ) {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    const size = 1 + (state % 9000);
    chunks.push(bytes.subarray(at, at + size));
    at += size;
  }
  return chunks;
}

function decodeAll(decoder: WatchDecoder, chunks: readonly Buffer[]): Promise<{ lines: DecodedLine[]; error: Error | undefined }> {
  return new Promise((resolve) => {
    const lines: DecodedLine[] = [];
    const stream = decoder.stream(
      { kind: 'object', resource: 'pods' },
      (batch) => lines.push(...batch),
      (error) => resolve({ lines, error }),
      () => undefined,
    );
    if (!stream) throw new Error('the decoder has no worker');
    for (const chunk of chunks) stream.push(chunk);
    stream.end();
  });
}

test('readsEveryLineAsTheEventLoopWouldHoweverTheBytesAreCut', async () => {
  const decoder = new WatchDecoder(tsWorker);
  try {
    const { text, lines } = watchText();
    const read = eventReaderNamed({ kind: 'object', resource: 'pods' });
    const expected = lines.map((line) => decodeLine(line, read));
    expect(expected.map((line) => line.kind)).toEqual(expect.arrayContaining(['event', 'invalid', 'error', 'ignored']));
    for (const seed of [1, 2, 3]) {
      const { lines: got, error } = await decodeAll(decoder, cutAnywhere(Buffer.from(text, 'utf8'), seed));
      expect(error).toBeUndefined();
      expect(got).toEqual(expected);
    }
  } finally {
    decoder.stop();
  }
});

test('aBrokenResponseEndsWithItsErrorAfterTheLinesBeforeIt', async () => {
  const decoder = new WatchDecoder(tsWorker);
  try {
    const { lines } = watchText();
    const events: string[] = [];
    const ended = new Promise<Error | undefined>((resolve) => {
      const stream = decoder.stream(
        { kind: 'object', resource: 'pods' },
        (batch) => events.push(...batch.map((line) => line.kind)),
        (error) => resolve(error),
        () => undefined,
      )!;
      stream.push(Buffer.from(`${lines.slice(0, 5).join('\n')}\n`));
      stream.end(new Error('connection closed before the response ended'));
    });
    expect((await ended)?.message).toBe('connection closed before the response ended');
    expect(events).toHaveLength(5);
  } finally {
    decoder.stop();
  }
});

test('aDecoderFarBehindAsksItsCallerToPauseAndSaysWhenToGoOn', async () => {
  const decoder = new WatchDecoder(tsWorker);
  try {
    const line = `${JSON.stringify({ type: 'MODIFIED', object: pods[1] })}\n`;
    const chunk = Buffer.from(line.repeat(Math.ceil(64 * 1024 / line.length)));
    let lines = 0;
    let drained = 0;
    let ended = false;
    const stream = decoder.stream(
      { kind: 'object', resource: 'pods' },
      (batch) => (lines += batch.length),
      () => (ended = true),
      () => drained++,
    )!;
    // Pushed in one turn, so the worker cannot have answered any of it yet.
    let pushed = 0;
    let refused = false;
    while (!refused) {
      refused = !stream.push(chunk);
      pushed++;
    }
    expect(pushed * chunk.length).toBeGreaterThan(4 * 1024 * 1024);
    await waitUntil(() => drained === 1, 'the decoder to say go on');
    stream.end();
    await waitUntil(() => ended, 'the end');
    expect(lines).toBe(pushed * (chunk.toString().match(/\n/g)?.length ?? 0));
  } finally {
    decoder.stop();
  }
});

test('aWorkerThatDiesEndsItsStreamsWithAnErrorAndIsNotUsedAgain', async () => {
  const decoder = new WatchDecoder({ url: new URL('data:text/javascript,setTimeout(() => { throw new Error("boom"); }, 50)') });
  const ended = new Promise<Error | undefined>((resolve) => {
    decoder.stream({ kind: 'object', resource: 'pods' }, () => undefined, resolve, () => undefined);
  });
  expect((await ended)?.message).toMatch(/watch decoder's worker/);
  expect(decoder.available).toBe(false);
  expect(decoder.stream({ kind: 'object', resource: 'pods' }, () => undefined, () => undefined, () => undefined)).toBeNull();
});
