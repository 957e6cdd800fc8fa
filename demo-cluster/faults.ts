/**
 * Faults on demand: switches that make the demo cluster misbehave the way real clusters do, so
 * tests, benchmarks and demos can watch a client cope. Each fault may be scoped to one resource
 * (by plural, e.g. "pods", or by plural and group, e.g. "widgets.example.com"; unscoped means
 * every resource).
 *
 * Two of them act once, at the moment they are set, and stay listed until cleared so a caller
 * can see what it did: `drop-watches` closes every open watch, `expire` forgets the change history
 * (as etcd compaction does) so the next watch or continue from an older resourceVersion gets 410.
 * The others hold while they are on, except that a watch `blackhole-watches` has caught stays dead
 * after it is cleared, as a half-open connection never recovers.
 *
 * `lag-watches` sends every watch line `ms` late, in order (watch.ts, "lagging"): a server, or a
 * path to it, that keeps delivering but behind.
 *
 * `ignore-initial-events` makes the resource's watches those of a server that does not know
 * streaming lists (server.ts, `resource`): a streaming list gets a plain watch, whose current
 * objects never end with the initial-events-end bookmark.
 */
import { badRequest } from './status.js';

export const faultNames = ['drop-watches', 'stall-watches', 'lag-watches', 'blackhole-watches', 'ignore-initial-events', 'expire', 'fail-lists', 'forbid', 'slow', 'stop-metrics'] as const;
export type FaultName = (typeof faultNames)[number];

export interface FaultRequest {
  fault: FaultName;
  resource?: string;
  ms?: number;
}

export interface ActiveFault extends FaultRequest {
  /** When it was switched on, ISO 8601. */
  since: string;
}

/** Longest `slow` delay (and `lag-watches` lag) accepted: past a minute every client has timed out anyway. */
const maxSlowMs = 60_000;

export function isFaultName(name: unknown): name is FaultName {
  return typeof name === 'string' && (faultNames as readonly string[]).includes(name);
}

/** Checks a fault request from outside (JSON body, CLI), with a message that says what is wrong. */
export function parseFaultRequest(input: unknown): FaultRequest {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) throw badRequest('a fault must be a JSON object like {"fault":"fail-lists","resource":"pods"}');
  const { fault, resource, ms, ...rest } = input as Record<string, unknown>;
  const extra = Object.keys(rest);
  if (extra.length > 0) throw badRequest(`unknown fault field(s): ${extra.join(', ')}`);
  if (!isFaultName(fault)) throw badRequest(`unknown fault ${JSON.stringify(fault)}; known: ${faultNames.join(', ')}`);
  const request: FaultRequest = { fault };
  if (resource !== undefined) {
    if (typeof resource !== 'string' || !/^[a-z][a-z0-9.-]{0,62}$/.test(resource)) throw badRequest('resource must be a plural resource name such as "pods"');
    request.resource = resource;
  }
  // A lag of 0 would be no fault at all, yet would be listed as one.
  const minMs = fault === 'lag-watches' ? 1 : 0;
  if (ms !== undefined) {
    if (typeof ms !== 'number' || !Number.isInteger(ms) || ms < minMs || ms > maxSlowMs) throw badRequest(`ms must be a whole number from ${minMs} to ${maxSlowMs}`);
    request.ms = ms;
  }
  if (fault === 'slow' && request.ms === undefined) throw badRequest('the slow fault needs "ms", the delay in milliseconds');
  if (fault === 'lag-watches' && request.ms === undefined) throw badRequest(`the lag-watches fault needs "ms", the lag in milliseconds from 1 to ${maxSlowMs}`);
  return request;
}

/** The part of the cluster the one-shot faults act on. */
export interface FaultTargets {
  dropWatches(resource: string | undefined): void;
  expireHistory(resource: string | undefined): void;
}

export class Faults {
  private active: ActiveFault[] = [];
  private readonly listeners = new Set<() => void>();

  constructor(private readonly targets: FaultTargets) {}

  set(request: FaultRequest): void {
    const checked = parseFaultRequest(request);
    // One entry per fault and scope: setting it again replaces (e.g. a new `slow` delay).
    this.active = this.active.filter((f) => !(f.fault === checked.fault && f.resource === checked.resource));
    this.active.push({ ...checked, since: new Date().toISOString() });
    if (checked.fault === 'drop-watches') this.targets.dropWatches(checked.resource);
    if (checked.fault === 'expire') this.targets.expireHistory(checked.resource);
    this.changed();
  }

  clear(): void {
    this.active = [];
    this.changed();
  }

  list(): ActiveFault[] {
    return this.active.map((f) => ({ ...f }));
  }

  /**
   * The fault of that name that applies to a resource, if on: one set for its plural (every group
   * that has it), for its full key (`widgets.example.com`, that group alone) or for every resource.
   */
  find(fault: FaultName, plural: string, key: string = plural): ActiveFault | undefined {
    return this.active.find((f) => f.fault === fault && (f.resource === undefined || f.resource === plural || f.resource === key));
  }

  /** Called after every change, e.g. so stalled watches resume when `stall-watches` is cleared. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(): void {
    for (const listener of this.listeners) listener();
  }
}
