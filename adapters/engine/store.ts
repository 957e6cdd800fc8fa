/**
 * RowStore holds what the engine knows: for each subscription (domain + scope) its rows keyed by
 * uid, the generation, stream `seq` and resourceVersion they correspond to, and a running digest;
 * and, beside the rows, the newest metrics sample per object.
 *
 * Metrics live in their own map and are joined to rows when read, so a metrics update cannot
 * touch `status`, readiness, taints, `unschedulable` or any other field: it has no way to reach
 * them. A sample for an object that has no row yet simply waits there until the row arrives.
 *
 * Ordering comes from the backend's `generation`, never from resourceVersion (opaque, compared
 * for equality only): a snapshot older than what the store already applied is ignored. Fresh
 * reads win: while the store holds rows read straight from the API server (`source: 'api'`), a
 * reset or update from the backend's cache that is older than that read is refused and counted,
 * so a cache that is behind the cluster can never put stale rows back on screen.
 *
 * The store is subscribable for React's useSyncExternalStore: `subscribe(listener)` and a
 * per-key `version` that changes exactly when that key's rows or metrics change.
 */
import type { DigestSum } from '../digest.js';
import { addDigest, addItem, emptyDigest, formatDigest, removeItem } from '../digest.js';
import type { ColumnDefinition, MetricsRow, Resources, Row, RowChange } from '../protocol.js';
import { SharedValues } from './sharedValues.js';

export interface Collection {
  readonly rows: ReadonlyMap<string, Row>;
  /** The backend generation the rows correspond to; -1 before anything was applied. */
  readonly generation: number;
  /** The last stream frame applied (0: none on this subscription yet). */
  readonly seq: number;
  readonly resourceVersion: string;
  /** When rows last changed, by the engine's clock. */
  readonly updatedAt: number | null;
  readonly version: number;
  /** What last wrote the rows; a store last written from the API server cannot resume the stream. */
  readonly source: RowSource | null;
  /** Resets and updates refused because a fresh read from the API server was newer. */
  readonly refused: number;
  /**
   * Resource domains: the columns the API server prints, in the order of each row's `cells`;
   * null for built-in domains. They come with a snapshot or a reset, never with an update.
   */
  readonly columns: readonly ColumnDefinition[] | null;
  /**
   * A cold view whose first reset is still arriving in pieces: the rows so far are shown, with
   * how many there will be. Null once a whole reset or snapshot is applied (and always for a
   * view that already showed rows: a reset of it swaps in only when complete).
   */
  readonly loading: { readonly received: number; readonly count: number | null } | null;
}

interface MutableCollection {
  rows: Map<string, Row>;
  generation: number;
  seq: number;
  resourceVersion: string;
  updatedAt: number | null;
  version: number;
  digest: DigestSum;
  source: RowSource | null;
  refused: number;
  columns: readonly ColumnDefinition[] | null;
  loading: { received: number; count: number | null } | null;
}

/**
 * `stream`: frames. `cache`: a snapshot the backend served from its list-watch, exactly the view
 * at its generation, so as good a resume point as a frame. `api`: a snapshot read straight from
 * the API server while the cache was unhealthy, which the backend's change ring does not start from.
 */
export type RowSource = 'stream' | 'cache' | 'api';

/**
 * One write to a key's rows, told synchronously as it happens: `all` when the rows were replaced
 * (a reset, a snapshot, a drop), else the uids upserted or deleted. What derives from the rows
 * (a workload's summed usage) follows these instead of reading every row again.
 */
export interface RowsChanged {
  readonly key: string;
  readonly uids: readonly string[] | 'all';
}

/**
 * One metrics answer committed, told synchronously: the metrics version it moved to and the
 * samples it moved, by namespace and name (`all` past `metricsChangesListed` of them). What sorts
 * by a metric re-places those rows rather than every row: under churn most answers only bring the
 * first samples of the pods created since the last one (bench row 9s).
 */
export interface MetricsChanged {
  readonly kind: MetricsKind;
  readonly version: number;
  readonly samples: readonly { readonly namespace?: string; readonly name: string }[] | 'all';
}

/**
 * Past this many samples moved in one answer, MetricsChanged says `all`: a sort re-placing that
 * many rows costs more than sorting afresh (lib/order.ts), and the list would be 400 KB at
 * 50,000 pods, allocated straight into V8's old generation.
 */
export const metricsChangesListed = 1024;

export interface MetricsSample {
  readonly usage: Resources;
  /** The sample's own time from metrics.k8s.io (ms), which only moves when the sample is new. */
  readonly sampleTime: number | null;
  readonly window: string | null;
  /** Recent usage for sparklines, oldest first, one entry per new sample. */
  readonly history: readonly Resources[];
}

export type MetricsKind = 'node' | 'pod';

/** How many samples a sparkline keeps. */
export const metricsHistoryLength = 30;

export interface ApplyResult {
  readonly applied: boolean;
  readonly count: number;
  /** Not applied because the store holds a newer read from the API server (frames only). */
  readonly refused?: boolean;
}

export interface MetricsApplyResult {
  /** Samples whose timestamp moved (or that are new). */
  readonly changed: number;
  readonly count: number;
  readonly newestSampleTime: number | null;
}

/** The namespace a sample is kept under: nodes have none. */
function metricsNamespace(kind: MetricsKind, namespace: string | undefined): string {
  return kind === 'node' ? '' : (namespace ?? '');
}

interface MutableSample {
  usage: Resources;
  sampleTime: number | null;
  window: string | null;
  history: Resources[];
  /** The timestamp as the API wrote it: compared before anything is parsed or allocated. */
  timestampText: string | null;
}

/**
 * Whether a collection shown as loading holds exactly these rows, as the very objects: the pieces
 * it showed were this answer's own (a snapshot's lines, a reset's pieces), each already shared.
 * Then applying the answer keeps them where they are instead of putting every row in a new map:
 * for 20,345 ConfigMaps that second map and its digest were 10 ms of a cold load.
 *
 * The rows are compared in the order the map holds them, which is the order they were shown in,
 * and so the answer's: as many rows, each the same object, is exactly these rows (every row is
 * kept under its own uid). Looking each uid up instead was 6–12 ms of a cold load's last step
 * (the map's order only differs when a row came twice or changed meanwhile, and then the answer
 * is put in a new map as any other).
 */
function holdsAlready(c: MutableCollection, items: readonly Row[]): boolean {
  if (c.loading === null || c.rows.size !== items.length) return false;
  let i = 0;
  for (const held of c.rows.values()) if (held !== items[i++]) return false;
  return true;
}

export class RowStore {
  private readonly collections = new Map<string, MutableCollection>();
  /**
   * Samples by kind, then namespace, then name. No key string is built to find one: the Pods view
   * sorted by CPU looks up all 50,000 pods' samples per sort, and a key built per lookup (then
   * hashed afresh) was a third of the sort's time.
   */
  private readonly metrics: Record<MetricsKind, Map<string, Map<string, MutableSample>>> = { node: new Map(), pod: new Map() };
  /** metricsOfRow's memory: a row object, the sample it was found to have. */
  private readonly samplesByRow: Record<MetricsKind, WeakMap<object, MetricsSample>> = { node: new WeakMap(), pod: new WeakMap() };
  private readonly listeners = new Set<() => void>();
  private readonly rowsListeners = new Set<(change: RowsChanged) => void>();
  private readonly metricsListeners = new Set<(change: MetricsChanged) => void>();
  /** One copy of each value many rows repeat (node names, owners, containers), for every key. */
  private readonly shared = new SharedValues();
  private metricsVersionValue = 0;
  private notifyScheduled = false;

  constructor(private readonly now: () => number = Date.now) {}

  // ---- reading ------------------------------------------------------------------------------

  collection(key: string): Collection | undefined {
    return this.collections.get(key);
  }

  rows<R extends Row = Row>(key: string): R[] {
    const c = this.collections.get(key);
    return c ? ([...c.rows.values()] as R[]) : [];
  }

  /** Items, count, digest and resourceVersion as the drift check compares them to a heartbeat. */
  summary(key: string): {
    count: number;
    digest: string;
    resourceVersion: string;
    generation: number;
    seq: number;
    source: RowSource | null;
  } | null {
    const c = this.collections.get(key);
    if (!c) return null;
    return {
      count: c.rows.size,
      digest: formatDigest(c.digest),
      resourceVersion: c.resourceVersion,
      generation: c.generation,
      seq: c.seq,
      source: c.source,
    };
  }

  /** The newest sample, updated in place when a new one arrives and never removed: it may be kept and read again (WorkloadUsageTracker does). */
  metricsFor(kind: MetricsKind, name: string, namespace?: string): MetricsSample | undefined {
    return this.metrics[kind].get(metricsNamespace(kind, namespace))?.get(name);
  }

  /**
   * metricsFor, by the row shown (a pod's name and namespace, a node's name), remembered for that
   * row object: a sort by CPU reads all 50,000 pods' samples after each metrics tick, and two
   * lookups by name per pod were half its time. A written row is a new object, found afresh.
   */
  metricsOfRow(kind: MetricsKind, row: { readonly name: string; readonly namespace?: string }): MetricsSample | undefined {
    const found = this.samplesByRow[kind];
    let sample = found.get(row);
    if (sample === undefined) {
      sample = this.metricsFor(kind, row.name, row.namespace);
      // A sample stays its name's for good; none yet is looked up again next time.
      if (sample) found.set(row, sample);
    }
    return sample;
  }

  get metricsVersion(): number {
    return this.metricsVersionValue;
  }

  /** A resource domain's columns as the last applied snapshot or reset sent them; null for built-in domains. */
  columns(key: string): readonly ColumnDefinition[] | null {
    return this.collections.get(key)?.columns ?? null;
  }

  version(key: string): number {
    return this.collections.get(key)?.version ?? 0;
  }

  keys(): string[] {
    return [...this.collections.keys()];
  }

  // ---- subscribing (useSyncExternalStore) ------------------------------------------------------

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Every write to any key's rows, as it happens (see RowsChanged). */
  onRowsChanged(listener: (change: RowsChanged) => void): () => void {
    this.rowsListeners.add(listener);
    return () => this.rowsListeners.delete(listener);
  }

  /** Every metrics answer that moved a sample, as it is committed (see MetricsChanged). */
  onMetricsChanged(listener: (change: MetricsChanged) => void): () => void {
    this.metricsListeners.add(listener);
    return () => this.metricsListeners.delete(listener);
  }

  private rowsChanged(key: string, uids: readonly string[] | 'all'): void {
    for (const listener of [...this.rowsListeners]) {
      try {
        listener({ key, uids });
      } catch {
        // As with notify: one failing listener must not stop the others or the write.
      }
    }
  }

  private notify(): void {
    // Many frames can land in one tick; listeners hear once, after the tick.
    if (this.notifyScheduled || this.listeners.size === 0) return;
    this.notifyScheduled = true;
    queueMicrotask(() => {
      this.notifyScheduled = false;
      for (const listener of [...this.listeners]) {
        try {
          listener();
        } catch {
          // A failing listener must not stop the others or the store.
        }
      }
    });
  }

  // ---- writing --------------------------------------------------------------------------------

  private ensure(key: string): MutableCollection {
    let c = this.collections.get(key);
    if (!c) {
      c = { rows: new Map(), generation: -1, seq: 0, resourceVersion: '', updatedAt: null, version: 0, digest: emptyDigest(), source: null, refused: 0, columns: null, loading: null };
      this.collections.set(key, c);
    }
    return c;
  }

  private replaceRows(key: string, c: MutableCollection, items: readonly Row[], columns: readonly ColumnDefinition[] | undefined): void {
    // Columns travel with the whole state: a reset or snapshot without them (a built-in domain)
    // keeps none, and rows are never shown against another answer's columns.
    c.columns = columns ?? null;
    if (!holdsAlready(c, items)) {
      c.rows = new Map();
      c.digest = emptyDigest();
      for (const row of items) {
        const previous = c.rows.get(row.uid);
        if (previous) removeItem(c.digest, previous.uid, previous.resourceVersion);
        c.rows.set(row.uid, this.shared.share(row));
        addItem(c.digest, row.uid, row.resourceVersion);
      }
    }
    c.loading = null;
    c.updatedAt = this.now();
    c.version++;
    this.rowsChanged(key, 'all');
  }

  /**
   * A snapshot from HTTP. Ignored when older than what the store holds: a slow poll must never
   * roll back what the stream already applied.
   */
  applySnapshot(
    key: string,
    snapshot: { items: readonly Row[]; generation: number; resourceVersion: string; digest?: string; source?: 'cache' | 'api'; columns?: readonly ColumnDefinition[] },
  ): ApplyResult {
    const c = this.ensure(key);
    if (snapshot.generation < c.generation) return { applied: false, count: c.rows.size };
    // Same generation and the same digest: nothing to do. A different digest at the same
    // generation means the store drifted (a lost frame), and the snapshot repairs it.
    const sameDigest = snapshot.digest === undefined || snapshot.digest === formatDigest(c.digest);
    if (snapshot.generation === c.generation && c.version > 0 && sameDigest) {
      c.updatedAt = this.now(); // confirmed current: the data is fresh even though nothing changed
      return { applied: false, count: c.rows.size };
    }
    this.replaceRows(key, c, snapshot.items, snapshot.columns);
    c.generation = snapshot.generation;
    c.resourceVersion = snapshot.resourceVersion;
    c.source = snapshot.source ?? 'api';
    this.notify();
    return { applied: true, count: c.rows.size };
  }

  /** A 304 or an equal snapshot: nothing changed, but the data is confirmed current now. */
  confirm(key: string): void {
    const c = this.collections.get(key);
    if (c) c.updatedAt = this.now();
  }

  /**
   * Whether a frame at `generation` is behind a fresh read the store holds: rows read straight
   * from the API server outrank a cache that had not seen that far when the read began.
   */
  private behindFreshRead(c: MutableCollection, generation: number, orEqual: boolean): boolean {
    return c.source === 'api' && (generation < c.generation || (orEqual && generation === c.generation));
  }

  /** A `reset` frame: the whole state of the subscription at `seq`; refused when behind a fresh read. */
  applyReset(
    key: string,
    frame: { items: readonly Row[]; generation: number; seq: number; resourceVersion: string; columns?: readonly ColumnDefinition[] },
  ): ApplyResult {
    const c = this.ensure(key);
    if (this.behindFreshRead(c, frame.generation, false)) {
      c.seq = frame.seq; // the sequence moved on; the rows did not
      c.refused++;
      return { applied: false, count: c.rows.size, refused: true };
    }
    this.replaceRows(key, c, frame.items, frame.columns);
    c.generation = frame.generation;
    c.seq = frame.seq;
    c.resourceVersion = frame.resourceVersion;
    c.source = 'stream';
    this.notify();
    return { applied: true, count: c.rows.size };
  }

  /**
   * The first pieces of a reset or of a snapshot sent as lines, for a view that shows nothing yet:
   * its rows go on screen at once, marked `loading` (`count` null while the backend's own first
   * list runs and nobody knows how many there will be). Generation, seq and resourceVersion stay as they were (no frame is applied
   * until the reset is whole), so nothing resumes from or is checked against these rows. False,
   * and nothing written, when the view already shows rows.
   *
   * `rowsDigest`, when given, is the digest of exactly `rows` (`sumOf`), as the snapshot's lines
   * summed them for their trail: it is added whole instead of each row being hashed again. A sum
   * does not care in which order it is added, so the store's digest comes out the same.
   */
  showLoading(key: string, rows: readonly Row[], count: number | null, columns?: readonly ColumnDefinition[], rowsDigest?: Readonly<DigestSum>): boolean {
    const c = this.ensure(key);
    if (c.loading === null && (c.version > 0 || c.rows.size > 0)) return false;
    if (c.loading === null) c.columns = columns ?? null;
    for (const row of rows) {
      const previous = c.rows.get(row.uid);
      if (previous) removeItem(c.digest, previous.uid, previous.resourceVersion);
      // Shared now as when applied: the answer's rows, once whole, are these same objects (holdsAlready).
      c.rows.set(row.uid, this.shared.share(row));
      if (rowsDigest === undefined) addItem(c.digest, row.uid, row.resourceVersion);
    }
    if (rowsDigest !== undefined) addDigest(c.digest, rowsDigest);
    c.loading = { received: c.rows.size, count };
    c.version++;
    // The uids are listed only for someone to hear them: a cold load with nobody listening (the
    // engine alone, no workload sums) listed 20,345 of them for nothing.
    if (this.rowsListeners.size > 0) this.rowsChanged(key, rows.map((row) => row.uid));
    this.notify();
    return true;
  }

  /** A reset in pieces broke off: a cold view's partial rows are taken down again. */
  abandonLoading(key: string): void {
    const c = this.collections.get(key);
    if (!c || c.loading === null) return;
    c.loading = null;
    c.rows = new Map();
    c.digest = emptyDigest();
    c.version++;
    this.rowsChanged(key, 'all');
    this.notify();
  }

  /** An `update` frame: changes since the previous frame. */
  applyUpdate(key: string, frame: { changes: readonly RowChange[]; generation: number; seq: number; resourceVersion: string }): ApplyResult {
    const c = this.ensure(key);
    c.seq = frame.seq;
    // A snapshot polled while the stream was still proving itself can be ahead of this frame:
    // its changes are already in the store, and applying them again would roll rows back.
    if (frame.generation <= c.generation) {
      const refused = this.behindFreshRead(c, frame.generation, true);
      if (refused) c.refused++;
      return { applied: false, count: c.rows.size, refused };
    }
    this.writeChanges(key, c, frame.changes);
    c.generation = frame.generation;
    c.resourceVersion = frame.resourceVersion;
    c.source = 'stream';
    this.notify();
    return { applied: true, count: c.rows.size };
  }

  /**
   * The changes a poll asked for `since` the generation the store held, from the backend's ring.
   * They apply only onto that state or a later one the stream brought (a change applied twice
   * lands on the same row); a store behind `since` (dropped meanwhile) or last filled from the
   * API server is not what the ring starts from. `agrees` says whether the store then holds
   * exactly the view the body describes: when not, the store drifted and needs the whole view.
   */
  applyChanges(
    key: string,
    body: { since: number; changes: readonly RowChange[]; generation: number; resourceVersion: string; count: number; digest: string; columns?: readonly ColumnDefinition[] },
  ): ApplyResult & { agrees: boolean } {
    const c = this.ensure(key);
    // The stream got further than this answer meanwhile: it is already in the store.
    if (body.generation < c.generation) return { applied: false, count: c.rows.size, agrees: true };
    if (c.generation < body.since || c.version === 0 || c.source === 'api') return { applied: false, count: c.rows.size, agrees: false };
    if (body.changes.length > 0) this.writeChanges(key, c, body.changes);
    else c.updatedAt = this.now(); // confirmed current, as a 304 is
    c.columns = body.columns ?? null;
    c.generation = body.generation;
    c.resourceVersion = body.resourceVersion;
    c.source = 'cache';
    if (body.changes.length > 0) this.notify();
    const agrees = c.rows.size === body.count && formatDigest(c.digest) === body.digest;
    return { applied: body.changes.length > 0, count: c.rows.size, agrees };
  }

  /** Upserts and deletes onto a key's rows, with their digest, version and listeners. */
  private writeChanges(key: string, c: MutableCollection, changes: readonly RowChange[]): void {
    const uids: string[] = [];
    for (const change of changes) {
      uids.push(change.op === 'upsert' ? change.row.uid : change.uid);
      if (change.op === 'upsert') {
        const previous = c.rows.get(change.row.uid);
        if (previous) removeItem(c.digest, previous.uid, previous.resourceVersion);
        c.rows.set(change.row.uid, this.shared.share(change.row, previous));
        addItem(c.digest, change.row.uid, change.row.resourceVersion);
      } else {
        const previous = c.rows.get(change.uid);
        if (previous) {
          removeItem(c.digest, previous.uid, previous.resourceVersion);
          c.rows.delete(change.uid);
        }
      }
    }
    c.updatedAt = this.now();
    c.version++;
    this.rowsChanged(key, uids);
  }

  /** A heartbeat or status frame moved the sequence without changing rows. */
  advanceSeq(key: string, seq: number): void {
    const c = this.collections.get(key);
    if (c) c.seq = seq;
  }

  /**
   * A fresh read that holds exactly the rows a healthy heartbeat describes takes the stream's
   * generation and resourceVersion, so the stream's next frames apply on top of it (drift.ts).
   */
  rebase(key: string, point: { generation: number; resourceVersion: string }): void {
    const c = this.collections.get(key);
    if (!c || c.source !== 'api') return;
    c.generation = point.generation;
    c.resourceVersion = point.resourceVersion;
    c.source = 'stream';
  }

  /** The stream confirmed the data is current (a heartbeat that agreed). */
  touch(key: string): void {
    const c = this.collections.get(key);
    if (c) c.updatedAt = this.now();
  }

  /** Forgets a subscription's rows (scope changed, or the last view left). */
  drop(key: string): void {
    if (!this.collections.delete(key)) return;
    this.rowsChanged(key, 'all');
    this.notify();
  }

  /**
   * Metrics samples: only the metric fields of the sample map are written. A sample whose
   * timestamp did not move writes nothing and notifies nobody.
   */
  applyMetrics(kind: MetricsKind, items: readonly MetricsRow[]): MetricsApplyResult {
    const staged = this.stageMetrics(kind);
    staged.read(items, 0, items.length);
    return staged.commit();
  }

  /**
   * applyMetrics in two steps, so that the reading can be cut into slices across frames (50,000
   * pods took one 77 ms task of the page, traced: a late frame each metrics tick, bench row 9s):
   * `read` finds each sample's place and whether it moved, and changes nothing anyone can see;
   * `commit` then writes every moved sample in one pass and moves the metrics version once. So
   * no view ever shows some samples of an answer and not others, and a sort by a metric never
   * sees its keys move under it between two of its own updates.
   */
  stageMetrics(kind: MetricsKind): StagedMetrics {
    const groups = this.metrics[kind];
    // Per moved sample, in parallel: the sample it updates (none: a new one), and what it brings.
    // Two arrays, not more: at 50,000 pods each is 400 KB, which V8 puts straight in its old generation.
    const samples: (MutableSample | undefined)[] = [];
    const moved: MetricsRow[] = [];
    let count = 0;
    let newest: number | null = null;
    let group: Map<string, MutableSample> | undefined;
    let groupNamespace = '';
    // The samples of one scrape share their timestamp: each text is parsed once, not per sample.
    let parsedText: string | null = null;
    let parsed = Number.NaN;
    const timeOf = (text: string | null): number | null => {
      if (text !== parsedText) {
        parsedText = text;
        parsed = text ? Date.parse(text) : Number.NaN;
      }
      return Number.isFinite(parsed) ? parsed : null;
    };
    return {
      // Runs every metrics tick over every object (50,000 pods), and many ticks repeat the last
      // sample: the unchanged path is a map lookup and a string comparison, nothing allocated.
      read: (items, from, to) => {
        count += to - from;
        for (let i = from; i < to; i++) {
          const item = items[i]!;
          const namespace = metricsNamespace(kind, item.namespace);
          if (!group || namespace !== groupNamespace) {
            groupNamespace = namespace;
            group = groups.get(namespace);
          }
          const previous = group?.get(item.name);
          if (previous && sameSample(previous, item)) {
            if (previous.sampleTime !== null && (newest === null || previous.sampleTime > newest)) newest = previous.sampleTime;
            continue;
          }
          const time = timeOf(item.timestamp);
          if (time !== null && (newest === null || time > newest)) newest = time;
          samples.push(previous);
          moved.push(item);
        }
      },
      commit: () => {
        let changed = 0;
        const listed: MetricsRow[] | null = this.metricsListeners.size > 0 ? [] : null;
        for (let i = 0; i < moved.length; i++) {
          const item = moved[i]!;
          // Samples are never removed, so a sample read stays its name's; one added since (an
          // answer committed meanwhile, or the same name twice in this one) is found again.
          let sample = samples[i];
          let into: Map<string, MutableSample> | undefined;
          if (!sample) {
            const namespace = metricsNamespace(kind, item.namespace);
            into = groups.get(namespace);
            if (!into) groups.set(namespace, (into = new Map()));
            sample = into.get(item.name);
          }
          if (sample && sameSample(sample, item)) continue;
          const time = timeOf(item.timestamp);
          if (sample) {
            sample.usage = item.usage;
            sample.sampleTime = time;
            sample.window = item.window;
            sample.timestampText = item.timestamp;
            sample.history.push(item.usage);
            if (sample.history.length > metricsHistoryLength) sample.history.shift();
          } else {
            into!.set(item.name, { usage: item.usage, sampleTime: time, window: item.window, history: [item.usage], timestampText: item.timestamp });
          }
          changed++;
          if (listed && changed <= metricsChangesListed) listed.push(item);
        }
        if (changed > 0) {
          this.metricsVersionValue++;
          if (listed) {
            const change: MetricsChanged = { kind, version: this.metricsVersionValue, samples: changed <= metricsChangesListed ? listed : 'all' };
            for (const listener of [...this.metricsListeners]) {
              try {
                listener(change);
              } catch {
                // As with notify: one failing listener must not stop the others or the commit.
              }
            }
          }
          this.notify();
        }
        return { changed, count, newestSampleTime: newest };
      },
    };
  }
}

/** A metrics answer being read into the store (RowStore.stageMetrics): `read` any ranges of it, then `commit` once. */
export interface StagedMetrics {
  read(items: readonly MetricsRow[], from: number, to: number): void;
  commit(): MetricsApplyResult;
}

/** The sample already holds this one: the same timestamp, as the API wrote it. */
function sameSample(sample: MutableSample, item: MetricsRow): boolean {
  return sample.timestampText !== null && sample.timestampText === item.timestamp;
}
