/**
 * resourceNames turns what a user types after `kubelive watch` into a domain, the way kubectl
 * resolves `kubectl get NAME` against discovery. Pure: discovery comes in as rows, nothing is fetched.
 *
 * The order kubectl follows (client-go's shortcut expander, then its priority REST mapper):
 * 1. `resource.version.group` (`deployments.v1.apps`) names one resource exactly.
 * 2. `resource[.group]`: a short name is expanded first (`deploy` → `deployments.apps`), unless
 *    some resource is literally called that (plural or singular). Short names compare
 *    case-sensitively, as in kubectl; when several groups give the same short name, the first
 *    in discovery order wins and the others are reported as warnings, as kubectl warns.
 * 3. Plural or singular, in any case, in the named group, or in any group whose name starts
 *    with it (`storageclasses.storage`), or in any group when none is named. Several matches are
 *    narrowed by priority: the core group's v1 first, then each group in discovery order (its
 *    preferred version, then its others), then each group in any version.
 * 4. Otherwise a kind: `Deployment`, `ConfigMap.v1.`, `Widget.example.com`.
 *
 * Where kubelive differs, on purpose: kind matches ignore case, and where kubectl would pick
 * nothing from two resources of one group-version that both answer to the name (it reports
 * "doesn't have a resource type"), kubelive says the name is ambiguous and lists both.
 *
 * kubelive's own domains come first: `workloads`, `helm-releases`, `api-resources`, `pod-logs`,
 * `node-metrics` and `pod-metrics` are no kubectl names, so they always mean the built-in domain.
 * A name that resolves to core/v1 pods, nodes, namespaces or events gets the built-in domain of
 * that name (its rows are richer than the Table cells); every other resource, `deploy` included,
 * gets its resource domain, whose rows are the columns `kubectl get` prints. The explicit domain
 * form `group/version/resource` (`core/v1/pods`) is taken as written.
 */
import type { ApiResourceRow } from '../adapters/rows.js';
import type { BuiltinDomain, Domain } from '../machines/domains.js';
import { parseResourceDomain, resourceDomain } from '../machines/domains.js';

/** What a resolver needs of a discovery row. */
export type DiscoveredResource = Pick<
  ApiResourceRow,
  'group' | 'version' | 'resource' | 'kind' | 'singular' | 'namespaced' | 'verbs' | 'shortNames' | 'preferred'
>;

export interface Resolved<R extends DiscoveredResource = DiscoveredResource> {
  readonly domain: Domain;
  /** The discovery entry behind it; null for kubelive's own domains, and when no discovery was given. */
  readonly resource: R | null;
  /** What a user should know about the choice (a short name several groups give, a shadowed custom resource). */
  readonly warnings: readonly string[];
}

/** A name that resolves to nothing, or to more than one resource. */
export class ResourceNameError extends Error {
  constructor(
    readonly reason: 'unknown' | 'ambiguous',
    readonly input: string,
    /** Near matches for an unknown name; the matching resources' domains for an ambiguous one. */
    readonly candidates: readonly string[],
    message: string,
  ) {
    super(message);
    this.name = 'ResourceNameError';
  }
}

/** kubelive's domains that are no kubectl resource: they always mean themselves. */
const ownDomains: readonly BuiltinDomain[] = ['workloads', 'helm-releases', 'api-resources', 'pod-logs', 'node-metrics', 'pod-metrics'];

/** Core resources that have a built-in domain with richer rows than the Table cells. */
const builtinForCore: Readonly<Record<string, BuiltinDomain>> = { pods: 'pods', nodes: 'nodes', namespaces: 'namespaces', events: 'events' };

/**
 * What the built-in domains answer to without discovery, as a v1 core group names them: plural
 * and singular in any case, short names exactly.
 */
const builtinNames: Readonly<Record<string, BuiltinDomain>> = {
  pods: 'pods',
  pod: 'pods',
  nodes: 'nodes',
  node: 'nodes',
  namespaces: 'namespaces',
  namespace: 'namespaces',
  events: 'events',
  event: 'events',
};
const builtinShortNames: Readonly<Record<string, BuiltinDomain>> = { po: 'pods', no: 'nodes', ns: 'namespaces', ev: 'events' };

/** The singular kubectl matches: discovery's, or the kind lower-cased when a server leaves it out. */
function singularOf(r: DiscoveredResource): string {
  return r.singular !== '' ? r.singular : r.kind.toLowerCase();
}

const sameResource = (a: DiscoveredResource, b: DiscoveredResource) => a.group === b.group && a.resource === b.resource;

/**
 * The priority kubectl narrows several matches with: core v1, then per group in discovery order
 * its preferred version and its other versions, then per group any version.
 */
function priorityPatterns(rows: readonly DiscoveredResource[]): Array<{ group: string; version: string | null }> {
  const groups: string[] = [];
  const versions = new Map<string, string[]>();
  const preferred = new Map<string, string>();
  for (const r of rows) {
    if (!versions.has(r.group)) {
      groups.push(r.group);
      versions.set(r.group, []);
    }
    const list = versions.get(r.group)!;
    if (!list.includes(r.version)) list.push(r.version);
    if (r.preferred && !preferred.has(r.group)) preferred.set(r.group, r.version);
  }
  const patterns: Array<{ group: string; version: string | null }> = [{ group: '', version: 'v1' }];
  for (const group of groups) {
    const first = preferred.get(group);
    if (first !== undefined) patterns.push({ group, version: first });
    for (const version of versions.get(group)!) if (version !== first) patterns.push({ group, version });
  }
  for (const group of groups) patterns.push({ group, version: null });
  return patterns;
}

/** Narrows matches the way the priority mapper does; null when they stay tied. */
function narrow<R extends DiscoveredResource>(matches: readonly R[], rows: readonly DiscoveredResource[]): R | null {
  if (matches.length === 1) return matches[0]!;
  let remaining = matches;
  for (const pattern of priorityPatterns(rows)) {
    const hits = remaining.filter((r) => r.group === pattern.group && (pattern.version === null || r.version === pattern.version));
    if (hits.length === 1) return hits[0]!;
    if (hits.length > 1) remaining = hits;
  }
  return null;
}

/** Ambiguous matches are named by their domain: the one form that names exactly one resource. */
function ambiguous(input: string, matches: readonly DiscoveredResource[]): ResourceNameError {
  const names = [...new Set(matches.map((r) => resourceDomain(r)))];
  return new ResourceNameError('ambiguous', input, names, `"${input}" is ambiguous: it names ${names.join(', ')}; use one of those names`);
}

/** Picks one of several matches, or says the name is ambiguous. */
function pick<R extends DiscoveredResource>(input: string, matches: readonly R[], rows: readonly DiscoveredResource[]): R {
  const chosen = narrow(matches, rows);
  if (!chosen) throw ambiguous(input, matches);
  return chosen;
}

/** Splits `a.b.c` into kubectl's two readings: a fully specified triple and a resource with a group. */
function readArg(arg: string): { full: { resource: string; version: string; group: string } | null; resource: string; group: string } {
  const dot = arg.indexOf('.');
  const resource = dot < 0 ? arg : arg.slice(0, dot);
  const group = dot < 0 ? '' : arg.slice(dot + 1);
  const parts = arg.split('.');
  const full = parts.length >= 3 ? { resource: parts[0]!, version: parts[1]!, group: parts.slice(2).join('.') } : null;
  return { full, resource, group };
}

/**
 * Expands a short name into `{ resource, group }`, as kubectl's shortcut expander does, with a
 * warning for every other resource the short name could also mean.
 */
function expandShortName(
  rows: readonly DiscoveredResource[],
  resource: string,
  group: string,
): { resource: string; group: string; warnings: string[] } {
  const inGroup = (r: DiscoveredResource) => group === '' || r.group === group;
  if (rows.some((r) => inGroup(r) && (r.resource === resource || r.singular === resource))) return { resource, group, warnings: [] };
  const hits = rows.filter((r) => inGroup(r) && r.shortNames.includes(resource));
  const first = hits[0];
  if (first) {
    const others = [...new Set(hits.filter((r) => !sameResource(r, first)).map((r) => (r.group ? `${r.resource}.${r.group}` : r.resource)))];
    const warnings = others.map((o) => `short name "${resource}" could also match lower priority resource ${o}`);
    return { resource: first.resource, group: first.group, warnings };
  }
  // `hpa.autoscal` expands like `hpa.autoscaling`: a group prefix, only when a group was given.
  if (group !== '') {
    const prefixed = rows.find((r) => r.group.startsWith(group) && r.shortNames.includes(resource));
    if (prefixed) return { resource: prefixed.resource, group: prefixed.group, warnings: [] };
  }
  return { resource, group, warnings: [] };
}

/**
 * Resources whose plural or singular is `name` (any case). With a version, in exactly `group`
 * ('' being the core group); without, in any group when `group` is '', else in `group`, else in
 * the groups whose name starts with it.
 */
function byResourceName<R extends DiscoveredResource>(rows: readonly R[], name: string, group: string, version = ''): R[] {
  const lower = name.toLowerCase();
  const named = (r: R) => r.resource === lower || singularOf(r) === lower;
  if (version !== '') return rows.filter((r) => named(r) && r.group === group && r.version === version);
  if (group === '') return rows.filter(named);
  const exact = rows.filter((r) => named(r) && r.group === group);
  if (exact.length > 0) return exact;
  return rows.filter((r) => named(r) && r.group.startsWith(group));
}

/** Resources whose kind is `kind` (any case) in exactly `group`, optionally at `version`. */
function byKind<R extends DiscoveredResource>(rows: readonly R[], kind: string, group: string, version = ''): R[] {
  const lower = kind.toLowerCase();
  return rows.filter((r) => r.kind.toLowerCase() === lower && r.group === group && (version === '' || r.version === version));
}

/** The discovery entry `name` means, kubectl's way; throws ResourceNameError. */
export function resolveResource<R extends DiscoveredResource>(name: string, discovered: readonly R[]): { resource: R; warnings: string[] } {
  const input = name.trim();
  if (input === '') throw new ResourceNameError('unknown', name, [], 'a resource name is empty');
  // Subresources (`pods/log`) are not resources one can list.
  const rows = discovered.filter((r) => !r.resource.includes('/'));
  const arg = readArg(input);

  if (arg.full) {
    const full = expandShortName(rows, arg.full.resource, arg.full.group);
    const exact = byResourceName(rows, full.resource, full.group, arg.full.version);
    if (exact.length > 0) return { resource: pick(input, exact, rows), warnings: full.warnings };
  }

  const expanded = expandShortName(rows, arg.resource, arg.group);
  const matches = byResourceName(rows, expanded.resource, expanded.group);
  if (matches.length > 0) return { resource: pick(input, matches, rows), warnings: expanded.warnings };

  // A kind: `Kind.version.group`, then `Kind.group` (no group: the core group, as in kubectl).
  if (arg.full) {
    const kinds = byKind(rows, arg.full.resource, arg.full.group, arg.full.version);
    if (kinds.length > 0) return { resource: pick(input, kinds, rows), warnings: [] };
  }
  const kinds = byKind(rows, arg.resource, arg.group);
  if (kinds.length > 0) return { resource: pick(input, kinds, rows), warnings: [] };

  throw unknown(input, rows);
}

/** How far apart two names are: insertions, deletions, substitutions and swaps of neighbours. */
function distance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}

/** At most this many near matches are offered: past it they stop helping. */
const maxSuggestions = 5;

/** Names close to `input`: a typo away (one edit per four letters, at least one), or sharing a prefix. */
export function nearMatches(input: string, names: readonly string[]): string[] {
  const typed = input.toLowerCase();
  const bound = Math.max(1, Math.floor(typed.length / 4));
  const scored: Array<{ name: string; score: number }> = [];
  for (const name of new Set(names)) {
    const d = distance(typed, name.toLowerCase());
    const prefix = typed.length >= 3 && (name.startsWith(typed) || typed.startsWith(name)) && name.length >= 3;
    if (d <= bound || prefix) scored.push({ name, score: Math.min(d, bound + 1) });
  }
  return scored
    .sort((a, b) => a.score - b.score || a.name.localeCompare(b.name))
    .slice(0, maxSuggestions)
    .map((s) => s.name);
}

function unknown(input: string, rows: readonly DiscoveredResource[]): ResourceNameError {
  const names = [
    ...ownDomains,
    ...rows.flatMap((r) => [r.resource, singularOf(r), ...r.shortNames, r.group ? `${r.resource}.${r.group}` : r.resource]),
  ];
  const near = nearMatches(input, names);
  const hint = near.length > 0 ? `; did you mean ${near.join(', ')}?` : " ('kubelive watch api-resources --once' lists every one)";
  return new ResourceNameError('unknown', input, near, `the server doesn't have a resource type "${input}"${hint}`);
}

/**
 * The domain `name` means. `discovered` is the cluster's discovery, in the order the server
 * lists it; null when the backend offers none, and then only kubelive's built-in names resolve.
 */
export function resolveDomain<R extends DiscoveredResource>(name: string, discovered: readonly R[] | null): Resolved<R> {
  const input = name.trim();
  const own = ownDomains.find((d) => d === input);
  if (own) {
    const shadowed = discovered ? byResourceName(discovered, own, '') : [];
    const warnings = shadowed.map((r) => `"${own}" is kubelive's built-in domain; for the ${r.kind} resource use ${r.resource}.${r.group || r.version}`);
    return { domain: own, resource: null, warnings };
  }

  const explicit = parseResourceDomain(input);
  if (explicit) {
    if (!discovered) return { domain: resourceDomain(explicit), resource: null, warnings: [] };
    const served = discovered.find((r) => r.group === explicit.group && r.version === explicit.version && r.resource === explicit.resource);
    if (!served) throw unknown(input, discovered);
    return { domain: resourceDomain(explicit), resource: served, warnings: [] };
  }

  if (!discovered) {
    const builtin = (Object.hasOwn(builtinShortNames, input) ? builtinShortNames[input] : undefined) ?? (Object.hasOwn(builtinNames, input.toLowerCase()) ? builtinNames[input.toLowerCase()] : undefined);
    if (builtin) return { domain: builtin, resource: null, warnings: [] };
    const near = nearMatches(input, [...Object.keys(builtinNames), ...Object.keys(builtinShortNames), ...ownDomains]);
    throw new ResourceNameError(
      'unknown',
      input,
      near,
      `"${input}" is not a built-in domain, and the backend serves no discovery to look it up in${near.length > 0 ? `; did you mean ${near.join(', ')}?` : ''}`,
    );
  }

  const { resource, warnings } = resolveResource(input, discovered);
  const builtin = resource.group === '' && resource.version === 'v1' && Object.hasOwn(builtinForCore, resource.resource) ? builtinForCore[resource.resource] : undefined;
  return { domain: builtin ?? resourceDomain(resource), resource, warnings };
}
