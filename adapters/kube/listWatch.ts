/**
 * The list and watch effects the upstream machine names, for one Kubernetes resource: `list`
 * reads every page into the cache and resolves with the list's resourceVersion; `watchFrom`
 * opens a watch with bookmarks and a server-side timeout, feeds each event to the cache and
 * tells the machine what happened.
 */
import { fromCallback, fromPromise, type EventObject } from 'xstate';
import type { ListInput, ListOutput, UpstreamEvent, WatchInput } from '../../machines/upstreamMachine.js';
import type { Row } from '../rows.js';
import { KubeApiError, type KubeClient } from './client.js';
import { type ResourceSpec } from './resources.js';
import type { KubeObject } from './rows.js';

/** The part of the cache a list-watch writes to. */
export interface CacheSink {
  replace(rows: readonly Row[], resourceVersion: string): void;
  apply(type: 'ADDED' | 'MODIFIED' | 'DELETED', row: Row, resourceVersion: string): void;
  bookmark(resourceVersion: string): void;
}

/** 500 is client-go's page size: big enough to list fast, small enough to keep pages cheap. */
export const listPageSize = 500;

interface ListPage {
  metadata?: { resourceVersion?: string; continue?: string };
  items?: KubeObject[];
}

/**
 * Lists every page of a collection. If the continue token expires halfway (410), the list starts
 * over once, as client-go does, since pages from two different snapshots cannot be mixed.
 */
export async function listAll(client: KubeClient, path: string, project: (object: KubeObject) => Row, signal?: AbortSignal): Promise<{ rows: Row[]; resourceVersion: string }> {
  for (let attempt = 0; ; attempt++) {
    const rows: Row[] = [];
    let token: string | undefined;
    let resourceVersion = '';
    try {
      do {
        const page = await client.requestJson<ListPage>('GET', path, {
          query: { limit: listPageSize, continue: token },
          ...(signal ? { signal } : {}),
        });
        for (const object of page.items ?? []) rows.push(project(object));
        resourceVersion = page.metadata?.resourceVersion ?? resourceVersion;
        token = page.metadata?.continue || undefined;
      } while (token);
      return { rows, resourceVersion };
    } catch (error) {
      if (attempt === 0 && token !== undefined && error instanceof KubeApiError && error.status === 410) continue;
      throw error;
    }
  }
}

interface WatchLine {
  type?: string;
  object?: KubeObject & { code?: number; message?: string; reason?: string };
}

/** The machine's `listResource` and `watchResource` actors for one resource, writing to `sink`. */
export function listWatchActors(client: KubeClient, resource: ResourceSpec, sink: CacheSink) {
  return {
    listResource: fromPromise<ListOutput, ListInput>(async ({ signal }) => {
      const { rows, resourceVersion } = await listAll(client, resource.path, resource.project, signal);
      // The machine may have moved on (stopped) while the last page was in flight.
      if (signal.aborted) throw new Error('list abandoned');
      sink.replace(rows, resourceVersion);
      return { resourceVersion };
    }),
    watchResource: fromCallback<EventObject, WatchInput>(({ input, sendBack }) => {
      const send = (event: UpstreamEvent) => sendBack(event);
      let finished = false;
      let abort: (() => void) | undefined;
      // Aborts the request even before its response arrives (a server that never answers).
      const request = new AbortController();
      const finish = (event: UpstreamEvent) => {
        if (finished) return;
        finished = true;
        abort?.();
        send(event);
      };
      const onLine = (text: string) => {
        if (finished) return;
        let line: WatchLine;
        try {
          line = JSON.parse(text) as WatchLine;
        } catch {
          finish({ type: 'WATCH.FAILED', message: 'watch sent a line that is not JSON' });
          return;
        }
        const object = line.object ?? {};
        const resourceVersion = object.metadata?.resourceVersion ?? '';
        switch (line.type) {
          case 'ADDED':
          case 'MODIFIED':
          case 'DELETED':
            sink.apply(line.type, resource.project(object), resourceVersion);
            send({ type: 'WATCH.PROGRESS', resourceVersion });
            break;
          case 'BOOKMARK':
            sink.bookmark(resourceVersion);
            send({ type: 'WATCH.PROGRESS', resourceVersion });
            break;
          case 'ERROR':
            // An in-stream Status: 410 Expired means our resourceVersion is too old.
            if (object.code === 410 || object.reason === 'Expired' || object.reason === 'Gone') finish({ type: 'WATCH.GONE' });
            else finish({ type: 'WATCH.FAILED', status: object.code, message: object.message ?? 'watch error' });
            break;
          default:
            break;
        }
      };
      client
        .openStream(resource.path, {
          query: {
            watch: 'true',
            allowWatchBookmarks: 'true',
            resourceVersion: input.resourceVersion || undefined,
            timeoutSeconds: input.timeoutSeconds,
          },
          signal: request.signal,
        })
        .then(
          (stream) => {
            if (finished) {
              stream.abort();
              return;
            }
            abort = () => stream.abort();
            stream.read(onLine, (error) =>
              finish(error ? { type: 'WATCH.FAILED', message: error.message } : { type: 'WATCH.ENDED' }),
            );
          },
          (error: unknown) => {
            const status = error instanceof KubeApiError ? error.status : undefined;
            const message = error instanceof Error ? error.message : String(error);
            if (status === 410) finish({ type: 'WATCH.GONE' });
            else finish({ type: 'WATCH.FAILED', ...(status !== undefined ? { status } : {}), message });
          },
        );
      // Cleanup when the machine leaves `watching`: close the connection, report nothing more.
      return () => {
        if (!finished) {
          finished = true;
          abort?.();
        }
        request.abort();
      };
    }),
  };
}
