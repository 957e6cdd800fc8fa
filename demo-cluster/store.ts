/**
 * ObjectStore keeps the objects of one resource, stamps every write with the cluster-wide
 * resourceVersion, remembers a bounded window of recent changes for watches, and lists either
 * at the present or at a past resourceVersion still inside that window.
 *
 * Listing the past is what makes paging honest: a continue token carries the resourceVersion of
 * the first page and the last key returned, and later pages are read at that version by undoing
 * the changes made since, so a client paging while the cluster changes sees each object exactly
 * once and all of them as they were at one version. A token (or a watch) older than the window
 * gets 410 Expired, exactly when a real server's compaction would refuse it.
 *
 * The window is bounded twice: by count (`windowSize` changes) and by age (`historyWindowMs`),
 * as kube-apiserver's watch cache keeps about 75 s of events (eventFreshDuration). A version is
 * too old once a change made after it has been forgotten; a version with no change after it
 * stays current however old it is.
 *
 * Stored objects are never mutated in place: a write stores a new object. Callers that want to
 * change one use `mutate`, which hands them a private copy.
 */
import { ApiError, badRequest, conflict, expired, notFound } from './status.js';

export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid: string;
  resourceVersion: string;
  creationTimestamp: string;
  generation?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: { apiVersion: string; kind: string; name: string; uid: string; controller?: boolean; blockOwnerDeletion?: boolean }[];
  deletionTimestamp?: string;
  [field: string]: unknown;
}

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [field: string]: unknown;
}

export type ChangeType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface Change {
  readonly revision: number;
  readonly type: ChangeType;
  readonly key: string;
  /** The object after the change; for DELETED, the last state (with the deletion's resourceVersion). */
  readonly object: KubeObject;
  /** The object before the change; undefined for ADDED. */
  readonly previous: KubeObject | undefined;
}

/** The cluster-wide counter behind every resourceVersion, shared by all stores (as etcd's revision is). */
export class Revision {
  private value = 0;
  current(): number {
    return this.value;
  }
  next(): number {
    return ++this.value;
  }
}

export interface ListOptions {
  namespace?: string | undefined;
  filter?: ((object: KubeObject) => boolean) | undefined;
  limit?: number | undefined;
  continueToken?: string | undefined;
  /** List as of this revision (resourceVersionMatch=Exact); default: now. */
  atRevision?: number | undefined;
  /**
   * Count what a cut-short page leaves out (ListMeta.remainingItemCount). Only meaningful without
   * a filter: with selectors kube-apiserver cannot know the count and leaves it unset.
   */
  countRemaining?: boolean | undefined;
}

export interface ListPage {
  items: KubeObject[];
  revision: number;
  continueToken?: string;
  remainingItemCount?: number;
}

export function objectKey(namespace: string | undefined, name: string): string {
  return namespace ? `${namespace}/${name}` : name;
}

export function keyOf(object: KubeObject): string {
  return objectKey(object.metadata.namespace, object.metadata.name);
}

/** Index of the first key in `sorted` that is >= `key`. */
function lowerBound(sorted: readonly string[], key: string): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] as string) < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

interface ContinuePosition {
  revision: number;
  after: string;
}

function encodeContinue(position: ContinuePosition): string {
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv: position.revision, start: position.after })).toString('base64url');
}

function decodeContinue(token: string): ContinuePosition {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (parsed && typeof parsed === 'object') {
      const { rv, start } = parsed as { rv?: unknown; start?: unknown };
      if (typeof rv === 'number' && Number.isSafeInteger(rv) && rv >= 0 && typeof start === 'string') return { revision: rv, after: start };
    }
  } catch {
    // fall through to the error below
  }
  throw badRequest('continue key is not valid: the token was not issued by this server');
}

export class ObjectStore {
  private readonly objects = new Map<string, KubeObject>();
  private sortedKeys: string[] = [];
  /** Recent changes, oldest first. */
  private history: Change[] = [];
  /** When each change in `history` was made (the clock's ms), same order. */
  private historyTimes: number[] = [];
  /** Watches and continues from a revision below this are expired. */
  private compactedRevision: number;
  private readonly listeners = new Set<(change: Change) => void>();
  /** The JSON text of current objects, made at the first send (`json`) and dropped once superseded. */
  private readonly texts = new WeakMap<KubeObject, string>();
  /** Likewise the protobuf encoding of current objects (`encoded`), for the kinds served in protobuf. */
  private readonly encodings = new WeakMap<KubeObject, Buffer>();

  constructor(
    readonly resource: string,
    private readonly revision: Revision,
    /** How many changes a watch may replay; older starting points get 410 Expired. */
    private readonly windowSize = 20_000,
    /** How long a change can be replayed for; older ones are forgotten. */
    private readonly historyWindowMs = Infinity,
    private readonly now: () => number = Date.now,
  ) {
    this.compactedRevision = revision.current();
  }

  currentRevision(): number {
    return this.revision.current();
  }

  get size(): number {
    return this.objects.size;
  }

  get(namespace: string | undefined, name: string): KubeObject | undefined {
    return this.objects.get(objectKey(namespace, name));
  }

  /** By the key `objectKey` makes (`namespace/name`, or `name` for cluster-scoped objects). */
  getByKey(key: string): KubeObject | undefined {
    return this.objects.get(key);
  }

  mustGet(namespace: string | undefined, name: string, group = ''): KubeObject {
    const object = this.get(namespace, name);
    if (!object) throw notFound(this.resource.split('.')[0] ?? this.resource, name, group);
    return object;
  }

  /** Loads many objects at once without recording changes: for building a cluster before anyone watches. */
  bulkLoad(objects: KubeObject[]): void {
    for (const object of objects) {
      object.metadata.resourceVersion = String(this.revision.next());
      this.objects.set(keyOf(object), object);
    }
    this.sortedKeys = [...this.objects.keys()].sort();
    this.history = [];
    this.historyTimes = [];
    this.compactedRevision = this.revision.current();
  }

  create(object: KubeObject): KubeObject {
    const key = keyOf(object);
    if (this.objects.has(key)) throw new Error(`${this.resource} ${key} already exists`);
    return this.record('ADDED', key, object, undefined);
  }

  /** Replaces an object. With `expectedResourceVersion`, a stale writer gets 409 Conflict. */
  replace(object: KubeObject, expectedResourceVersion?: string, group = ''): KubeObject {
    const key = keyOf(object);
    const previous = this.objects.get(key);
    if (!previous) throw notFound(this.resource.split('.')[0] ?? this.resource, object.metadata.name, group);
    if (expectedResourceVersion && expectedResourceVersion !== previous.metadata.resourceVersion) {
      throw conflict(this.resource.split('.')[0] ?? this.resource, object.metadata.name, group);
    }
    return this.record('MODIFIED', key, object, previous);
  }

  /** Changes an object through a private copy; returns the stored result, or undefined if it is gone. */
  mutate(namespace: string | undefined, name: string, change: (draft: KubeObject) => void): KubeObject | undefined {
    const current = this.get(namespace, name);
    if (!current) return undefined;
    const draft = structuredClone(current);
    change(draft);
    return this.record('MODIFIED', keyOf(current), draft, current);
  }

  delete(namespace: string | undefined, name: string): KubeObject | undefined {
    const key = objectKey(namespace, name);
    const previous = this.objects.get(key);
    if (!previous) return undefined;
    // The deleted object carries the deletion's resourceVersion, as a real server's DELETED event does.
    const last = { ...previous, metadata: { ...previous.metadata } };
    return this.record('DELETED', key, last, previous);
  }

  private record(type: ChangeType, key: string, object: KubeObject, previous: KubeObject | undefined): KubeObject {
    const revision = this.revision.next();
    object.metadata.resourceVersion = String(revision);
    if (type === 'DELETED') {
      this.objects.delete(key);
      const at = lowerBound(this.sortedKeys, key);
      if (this.sortedKeys[at] === key) this.sortedKeys.splice(at, 1);
    } else {
      if (type === 'ADDED') this.sortedKeys.splice(lowerBound(this.sortedKeys, key), 0, key);
      this.objects.set(key, object);
    }
    // The superseded version stays in the history as its object, for replays, selectors and
    // past lists, but without its text, which weighed several times the object (docs/development.md,
    // "The demo's pods history made light").
    if (previous) {
      this.texts.delete(previous);
      this.encodings.delete(previous);
    }
    const change: Change = { revision, type, key, object, previous };
    this.history.push(change);
    this.historyTimes.push(this.now());
    // Trim in batches so the window costs an amortised constant per write.
    if (this.history.length > this.windowSize * 1.25) this.forgetFirst(this.history.length - this.windowSize);
    else this.forgetStale();
    for (const listener of this.listeners) {
      try {
        listener(change);
      } catch (error) {
        // One broken watcher must not undo a write that has happened, nor starve the others.
        console.error(`demo-cluster: a ${this.resource} change listener failed:`, error);
      }
    }
    return object;
  }

  /**
   * Forgets all history, as etcd compaction does: every resourceVersion handed out so far is too
   * old to watch or continue from (410). The revision moves on by one so that lists made after
   * this return a version that is not expired, and a relisting client recovers.
   */
  compact(): void {
    this.history = [];
    this.historyTimes = [];
    this.compactedRevision = this.revision.next();
  }

  /** Forgets the oldest `count` changes: versions before the last of them can no longer be replayed. */
  private forgetFirst(count: number): void {
    if (count <= 0) return;
    const dropped = this.history.splice(0, count);
    this.historyTimes.splice(0, count);
    this.compactedRevision = Math.max(this.compactedRevision, (dropped[dropped.length - 1] as Change).revision);
  }

  /** Forgets changes older than `historyWindowMs`. Called on every write and before every replay, so no timer is needed. */
  private forgetStale(): void {
    if (this.historyWindowMs === Infinity || this.history.length === 0) return;
    const oldestKept = this.now() - this.historyWindowMs;
    if ((this.historyTimes[0] as number) >= oldestKept) return;
    let stale = 0;
    while (stale < this.historyTimes.length && (this.historyTimes[stale] as number) < oldestKept) stale++;
    this.forgetFirst(stale);
  }

  /** True when a watch or list may start from `revision` (all later changes are still known). */
  canReplayFrom(revision: number): boolean {
    this.forgetStale();
    return revision >= this.compactedRevision;
  }

  /** Changes after `revision`, oldest first; throws 410 Expired if the window no longer reaches back that far. */
  changesSince(revision: number): Change[] {
    if (!this.canReplayFrom(revision)) {
      throw expired(`too old resource version: ${revision} (${this.compactedRevision})`);
    }
    const start = this.firstChangeAfter(revision);
    return this.history.slice(start);
  }

  private firstChangeAfter(revision: number): number {
    let lo = 0;
    let hi = this.history.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.history[mid] as Change).revision <= revision) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /**
   * An object's JSON text, as a watch sends it. A current object's is made once however many
   * watches send it (every follower sends each change in the turn it is made); a superseded
   * version's, sent only to a watch replaying history, is made afresh each time and not kept,
   * so the history holds one form of each version, the object. Stored objects never change, so
   * either text is the same.
   */
  json(object: KubeObject): string {
    let text = this.texts.get(object);
    if (text === undefined) {
      text = JSON.stringify(object);
      if (this.objects.get(keyOf(object)) === object) this.texts.set(object, text);
    }
    return text;
  }

  /**
   * An object's protobuf encoding (`encode` makes it: podProtobuf.ts for pods), kept on the same
   * terms as `json`: made once while the object is current, however many watches and lists send
   * it, dropped when superseded; a superseded version's is made afresh and not kept.
   */
  encoded(object: KubeObject, encode: (object: KubeObject) => Buffer): Buffer {
    let bytes = this.encodings.get(object);
    if (bytes === undefined) {
      bytes = encode(object);
      if (this.objects.get(keyOf(object)) === object) this.encodings.set(object, bytes);
    }
    return bytes;
  }

  subscribe(listener: (change: Change) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Every current object, in key order, without copying. */
  *values(namespace?: string): IterableIterator<KubeObject> {
    const keys = this.sortedKeys;
    const prefix = namespace ? `${namespace}/` : '';
    for (let i = prefix ? lowerBound(keys, prefix) : 0; i < keys.length; i++) {
      const key = keys[i] as string;
      if (prefix && !key.startsWith(prefix)) break;
      const object = this.objects.get(key);
      if (object) yield object;
    }
  }

  list(options: ListOptions = {}): ListPage {
    let revision = this.revision.current();
    let after: string | undefined;
    if (options.continueToken) {
      const position = decodeContinue(options.continueToken);
      if (!this.canReplayFrom(position.revision) || position.revision > revision) {
        throw expired('The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.');
      }
      revision = position.revision;
      after = position.after;
    } else if (options.atRevision !== undefined) {
      if (!this.canReplayFrom(options.atRevision)) throw expired(`too old resource version: ${options.atRevision} (${this.compactedRevision})`);
      if (options.atRevision > revision) throw new ApiError(504, 'Timeout', `Too large resource version: ${options.atRevision}, current: ${revision}`);
      revision = options.atRevision;
    }
    const past = this.stateAt(revision);
    const prefix = options.namespace ? `${options.namespace}/` : '';
    const candidates = this.keysFrom(after ?? prefix, after !== undefined, past);
    const limit = options.limit && options.limit > 0 ? options.limit : Infinity;
    const items: KubeObject[] = [];
    let lastKey: string | undefined;
    let more = false;
    for (const key of candidates) {
      if (prefix && !key.startsWith(prefix)) break;
      const object = past.has(key) ? past.get(key) : this.objects.get(key);
      if (!object) continue;
      if (options.filter && !options.filter(object)) continue;
      if (items.length >= limit) {
        more = true;
        break;
      }
      items.push(object);
      lastKey = key;
    }
    const page: ListPage = { items, revision };
    if (more && lastKey !== undefined) {
      page.continueToken = encodeContinue({ revision, after: lastKey });
      if (options.countRemaining) page.remainingItemCount = this.countAfter(lastKey, prefix, past);
    }
    return page;
  }

  /**
   * How many keys under `prefix` sort after `after` in the view `past` describes: the current
   * count from the sorted keys, corrected for the keys changed since (gone now but there then, or
   * new since), so a page costs O(log n + changes) rather than a walk to the end.
   */
  private countAfter(after: string, prefix: string, past: Map<string, KubeObject | undefined>): number {
    const keys = this.sortedKeys;
    let from = lowerBound(keys, after);
    if (keys[from] === after) from++;
    // Keys starting with prefix end before prefix with its last character bumped.
    const end = prefix ? lowerBound(keys, prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1)) : keys.length;
    let count = Math.max(0, end - from);
    for (const [key, then] of past) {
      if (key <= after || (prefix && !key.startsWith(prefix))) continue;
      const now = this.objects.has(key);
      if (then !== undefined && !now) count++;
      else if (then === undefined && now) count--;
    }
    return count;
  }

  /** For keys changed since `revision`: their state then (undefined: did not exist). */
  private stateAt(revision: number): Map<string, KubeObject | undefined> {
    const past = new Map<string, KubeObject | undefined>();
    const start = this.firstChangeAfter(revision);
    // Newest first, so the oldest change after `revision` writes last and wins.
    for (let i = this.history.length - 1; i >= start; i--) {
      const change = this.history[i] as Change;
      past.set(change.key, change.previous);
    }
    return past;
  }

  /** Current keys and keys that existed in the past view, merged in order, starting at (or after) `from`. */
  private *keysFrom(from: string, exclusive: boolean, past: Map<string, KubeObject | undefined>): IterableIterator<string> {
    const gone = [...past.keys()].filter((k) => !this.objects.has(k) && (exclusive ? k > from : k >= from)).sort();
    const keys = this.sortedKeys;
    let i = lowerBound(keys, from);
    if (exclusive && keys[i] === from) i++;
    let j = 0;
    while (i < keys.length || j < gone.length) {
      const a = keys[i];
      const b = gone[j];
      if (b === undefined || (a !== undefined && a < b)) {
        yield a as string;
        i++;
      } else {
        yield b;
        j++;
      }
    }
  }
}
