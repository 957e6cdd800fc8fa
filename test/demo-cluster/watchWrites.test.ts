/**
 * When a watch writes what it relays: as kube-apiserver's watch handler flushes once no further
 * event is waiting, the demo writes the lines a callback made together when that callback ends,
 * not when the event-loop turn ends: a change made by one request does not wait for the turn's
 * other callbacks. Proven by order and counts (what a later callback of the same turn finds
 * already written), not by time.
 */
import { Writable } from 'node:stream';
import { ObjectStore, Revision, type KubeObject } from '../../demo-cluster/store.js';
import type { WatchStream } from '../../demo-cluster/watch.js';
import { watchPods } from './podWatch.js';

/** A real Writable standing in for the HTTP response: it keeps each write, in order. */
class RecordingResponse extends Writable {
  readonly writes: string[] = [];

  writeHead(): this {
    return this;
  }

  flushHeaders(): void {}

  override write(chunk: unknown, ...rest: unknown[]): boolean {
    this.writes.push(String(chunk));
    return (super.write as (...args: unknown[]) => boolean)(chunk, ...rest);
  }

  override _write(_chunk: unknown, _encoding: BufferEncoding, done: () => void): void {
    done();
  }

  /** The events written so far, as `TYPE name` in order. */
  events(): string[] {
    return this.writes
      .join('')
      .split('\n')
      .filter((line) => line.length > 0)
      .map((line) => JSON.parse(line) as { type: string; object: KubeObject })
      .map((e) => `${e.type} ${e.object.metadata.name}`);
  }
}

const pod = (name: string): KubeObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'ns', uid: name, resourceVersion: '', creationTimestamp: '' } });

function watchAllPods(): { store: ObjectStore; response: RecordingResponse; stream: WatchStream } {
  const store = new ObjectStore('pods', new Revision());
  store.bulkLoad([pod('a'), pod('b'), pod('c')]);
  const response = new RecordingResponse();
  const stream = watchPods(store, response, { fromRevision: store.currentRevision(), allowBookmarks: false, timeoutMs: 60_000 });
  return { store, response, stream };
}

/** Runs `make` as a callback of its own, and reports what a callback queued just before its change (so next in line) finds. */
function inOneTurn(make: () => void, look: () => string[]): Promise<string[]> {
  return new Promise((resolve) =>
    setImmediate(() => {
      setImmediate(() => resolve(look()));
      make();
    }),
  );
}

test('aChangeIsWrittenWhenTheCallbackThatMadeItEndsBeforeTheTurnsNextCallback', async () => {
  const { store, response, stream } = watchAllPods();
  const seen = await inOneTurn(
    () => store.delete('ns', 'b'),
    () => response.events(),
  );
  expect(seen).toEqual(['DELETED b']);
  stream.close();
});

test('theChangesOfOneCallbackLeaveInOneWriteAndALaterCallbacksInItsOwnAllInOrder', async () => {
  const { store, response, stream } = watchAllPods();
  const writesBefore = response.writes.length;
  await inOneTurn(
    () => {
      store.delete('ns', 'a');
      store.create(pod('d'));
      store.delete('ns', 'c');
    },
    () => [],
  );
  await inOneTurn(
    () => store.create(pod('e')),
    () => [],
  );
  // A turn more, so that a watch writing at the end of the turn would have written too: this
  // counts writes, not when they happened.
  await new Promise((resolve) => setImmediate(resolve));
  expect(response.writes.length - writesBefore).toBe(2);
  expect(response.events()).toEqual(['DELETED a', 'ADDED d', 'DELETED c', 'ADDED e']);
  stream.close();
});
