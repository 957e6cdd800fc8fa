/**
 * A bookmark that falls due while a watch is still replaying history is sent once the replay is
 * done, not lost. kube-apiserver queues a due bookmark on the watcher's input channel and reads
 * that channel only after the initial events (cacheWatcher.processInterval), so a watch whose
 * replay outlasts the moment 2 s before its deadline still gets that bookmark, after every
 * replayed change. kubelive's upstream probe is such a watch when its starting point is far
 * behind: without the bookmark it can only end at the deadline.
 */
import { Writable } from 'node:stream';
import { ObjectStore, Revision, type KubeObject } from '../../demo-cluster/store.js';
import type { WatchStream } from '../../demo-cluster/watch.js';
import { watchPods } from './podWatch.js';

/** A Writable standing in for the response that takes nothing until it is let go: the client that does not read. */
class HeldResponse extends Writable {
  private text = '';
  private waiting: (() => void)[] = [];
  private held = true;

  writeHead(): this {
    return this;
  }

  flushHeaders(): void {}

  override _write(chunk: Buffer | string, _encoding: BufferEncoding, done: () => void): void {
    this.text += String(chunk);
    if (this.held) this.waiting.push(done);
    else done();
  }

  letGo(): void {
    this.held = false;
    for (const done of this.waiting.splice(0)) done();
  }

  /** What was written, as `TYPE resourceVersion` lines in order. */
  lines(): { type: string; resourceVersion: number }[] {
    return this.text
      .split('\n')
      .filter((line) => line.length > 0)
      .map((line) => JSON.parse(line) as { type: string; object: KubeObject })
      .map((e) => ({ type: e.type, resourceVersion: Number(e.object.metadata.resourceVersion) }));
  }
}

const padding = 'x'.repeat(4_000);
const pod = (name: string, generation: number): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'ns', uid: name, resourceVersion: '', creationTimestamp: '', annotations: { generation: String(generation), padding } },
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function watchFrom(store: ObjectStore, fromRevision: number, response: HeldResponse, allowBookmarks: boolean): WatchStream {
  // The pre-deadline bookmark falls due 1 s in.
  return watchPods(store, response, { fromRevision, allowBookmarks, timeoutMs: 3_000 });
}

/** A store whose history after the returned revision is 3,000 changes of about 4 KB: 12 MB, past the 4 MB a replay writes ahead. */
function storeWithHistory(): { store: ObjectStore; from: number } {
  const store = new ObjectStore('pods', new Revision(), 100_000);
  const names = Array.from({ length: 30 }, (_, i) => `pod-${i}`);
  store.bulkLoad(names.map((name) => pod(name, 0)));
  const from = store.currentRevision();
  for (let generation = 1; generation <= 100; generation++) for (const name of names) store.replace(pod(name, generation));
  return { store, from };
}

test('aBookmarkDueDuringTheReplayFollowsEveryReplayedChange', async () => {
  const { store, from } = storeWithHistory();
  const response = new HeldResponse();
  const stream = watchFrom(store, from, response, true);
  try {
    // The client reads nothing until past the pre-deadline moment: the replay is stuck behind it.
    await sleep(1_300);
    expect(response.lines().some((l) => l.type === 'BOOKMARK')).toBe(false);
    response.letGo();
    const head = store.currentRevision();
    for (let waited = 0; waited < 1_500 && !response.lines().some((l) => l.type === 'BOOKMARK'); waited += 25) await sleep(25);
    const lines = response.lines();
    const changes = lines.filter((l) => l.type === 'MODIFIED');
    expect(changes).toHaveLength(3_000);
    // One bookmark, after the last replayed change, at where the store stands.
    const bookmarks = lines.map((l, i) => ({ ...l, i })).filter((l) => l.type === 'BOOKMARK');
    expect(bookmarks).toHaveLength(1);
    expect(bookmarks[0]!.i).toBe(lines.length - 1);
    expect(bookmarks[0]!.resourceVersion).toBe(head);
    expect(bookmarks[0]!.resourceVersion).toBeGreaterThanOrEqual(changes.at(-1)!.resourceVersion);
  } finally {
    stream.close();
  }
});

test('aWatchThatDidNotAskForBookmarksGetsNoneAfterItsReplay', async () => {
  const { store, from } = storeWithHistory();
  const response = new HeldResponse();
  const stream = watchFrom(store, from, response, false);
  try {
    await sleep(1_300);
    response.letGo();
    for (let waited = 0; waited < 1_000 && response.lines().length < 3_000; waited += 25) await sleep(25);
    await sleep(100);
    const lines = response.lines();
    expect(lines.filter((l) => l.type === 'MODIFIED')).toHaveLength(3_000);
    expect(lines.some((l) => l.type === 'BOOKMARK')).toBe(false);
  } finally {
    stream.close();
  }
});
