/**
 * A `WatchStream` on a store of pods, as the API server would open it for a plain watch of every
 * pod from `fromRevision`, for tests that drive the stream directly (with a Writable standing in
 * for the response). Each test states only what it varies: bookmarks and the deadline.
 */
import type { ServerResponse } from 'node:http';
import type { Writable } from 'node:stream';
import type { ObjectStore } from '../../demo-cluster/store.js';
import { WatchStream } from '../../demo-cluster/watch.js';

export function watchPods(
  store: ObjectStore,
  response: Writable,
  options: { fromRevision: number; allowBookmarks: boolean; timeoutMs: number },
): WatchStream {
  const stream = new WatchStream(response as unknown as ServerResponse, {
    store,
    resource: 'pods',
    kind: 'Pod',
    apiVersion: 'v1',
    matches: () => true,
    sendInitialEvents: false,
    endsInitialEvents: false,
    bookmarkIntervalMs: 60_000,
    isStalled: () => false,
    ...options,
  });
  stream.start(undefined);
  return stream;
}
