/**
 * The drift check compares every frame of a subscription with the store at that point of the
 * sequence: a `seq` that is not one more than the last is a gap; a heartbeat whose
 * resourceVersion, count or digest differs from the store's (once the store holds exactly the
 * heartbeat's generation) is a disagreement. Either is drift for that subscription.
 *
 * A heartbeat whose upstream is unhealthy gives no verdict on the store: its digest describes a
 * cache known to be behind the cluster, and the fresh reads polling brings in meanwhile differ
 * from it by design. Calling that drift would only ask the stalled cache for resets.
 */
import type { HeartbeatFrame } from '../protocol.js';

export type DriftVerdict =
  | { readonly drift: false; readonly digestAgrees: boolean | undefined; readonly rebase?: true }
  | { readonly drift: true; readonly detail: string };

export interface StoreSummary {
  readonly count: number;
  readonly digest: string;
  readonly resourceVersion: string;
  readonly generation: number;
  readonly seq: number;
  /** Where the rows came from: `api` is a fresh read, numbered above anything the stream had sent. */
  readonly source?: 'api' | 'cache' | 'stream' | null;
}

/** Checks one frame's seq against the last applied one. `expected` is lastSeq + 1. */
export function checkSequence(lastSeq: number, seq: number, isReset: boolean): string | null {
  // A reset starts the numbering afresh only at the first frame of a subscription; after that
  // it carries on like any frame.
  if (isReset && lastSeq === 0) return null;
  return seq === lastSeq + 1 ? null : `seq gap: expected ${lastSeq + 1}, got ${seq}`;
}

/** Compares a heartbeat with the store after every earlier frame was applied. */
export function checkHeartbeat(store: StoreSummary | null, heartbeat: HeartbeatFrame): DriftVerdict {
  if (!store) return { drift: true, detail: 'heartbeat for a subscription the store does not hold' };
  if (heartbeat.upstream?.healthy === false) return { drift: false, digestAgrees: undefined };
  if (store.generation > heartbeat.generation) {
    // A fresh read from the API server is numbered above everything the cache had then. On a
    // quiet cluster the recovered cache never passes that number, so comparing by generation
    // alone would wait forever: the rows themselves decide. The same rows (count and digest
    // over uid@resourceVersion) are the same view, and the store takes the stream's numbering
    // (`rebase`). Anything else (a snapshot polled while pending) is ahead: nothing to compare yet.
    const sameRows = store.source === 'api' && store.count === heartbeat.count && store.digest === heartbeat.digest;
    return sameRows ? { drift: false, digestAgrees: true, rebase: true } : { drift: false, digestAgrees: undefined };
  }
  if (store.generation < heartbeat.generation) {
    return { drift: true, detail: `store at generation ${store.generation}, stream at ${heartbeat.generation}` };
  }
  if (store.count !== heartbeat.count) return { drift: true, detail: `count ${store.count}, backend ${heartbeat.count}` };
  if (store.digest !== heartbeat.digest) return { drift: true, detail: `digest ${store.digest}, backend ${heartbeat.digest}` };
  if (store.resourceVersion !== heartbeat.resourceVersion) {
    return { drift: true, detail: `resourceVersion ${store.resourceVersion}, backend ${heartbeat.resourceVersion}` };
  }
  return { drift: false, digestAgrees: true };
}
