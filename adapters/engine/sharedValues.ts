/**
 * SharedValues makes rows that repeat a value hold one copy of it. Each row parsed from a frame
 * has its own copy of every string, yet thousands of pods name the same node, the same owner
 * and the same containers, and were created in the same second: at 10,000 pods those copies were
 * about half of what a row cost (docs/engine.md, "Store memory").
 *
 * Only fields whose values repeat across rows are shared, named below: a field unique to each
 * row (its uid, name, an event's message, a resource's cells) would only fill the table with a
 * second reference to every row's value (a new version of a row keeps its uid and name from the
 * version it replaces instead: `share`'s `previous`). Short strings are left as they are, as V8's JSON.parse
 * already keeps one copy of each. A shared object or array is frozen, so no reader can change
 * it under every row that holds it.
 */

/**
 * The fields whose values repeat across rows: strings many rows have the same value in (pods on
 * one node, created in one second), lists of names many rows hold equal copies of (the pods of
 * one ReplicaSet have the same containers), and the owner. A row has some of them, or none.
 */
interface Shareable {
  uid?: unknown;
  name?: unknown;
  namespace?: unknown;
  nodeName?: unknown;
  createdAt?: unknown;
  status?: unknown;
  phase?: unknown;
  ready?: unknown;
  kubeletVersion?: unknown;
  reason?: unknown;
  type?: unknown;
  kind?: unknown;
  containers?: unknown;
  roles?: unknown;
  owner?: unknown;
}

/** Strings this short are already shared by the parser (V8 internalizes them), so looking them up costs more than it saves. */
const shortString = 10;

/**
 * Distinct values kept before the table starts again. Rows keep what they share; only values
 * first seen afterwards get new copies. Bounds the table under churn that never repeats.
 */
export const sharedValuesLimit = 50_000;

interface Owner {
  readonly kind: unknown;
  readonly name: unknown;
  readonly uid: string;
}

export class SharedValues {
  private strings = new Map<string, string>();
  /** By the owner's uid: an object's kind and name never change under one uid, and are compared anyway. */
  private owners = new Map<string, Owner>();
  private lists = new Map<string, readonly string[]>();

  /**
   * The row with its repeated values replaced by the shared ones (the same object, written in
   * place). `previous`, the row this one replaces (the same uid's last version), is looked at
   * first: a pod changed in one field keeps its node, owner and containers, and taking the
   * previous row's copy when equal costs a comparison, where the table costs hashing the value
   * (and, for a list, joining it first). That was most of sharing's cost per change at 20,000
   * changes/s (docs/development.md, "Row 2: per-change cost").
   */
  share<R extends object>(row: R, previous?: R): R {
    // The named fields are looked up, rather than every field walked: a 50,000-row reset passes
    // here. Each is read by its own name: a loop reading `row[key]` over the names made every
    // read a lookup by key, about half of this function's 10-20 ms on 20,345 ConfigMaps.
    const fields = row as Shareable;
    const held = (previous ?? noRow) as Shareable;
    // A row's own uid and name repeat only in the versions of that row: no table for them, but
    // the new version keeps the replaced one's copy, and the parsed one is garbage at once rather
    // than kept by the cache and its ring until the next change (a young-generation survivor).
    if (typeof held.uid === 'string' && held.uid === fields.uid) fields.uid = held.uid;
    if (typeof held.name === 'string' && held.name === fields.name) fields.name = held.name;
    if (this.repeats(fields.namespace)) fields.namespace = held.namespace === fields.namespace ? held.namespace : this.string(fields.namespace);
    if (this.repeats(fields.nodeName)) fields.nodeName = held.nodeName === fields.nodeName ? held.nodeName : this.string(fields.nodeName);
    if (this.repeats(fields.createdAt)) fields.createdAt = held.createdAt === fields.createdAt ? held.createdAt : this.string(fields.createdAt);
    if (this.repeats(fields.status)) fields.status = held.status === fields.status ? held.status : this.string(fields.status);
    if (this.repeats(fields.phase)) fields.phase = held.phase === fields.phase ? held.phase : this.string(fields.phase);
    if (this.repeats(fields.ready)) fields.ready = held.ready === fields.ready ? held.ready : this.string(fields.ready);
    if (this.repeats(fields.kubeletVersion)) fields.kubeletVersion = held.kubeletVersion === fields.kubeletVersion ? held.kubeletVersion : this.string(fields.kubeletVersion);
    if (this.repeats(fields.reason)) fields.reason = held.reason === fields.reason ? held.reason : this.string(fields.reason);
    if (this.repeats(fields.type)) fields.type = held.type === fields.type ? held.type : this.string(fields.type);
    if (this.repeats(fields.kind)) fields.kind = held.kind === fields.kind ? held.kind : this.string(fields.kind);
    if (Array.isArray(fields.containers)) fields.containers = sameList(held.containers, fields.containers) ? held.containers : this.list(fields.containers);
    if (Array.isArray(fields.roles)) fields.roles = sameList(held.roles, fields.roles) ? held.roles : this.list(fields.roles);
    if (isOwner(fields.owner)) fields.owner = sameOwner(held.owner, fields.owner) ? held.owner : this.owner(fields.owner);
    return row;
  }

  /** A string worth sharing: shorter ones the parser already keeps one copy of. */
  private repeats(value: unknown): value is string {
    return typeof value === 'string' && value.length > shortString;
  }

  /** How many distinct values the table holds now. */
  get size(): number {
    return this.strings.size + this.owners.size + this.lists.size;
  }

  private string(value: string): string {
    const held = this.strings.get(value);
    if (held !== undefined) return held;
    this.makeRoom();
    this.strings.set(value, value);
    return value;
  }

  private owner(value: Owner): Owner {
    const held = this.owners.get(value.uid);
    if (held !== undefined && held.kind === value.kind && held.name === value.name) return held;
    this.makeRoom();
    this.owners.set(value.uid, Object.freeze(value));
    return value;
  }

  private list(value: readonly unknown[]): readonly unknown[] {
    if (!value.every((item) => typeof item === 'string')) return value;
    // Kubernetes names hold no control characters, so joined lists cannot meet.
    const key = value.join('\u0000');
    const held = this.lists.get(key);
    if (held !== undefined && held.length === value.length) return held;
    this.makeRoom();
    this.lists.set(key, Object.freeze(value as string[]));
    return value;
  }

  private makeRoom(): void {
    if (this.size < sharedValuesLimit) return;
    this.strings = new Map();
    this.owners = new Map();
    this.lists = new Map();
  }
}

/** An owner reference as rows carry it (`{kind, name, uid}`) and nothing more, so sharing it loses nothing. */
function isOwner(value: unknown): value is Owner {
  if (typeof value !== 'object' || value === null) return false;
  const { kind, name, uid } = value as Record<string, unknown>;
  // Counting the keys, not collecting the rest into an object: this runs for every row changed.
  return typeof uid === 'string' && typeof kind === 'string' && typeof name === 'string' && Object.keys(value).length === 3;
}

/** Nothing held: every field of it is undefined, so no value is taken from it. */
const noRow: Shareable = {};

/** A list the table gave out (frozen, all strings) with the same names in the same order as `value`. */
function sameList(held: unknown, value: readonly unknown[]): boolean {
  if (!Array.isArray(held) || held.length !== value.length || !Object.isFrozen(held)) return false;
  for (let i = 0; i < value.length; i++) if (held[i] !== value[i] || typeof value[i] !== 'string') return false;
  return true;
}

/** An owner the table gave out (frozen) naming the same object as `value`. */
function sameOwner(held: unknown, value: Owner): boolean {
  if (!isOwner(held) || !Object.isFrozen(held)) return false;
  return held.uid === value.uid && held.kind === value.kind && held.name === value.name;
}
