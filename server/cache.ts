/**
 * ResourceCache holds the projected rows of one upstream (a Kubernetes resource, or one pod's log
 * tail), indexed by namespace, with a running count and digest per namespace so a view's
 * heartbeat costs O(namespaces), not O(rows). Every change gets a generation from the backend's
 * monotonic counter and lands in a bounded ring, from which a resumed subscription is replayed.
 *
 * A relist does not throw the cache away: it is diffed against what the cache holds, so clients
 * see a relist as ordinary updates and their digests keep agreeing.
 *
 * A large list lands in pieces (`land`): its view is built beside the live one, a few
 * milliseconds of rows a turn, and swapped in by one assignment once complete. Until then every
 * reader (snapshot, reset, heartbeat, `since`) sees the live view whole; writes that arrive
 * meanwhile wait for the swap. 150,000 pods landed in one call held the loop about 250 ms.
 */
import { addDigest, addItemToBoth, emptyDigest, removeItemFromBoth, type DigestSum } from '../adapters/digest.js';
import { joinedRows, type ColumnDefinition, type Row, type RowChange } from '../adapters/protocol.js';
import { SharedValues } from '../adapters/engine/sharedValues.js';
import { openShare, shareSpent } from '../adapters/loopShare.js';
import { sameColumns } from '../adapters/kube/tableRows.js';

/** The backend's monotonic counter, shared by every cache of one backend. */
export class GenerationCounter {
  /**
   * Starts at the wall clock in microseconds, so a restarted backend's generations still sort
   * after the previous process's (1,000 changes per millisecond of uptime before they could
   * meet), and a resume point from the old process is recognised as unknown.
   */
  private value = Date.now() * 1000;
  next(): number {
    return ++this.value;
  }
  current(): number {
    return this.value;
  }
}

/** One change, as the cache's listeners and the resume ring see it. */
export interface CacheChange {
  readonly generation: number;
  readonly namespace: string;
  readonly resourceVersion: string;
  readonly change: RowChange;
}

/** Count, digest and last change of the rows in one namespace (or of the whole cache). */
export interface Aggregate {
  count: number;
  digest: DigestSum;
  /** The generation and resourceVersion of the last change that touched these rows. */
  lastGeneration: number;
  lastResourceVersion: string;
}

interface NamespaceBucket {
  readonly rows: Map<string, Row>;
  readonly aggregate: Aggregate;
}

/** What readers see: the rows by namespace, where each uid is, and the running total. Swapped whole. */
interface View {
  readonly buckets: Map<string, NamespaceBucket>;
  /** uid → namespace, to find a row's bucket on delete. */
  readonly namespaceOfUid: Map<string, string>;
  readonly total: Aggregate;
}

/** A change found while a list lands, numbered only when the view is swapped in. */
interface StagedChange {
  readonly namespace: string;
  readonly change: RowChange;
}

/** A write that arrived while a list was landing: applied, in order, right after the swap. */
type DeferredWrite = { readonly kind: 'apply'; readonly type: 'ADDED' | 'MODIFIED' | 'DELETED'; readonly row: Row; readonly resourceVersion: string } | { readonly kind: 'bookmark'; readonly resourceVersion: string };

/** Rows between two looks at the clock while landing: reading it per row would cost more than the rows. */
const rowsBetweenClockReads = 500;

/** Thrown by `land` when its list will not land: a newer list came, or the caller gave up. */
export class LandingAbandoned extends Error {
  constructor(reason: string) {
    super(`list not landed: ${reason}`);
    this.name = 'LandingAbandoned';
  }
}

function emptyAggregate(generation: number): Aggregate {
  return { count: 0, digest: emptyDigest(), lastGeneration: generation, lastResourceVersion: '' };
}

/**
 * NextView builds a list's view beside the live one: each row is compared with the live row of
 * its uid (an unchanged row keeps the live object, so a relist allocates nothing that lasts), and
 * what differs is kept as a staged change, numbered when the view is swapped in. The live view
 * is only read, never written, so it may be built across many turns.
 */
class NextView implements View {
  readonly buckets = new Map<string, NamespaceBucket>();
  readonly namespaceOfUid = new Map<string, string>();
  readonly total: Aggregate;
  readonly changes: StagedChange[] = [];

  constructor(
    private readonly live: View,
    /** New columns: every row's cells are new, though its resourceVersion is not; told to column listeners on the swap. */
    readonly columnsChanged: boolean,
    private readonly createdGeneration: number,
    private readonly shared: SharedValues,
  ) {
    this.total = { ...emptyAggregate(live.total.lastGeneration), lastResourceVersion: live.total.lastResourceVersion };
  }

  add(row: Row): void {
    const namespace = namespaceOf(row);
    const listedTwice = this.namespaceOfUid.get(row.uid);
    if (listedTwice !== undefined) this.forget(row.uid, listedTwice);
    const liveNamespace = this.live.namespaceOfUid.get(row.uid);
    const previous = liveNamespace === undefined ? undefined : this.live.buckets.get(liveNamespace)?.rows.get(row.uid);
    const unchanged = previous !== undefined && liveNamespace === namespace && previous.resourceVersion === row.resourceVersion && !this.columnsChanged;
    const bucket = this.bucket(namespace);
    bucket.rows.set(row.uid, unchanged ? previous : row);
    this.namespaceOfUid.set(row.uid, namespace);
    bucket.aggregate.count++;
    this.total.count++;
    addItemToBoth(bucket.aggregate.digest, this.total.digest, row.uid, row.resourceVersion);
    if (unchanged) return;
    this.shared.share(row, previous);
    // A row that moved namespace leaves its old one: a delete there, as a watch would tell it.
    if (liveNamespace !== undefined && liveNamespace !== namespace) this.changes.push({ namespace: liveNamespace, change: { op: 'delete', uid: row.uid } });
    this.changes.push({ namespace, change: { op: 'upsert', row } });
  }

  /**
   * Every live row the list did not have is a delete, found a bounded number at a time: answers
   * whether more rows remain to be looked at. Every live namespace keeps its bucket, empty or
   * not, so a namespace's generation never goes back.
   */
  removeMissing(live: Iterator<[string, Row]>, namespace: string, budget: number): boolean {
    this.bucket(namespace);
    for (let i = 0; i < budget; i++) {
      const next = live.next();
      if (next.done) return false;
      const [uid] = next.value;
      if (!this.namespaceOfUid.has(uid)) this.changes.push({ namespace, change: { op: 'delete', uid } });
    }
    return true;
  }

  bucket(namespace: string): NamespaceBucket {
    let bucket = this.buckets.get(namespace);
    if (!bucket) {
      const live = this.live.buckets.get(namespace)?.aggregate;
      bucket = { rows: new Map(), aggregate: { ...emptyAggregate(live?.lastGeneration ?? this.createdGeneration), lastResourceVersion: live?.lastResourceVersion ?? '' } };
      this.buckets.set(namespace, bucket);
    }
    return bucket;
  }

  private forget(uid: string, namespace: string): void {
    const bucket = this.buckets.get(namespace)!;
    const row = bucket.rows.get(uid)!;
    bucket.rows.delete(uid);
    this.namespaceOfUid.delete(uid);
    bucket.aggregate.count--;
    this.total.count--;
    removeItemFromBoth(bucket.aggregate.digest, this.total.digest, uid, row.resourceVersion);
  }
}

/** A list on its way in: the view being built, and whether it still may land. */
interface Landing {
  readonly next: NextView;
  abandoned: string | null;
}

export interface CacheOptions {
  /** How many recent changes the resume ring keeps. */
  readonly ringSize: number;
  /** Keep at most this many rows, dropping the oldest (for log tails); unbounded when absent. */
  readonly maxRows?: number;
  /**
   * A landing list holds the loop in each turn for what is left of the loop's share
   * (adapters/loopShare.ts), and at most this long when given (tests set 0: a piece a turn).
   */
  readonly landingBudgetMs?: number;
}

/**
 * What a cold view's snapshot hears of the first list while it runs: a page of rows, the list
 * starting over (its rows so far are void), or the list landing in the cache.
 */
export type ListProgress =
  | { readonly kind: 'page'; readonly rows: readonly Row[]; readonly columns: readonly ColumnDefinition[] | null }
  | { readonly kind: 'restarted' }
  /**
   * The list's last page is read: its rows are a whole list at this resourceVersion, landing or
   * not. `generation` names that list: the cache lands it at that generation, so a resume or a
   * poll from it is answered with what changed after (`changesSince`).
   */
  | { readonly kind: 'read'; readonly resourceVersion: string; readonly generation: number }
  | { readonly kind: 'listed'; readonly resourceVersion: string };

/** A resumed client can replay from the ring when it holds every change after its generation. */
export type Replay = { readonly ok: true; readonly changes: readonly CacheChange[] } | { readonly ok: false };

function namespaceOf(row: Row): string {
  return 'namespace' in row && typeof row.namespace === 'string' ? row.namespace : '';
}

export class ResourceCache {
  /** The view every reader sees; a landing list replaces it whole. */
  private view: View;
  /** The list landing in pieces, if one is. */
  private landing: Landing | null = null;
  /** Writes that came while a list was landing. */
  private deferred: DeferredWrite[] = [];
  /**
   * One copy of the values many rows repeat (node name, creation time, owner, containers), as the
   * engine's store keeps: each row projected from JSON holds its own copies otherwise, about a
   * third of what a pod row costs (docs/backend.md, "Cache memory").
   */
  private readonly shared = new SharedValues();
  private readonly ring: CacheChange[] = [];
  private ringStart = 0;
  /** Changes at or below this generation are no longer all in the ring. */
  private ringFloor: number;
  private readonly listeners = new Set<(changes: readonly CacheChange[]) => void>();
  private readonly columnListeners = new Set<() => void>();
  private readonly listListeners = new Set<(progress: ListProgress) => void>();
  /** The first list's pages so far (those with rows), while it runs; null before it starts and once it landed. Joined only for a late follower. */
  private listing: (readonly Row[])[] | null = null;
  /** The columns the first list's rows are printed under, once a page said (Table collections). */
  private listingColumns: readonly ColumnDefinition[] | null = null;
  /** The first list read whole, once its last page came: its resourceVersion and the generation naming it; null until then. */
  private listingRead: { readonly resourceVersion: string; readonly generation: number } | null = null;
  /**
   * The columns the rows' cells follow (resource domains: the API server's Table columns), or
   * null for rows without cells. They change only with a list; clients then need a reset.
   */
  columns: readonly ColumnDefinition[] | null = null;
  /** Whether a first list has completed: until then the cache is not a view of anything. */
  listed = false;
  /** The latest resourceVersion seen: the list's, then every event's and bookmark's. */
  resourceVersion = '';
  readonly createdGeneration: number;

  constructor(
    readonly key: string,
    private readonly generations: GenerationCounter,
    private readonly options: CacheOptions,
  ) {
    this.createdGeneration = generations.next();
    this.ringFloor = this.createdGeneration;
    this.view = { buckets: new Map(), namespaceOfUid: new Map(), total: emptyAggregate(this.createdGeneration) };
  }

  get size(): number {
    return this.view.total.count;
  }

  /** Whether a list is landing in pieces now (writes wait for it). */
  get landingList(): boolean {
    return this.landing !== null;
  }

  /** Receives every batch of changes as it is applied. Returns the unsubscribe. */
  subscribe(listener: (changes: readonly CacheChange[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Hears that the columns changed under rows clients already hold: they need a reset. */
  onColumnsChanged(listener: () => void): () => void {
    this.columnListeners.add(listener);
    return () => this.columnListeners.delete(listener);
  }

  /**
   * A page of the first list: kept, and told to cold snapshots waiting on it. Pages of later
   * lists are not (a listed view is served from the cache; a relist reaches clients as a diff).
   */
  listPage(rows: readonly Row[], restarted: boolean, columns: readonly ColumnDefinition[] | null): void {
    if (this.listed) return;
    // A page after the list was read whole is another list's (the first one's landing was given up).
    if (restarted || this.listing === null || this.listingRead !== null) {
      if (this.listing !== null && this.listing.length > 0) this.tellList({ kind: 'restarted' });
      this.listing = [];
      this.listingColumns = null;
      this.listingRead = null;
    }
    // A restart alone (a read begins, or one failed partway) voids the pages so far and carries nothing.
    if (rows.length === 0 && columns === null) return;
    this.listingColumns ??= columns;
    if (rows.length > 0) this.listing.push(rows);
    this.tellList({ kind: 'page', rows, columns: this.listingColumns });
  }

  /**
   * The first list's last page is read: its rows are a whole list at `resourceVersion`, which
   * cold snapshots may close with a trail at once. Landing 20,345 rows in the cache takes
   * another 20–60 ms, which the client need not wait for (its stream waits for the landing).
   */
  listRead(resourceVersion: string): void {
    if (this.listed || this.listing === null) return;
    this.listingRead = { resourceVersion, generation: this.generations.next() };
    this.tellList({ kind: 'read', ...this.listingRead });
  }

  /**
   * Follows the first list: first the rows of the pages so far (as one page), then each page as
   * it comes, then `read` and `listed`. Told nothing, and `false` answered, when the cache is
   * listed already.
   */
  followFirstList(listener: (progress: ListProgress) => void): (() => void) | false {
    if (this.listed) return false;
    if (this.listing !== null && (this.listing.length > 0 || this.listingColumns !== null)) listener({ kind: 'page', rows: joinedRows(this.listing), columns: this.listingColumns });
    if (this.listingRead !== null) listener({ kind: 'read', ...this.listingRead });
    this.listListeners.add(listener);
    return () => this.listListeners.delete(listener);
  }

  /**
   * Replaces the content with a fresh list in one call, emitting only the difference. New
   * columns (a CRD's printer columns edited) are told after the difference, so a reset built
   * then has both. For a small list, or a test; a list of thousands lands with `land`.
   */
  replace(rows: readonly Row[], resourceVersion: string, columns: readonly ColumnDefinition[] | null = null): void {
    const next = this.begin(columns);
    for (const row of rows) next.add(row);
    for (const [namespace, bucket] of this.view.buckets) next.removeMissing(bucket.rows.entries(), namespace, Number.POSITIVE_INFINITY);
    this.commit(next, resourceVersion, columns);
  }

  /**
   * Replaces the content with a fresh list as `replace` does, but builds the new view a few
   * milliseconds a turn beside the live one and swaps it in at once when complete: readers see
   * the old view or the new, never a mix. Rejects with LandingAbandoned, changing nothing, when
   * a newer list starts meanwhile or `signal` aborts.
   */
  async land(rows: readonly Row[], resourceVersion: string, columns: readonly ColumnDefinition[] | null = null, signal?: AbortSignal): Promise<void> {
    const next = this.begin(columns);
    const landing: Landing = { next, abandoned: null };
    this.landing = landing;
    const mayLand = () => {
      if (signal?.aborted) this.abandon(landing, 'the list was abandoned');
      if (landing.abandoned !== null) throw new LandingAbandoned(landing.abandoned);
    };
    const stillLanding = async () => {
      await new Promise<void>((resolve) => setImmediate(resolve));
      mayLand();
    };
    const ownBudgetMs = this.options.landingBudgetMs ?? Number.POSITIVE_INFINITY;
    /** Whether this turn's landing is done: the loop's share is spent, or the own budget (tests). */
    const turnSpent = (until: number) => shareSpent() || performance.now() >= until;
    let index = 0;
    const rowsOfTurn = () => {
      openShare();
      const until = performance.now() + ownBudgetMs;
      do {
        for (const end = Math.min(index + rowsBetweenClockReads, rows.length); index < end; index++) next.add(rows[index]!);
      } while (index < rows.length && !turnSpent(until));
    };
    rowsOfTurn();
    while (index < rows.length) {
      await stillLanding();
      rowsOfTurn();
    }
    // The live view does not change while a list lands (writes wait), so its iterators stay valid across turns.
    for (const [namespace, bucket] of [...this.view.buckets]) {
      const live = bucket.rows.entries();
      for (;;) {
        openShare();
        const until = performance.now() + ownBudgetMs;
        let more: boolean;
        do more = next.removeMissing(live, namespace, rowsBetweenClockReads);
        while (more && !turnSpent(until));
        if (!more) break;
        await stillLanding();
      }
    }
    mayLand();
    this.commit(next, resourceVersion, columns);
  }

  /** A new view, to be built beside the live one; a list still landing is abandoned for it. */
  private begin(columns: readonly ColumnDefinition[] | null): NextView {
    if (this.landing !== null) this.abandon(this.landing, 'a newer list came');
    const columnsChanged = columns !== null && this.columns !== null && !sameColumns(columns, this.columns);
    return new NextView(this.view, columnsChanged, this.createdGeneration, this.shared);
  }

  /** Gives up a landing list: the live view stays, and the writes that waited for it apply now. */
  private abandon(landing: Landing, reason: string): void {
    landing.abandoned ??= reason;
    if (this.landing !== landing) return;
    this.landing = null;
    this.applyDeferred();
  }

  /**
   * Swaps a built view in, in one turn: numbers its changes (generations taken now, so they
   * order after everything any reader has seen), emits them, and tells who waited.
   */
  private commit(next: NextView, resourceVersion: string, columns: readonly ColumnDefinition[] | null): void {
    // Columns change only here, and a newer list abandons this one: what `begin` found still holds.
    const { columnsChanged } = next;
    if (columns !== null) this.columns = columns;
    const changes: CacheChange[] = [];
    // A first list read whole (`listRead`) lands at the generation its read was given: cold views
    // sent its rows with that generation, and hold exactly this view. Nothing before it can be
    // replayed (a read whose landing was given up included), so the ring starts there.
    const read = !this.listed && this.listingRead?.resourceVersion === resourceVersion ? this.listingRead.generation : null;
    if (read !== null) this.ringFloor = read;
    if (!this.listed && next.changes.length > this.options.ringSize) {
      // A first list the ring cannot hold: no client holds a row of a cache never listed, and no
      // resume from before it could be replayed, so it takes one generation, and its listeners
      // hear an empty batch (the cache is listed: they owe resets). Numbering 150,148 changes
      // that would fall out of the ring at once held the loop 50–200 ms.
      const generation = read ?? this.generations.next();
      for (const aggregate of [next.total, ...[...next.buckets.values()].map((bucket) => bucket.aggregate)]) {
        aggregate.lastGeneration = generation;
        aggregate.lastResourceVersion = resourceVersion;
      }
      this.ring.length = 0;
      this.ringStart = 0;
      this.ringFloor = generation;
    } else {
      for (const staged of next.changes) changes.push(this.record(next.bucket(staged.namespace), next.total, staged.namespace, resourceVersion, staged.change, read ?? undefined));
    }
    this.view = next;
    this.landing = null;
    this.resourceVersion = resourceVersion;
    const wasListed = this.listed;
    this.listed = true;
    this.listing = null;
    this.listingColumns = null;
    this.listingRead = null;
    this.emit(changes);
    if (!wasListed) {
      this.tellList({ kind: 'listed', resourceVersion });
      this.listListeners.clear();
    }
    if (columnsChanged) for (const listener of this.columnListeners) listener();
    this.applyDeferred();
  }

  private applyDeferred(): void {
    const writes = this.deferred;
    this.deferred = [];
    for (const write of writes) {
      if (write.kind === 'apply') this.apply(write.type, write.row, write.resourceVersion);
      else this.bookmark(write.resourceVersion);
    }
  }

  /** Applies one watch event (ADDED, MODIFIED or DELETED); while a list lands, right after it. */
  apply(type: 'ADDED' | 'MODIFIED' | 'DELETED', row: Row, resourceVersion: string): void {
    if (this.landing !== null) {
      this.deferred.push({ kind: 'apply', type, row, resourceVersion });
      return;
    }
    if (resourceVersion) this.resourceVersion = resourceVersion;
    const changes: CacheChange[] = [];
    const version = resourceVersion || row.resourceVersion;
    if (type === 'DELETED') {
      this.remove(row.uid, version, changes);
    } else {
      this.upsert(row, version, changes);
      if (this.options.maxRows !== undefined) {
        // Map iteration is insertion order, so the first uid is the oldest row.
        for (const uid of this.view.namespaceOfUid.keys()) {
          if (this.view.total.count <= this.options.maxRows) break;
          this.remove(uid, version, changes);
        }
      }
    }
    this.emit(changes);
  }

  /** A bookmark: the resourceVersion moves on, nothing else changes. */
  bookmark(resourceVersion: string): void {
    if (this.landing !== null) {
      this.deferred.push({ kind: 'bookmark', resourceVersion });
      return;
    }
    if (resourceVersion) this.resourceVersion = resourceVersion;
  }

  rowsIn(namespace: string | null): Iterable<Row> {
    if (namespace !== null) return this.view.buckets.get(namespace)?.rows.values() ?? [];
    const buckets = this.view.buckets;
    return (function* allRows() {
      for (const bucket of buckets.values()) yield* bucket.rows.values();
    })();
  }

  /**
   * Appends the rows of one namespace (or all) to `into`: plain loops, since a reset of 150,000
   * rows gathered through `rowsIn`'s generator took 6–27 ms against 4–5 ms, and ten clients'
   * resets can be named in one turn of the loop.
   */
  collectRows(namespace: string | null, into: Row[]): void {
    const buckets = namespace === null ? this.view.buckets.values() : [this.view.buckets.get(namespace)];
    for (const bucket of buckets) {
      if (bucket) for (const row of bucket.rows.values()) into.push(row);
    }
  }

  /** The aggregate for one namespace, or for everything when `namespace` is null. */
  aggregate(namespace: string | null): Aggregate {
    if (namespace === null) return this.view.total;
    return (
      this.view.buckets.get(namespace)?.aggregate ?? {
        count: 0,
        digest: emptyDigest(),
        lastGeneration: this.createdGeneration,
        lastResourceVersion: '',
      }
    );
  }

  /**
   * Every change after `generation` in one namespace (or all), when the ring still holds them
   * all. A cold view's trail generation (the first list as read) is answered too: the list
   * landed at it.
   */
  changesSince(generation: number, namespace: string | null): Replay {
    if (generation < this.ringFloor) return { ok: false };
    const changes: CacheChange[] = [];
    for (let i = this.ringStart; i < this.ring.length; i++) {
      const entry = this.ring[i]!;
      if (entry.generation > generation && (namespace === null || entry.namespace === namespace)) changes.push(entry);
    }
    return { ok: true, changes };
  }

  private bucket(namespace: string): NamespaceBucket {
    let bucket = this.view.buckets.get(namespace);
    if (!bucket) {
      bucket = { rows: new Map(), aggregate: emptyAggregate(this.createdGeneration) };
      this.view.buckets.set(namespace, bucket);
    }
    return bucket;
  }

  private upsert(row: Row, resourceVersion: string, changes: CacheChange[], evenIfSameVersion = false): void {
    const namespace = namespaceOf(row);
    const bucket = this.bucket(namespace);
    // A uid is in one bucket at most, and `namespaceOfUid` files it there: a row found in its
    // namespace's bucket is filed already. Only a row not found there is new or moved, and only
    // then is the uid looked up a second time (docs/development.md, "Row 2: per-change cost").
    const previous = bucket.rows.get(row.uid);
    if (previous === undefined) {
      const previousNamespace = this.view.namespaceOfUid.get(row.uid);
      if (previousNamespace !== undefined && previousNamespace !== namespace) this.remove(row.uid, resourceVersion, changes);
    } else if (previous.resourceVersion === row.resourceVersion && !evenIfSameVersion) return;
    if (previous) removeItemFromBoth(bucket.aggregate.digest, this.view.total.digest, previous.uid, previous.resourceVersion);
    else {
      bucket.aggregate.count++;
      this.view.total.count++;
    }
    addItemToBoth(bucket.aggregate.digest, this.view.total.digest, row.uid, row.resourceVersion);
    bucket.rows.set(row.uid, this.shared.share(row, previous));
    if (previous === undefined) this.view.namespaceOfUid.set(row.uid, namespace);
    changes.push(this.record(bucket, this.view.total, namespace, resourceVersion, { op: 'upsert', row }));
  }

  private remove(uid: string, resourceVersion: string, changes: CacheChange[]): void {
    const namespace = this.view.namespaceOfUid.get(uid);
    if (namespace === undefined) return;
    const bucket = this.bucket(namespace);
    const previous = bucket.rows.get(uid);
    this.view.namespaceOfUid.delete(uid);
    if (!previous) return;
    bucket.rows.delete(uid);
    removeItemFromBoth(bucket.aggregate.digest, this.view.total.digest, previous.uid, previous.resourceVersion);
    bucket.aggregate.count--;
    this.view.total.count--;
    changes.push(this.record(bucket, this.view.total, namespace, resourceVersion, { op: 'delete', uid }));
  }

  /** Numbers a change (the next generation, or every change of a first list read whole: its read's) and keeps it in the ring. */
  private record(bucket: NamespaceBucket, total: Aggregate, namespace: string, resourceVersion: string, change: RowChange, generation = this.generations.next()): CacheChange {
    const entry: CacheChange = { generation, namespace, resourceVersion, change };
    // Both by name, not through a list of the two: this runs for every change.
    bucket.aggregate.lastGeneration = total.lastGeneration = generation;
    bucket.aggregate.lastResourceVersion = total.lastResourceVersion = resourceVersion;
    this.ring.push(entry);
    if (this.ring.length - this.ringStart > this.options.ringSize) {
      this.ringFloor = this.ring[this.ringStart]!.generation;
      this.ringStart++;
      // Compact now and then instead of shifting the array on every change.
      if (this.ringStart > this.options.ringSize) {
        this.ring.splice(0, this.ringStart);
        this.ringStart = 0;
      }
    }
    return entry;
  }

  private tellList(progress: ListProgress): void {
    for (const listener of [...this.listListeners]) listener(progress);
  }

  /** Listeners hear empty batches too: a relist that changed nothing still tells them the cache is listed. */
  private emit(changes: readonly CacheChange[]): void {
    for (const listener of this.listeners) listener(changes);
  }
}

/**
 * What a view over several caches missed since `generation`: the last change of each row, from
 * every cache's ring; null when any ring no longer reaches back that far. Bounded by the rings.
 */
export function viewChangesSince(caches: readonly ResourceCache[], generation: number, namespace: string | null): RowChange[] | null {
  const last = new Map<string, CacheChange>();
  for (const cache of caches) {
    const replay = cache.changesSince(generation, namespace);
    if (!replay.ok) return null;
    for (const entry of replay.changes) {
      const uid = entry.change.op === 'upsert' ? entry.change.row.uid : entry.change.uid;
      const held = last.get(uid);
      // A row that moved namespace or resource leaves a delete and an upsert: the later one wins.
      if (!held || held.generation < entry.generation) last.set(uid, entry);
    }
  }
  return [...last.values()].map((entry) => entry.change);
}

/** Sums aggregates of disjoint row sets: a view over several resources or namespaces. */
export function combineAggregates(aggregates: readonly Aggregate[]): Aggregate {
  const digest = emptyDigest();
  let count = 0;
  let latest: Aggregate | undefined;
  for (const aggregate of aggregates) {
    count += aggregate.count;
    addDigest(digest, aggregate.digest);
    if (!latest || aggregate.lastGeneration > latest.lastGeneration) latest = aggregate;
  }
  return {
    count,
    digest,
    lastGeneration: latest?.lastGeneration ?? 0,
    lastResourceVersion: latest?.lastResourceVersion ?? '',
  };
}
