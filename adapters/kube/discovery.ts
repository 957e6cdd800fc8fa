/**
 * Discovery: which resources the cluster serves, as `kubectl api-resources` lists them. One
 * entry per group and resource, at the group's preferred version (or the most preferred version
 * that has it), without subresources.
 *
 * Aggregated discovery (apidiscovery.k8s.io/v2, v2beta1 before Kubernetes 1.30) answers `/api`
 * and `/apis` with every group, version and resource in two requests: an `APIGroupDiscoveryList`
 * whose groups list their versions in order of preference. A server that does not offer it
 * answers the classic documents to the same request (`APIVersions` for `/api`, `APIGroupList`
 * for `/apis`, each group naming its `preferredVersion`), and we then read one `APIResourceList`
 * per group version, as kubectl does.
 *
 * `Discovery` keeps the last answer and asks again when told to (a CRD came or went), on a slow
 * period (aggregated APIs come and go without CRDs), and when a client names a resource it does
 * not know, at most once per `minRefreshMs` then.
 */
import { createHash } from 'node:crypto';
import { parseResourceDomain, resourceDomain, type ResourceDomain } from '../../machines/domains.js';
import type { ApiResourceRow } from '../rows.js';
import type { KubeClient } from './client.js';

export const aggregatedDiscoveryAccept =
  'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json';

/** One resource the cluster serves: its `api-resources` row without the fields derived from it. */
export type DiscoveredResource = Omit<ApiResourceRow, 'uid' | 'resourceVersion' | 'name' | 'domain' | 'custom'>;

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const str = (value: unknown): string => (typeof value === 'string' ? value : '');
const strings = (value: unknown): string[] => (Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : []);

/** Whether an answer to `/api` or `/apis` is aggregated discovery (else it is the classic shape). */
export function isAggregated(body: unknown): boolean {
  return isRecord(body) && body.kind === 'APIGroupDiscoveryList' && Array.isArray(body.items);
}

/**
 * Reads an `APIGroupDiscoveryList`. Versions come in order of preference; a resource is taken
 * from the first version that has it. The core group's name is '' (`/api`).
 */
export function parseAggregated(body: unknown): DiscoveredResource[] {
  if (!isAggregated(body)) return [];
  const found: DiscoveredResource[] = [];
  for (const group of (body as { items: unknown[] }).items) {
    if (!isRecord(group)) continue;
    const groupName = isRecord(group.metadata) ? str(group.metadata.name) : '';
    const versions = Array.isArray(group.versions) ? group.versions.filter(isRecord) : [];
    const seen = new Set<string>();
    versions.forEach((version, index) => {
      const versionName = str(version.version);
      // A version whose discovery is stale (an aggregated API that did not answer) may list
      // resources that are no longer served; it is still the best knowledge there is.
      for (const resource of Array.isArray(version.resources) ? version.resources.filter(isRecord) : []) {
        const plural = str(resource.resource);
        if (plural === '' || plural.includes('/') || seen.has(plural)) continue;
        seen.add(plural);
        const responseKind = isRecord(resource.responseKind) ? resource.responseKind : {};
        found.push({
          group: groupName,
          version: versionName,
          resource: plural,
          kind: str(responseKind.kind),
          singular: str(resource.singularResource),
          namespaced: resource.scope === 'Namespaced',
          verbs: strings(resource.verbs),
          shortNames: strings(resource.shortNames),
          categories: strings(resource.categories),
          preferred: index === 0,
        });
      }
    });
  }
  return found;
}

/** Reads a classic `APIResourceList` of one group version, skipping subresources (`pods/log`). */
export function parseResourceList(body: unknown, group: string, version: string, preferred: boolean): DiscoveredResource[] {
  if (!isRecord(body) || !Array.isArray(body.resources)) return [];
  const found: DiscoveredResource[] = [];
  for (const resource of body.resources.filter(isRecord)) {
    const plural = str(resource.name);
    if (plural === '' || plural.includes('/')) continue;
    found.push({
      group,
      version,
      resource: plural,
      kind: str(resource.kind),
      singular: str(resource.singularName),
      namespaced: resource.namespaced === true,
      verbs: strings(resource.verbs),
      shortNames: strings(resource.shortNames),
      categories: strings(resource.categories),
      preferred,
    });
  }
  return found;
}

/** The group versions of a classic `APIGroupList`, each group's preferred version first. */
export function classicGroupVersions(body: unknown): { group: string; version: string; preferred: boolean }[] {
  if (!isRecord(body) || !Array.isArray(body.groups)) return [];
  const out: { group: string; version: string; preferred: boolean }[] = [];
  for (const group of body.groups.filter(isRecord)) {
    const name = str(group.name);
    const versions = Array.isArray(group.versions) ? group.versions.filter(isRecord).map((v) => str(v.version)).filter((v) => v !== '') : [];
    const preferred = isRecord(group.preferredVersion) ? str(group.preferredVersion.version) : (versions[0] ?? '');
    if (name === '' || preferred === '') continue;
    out.push({ group: name, version: preferred, preferred: true });
    for (const version of versions) if (version !== preferred) out.push({ group: name, version, preferred: false });
  }
  return out;
}

/** Keeps the first entry of each group + resource (the lists come in order of preference). */
function onePerResource(entries: readonly DiscoveredResource[]): DiscoveredResource[] {
  const seen = new Set<string>();
  return entries.filter((e) => {
    const key = `${e.group}/${e.resource}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Group versions of a classic server read at once: enough to be quick, few enough to be polite. */
const classicConcurrency = 4;

export interface DiscoveryResult {
  readonly resources: DiscoveredResource[];
  readonly mode: 'aggregated' | 'classic';
  /** Group versions that could not be read (an aggregated API that is down): their resources are missing. */
  readonly failed: readonly string[];
}

/** Asks the cluster what it serves, aggregated where it can, classic where it must. */
export async function discover(client: KubeClient, signal?: AbortSignal): Promise<DiscoveryResult> {
  const options = { accept: aggregatedDiscoveryAccept, maxBytes: 32 * 1024 * 1024, ...(signal ? { signal } : {}) };
  const [core, groups] = await Promise.all([client.requestJson<unknown>('GET', '/api', options), client.requestJson<unknown>('GET', '/apis', options)]);
  if (isAggregated(core) && isAggregated(groups)) {
    return { resources: onePerResource([...parseAggregated(core), ...parseAggregated(groups)]), mode: 'aggregated', failed: [] };
  }
  const coreVersions = isRecord(core) && Array.isArray(core.versions) ? strings(core.versions) : ['v1'];
  const wanted = [
    ...coreVersions.map((version, i) => ({ group: '', version, preferred: i === 0 })),
    ...classicGroupVersions(groups),
  ];
  const lists: DiscoveredResource[][] = new Array(wanted.length);
  const failed: string[] = [];
  let next = 0;
  const worker = async () => {
    while (next < wanted.length) {
      const index = next++;
      const { group, version, preferred } = wanted[index]!;
      const path = group === '' ? `/api/${version}` : `/apis/${group}/${version}`;
      try {
        const body = await client.requestJson<unknown>('GET', path, { maxBytes: 8 * 1024 * 1024, ...(signal ? { signal } : {}) });
        lists[index] = parseResourceList(body, group, version, preferred);
      } catch {
        lists[index] = [];
        failed.push(group === '' ? version : `${group}/${version}`);
      }
    }
  };
  await Promise.all(Array.from({ length: classicConcurrency }, worker));
  return { resources: onePerResource(lists.flat()), mode: 'classic', failed };
}

/** The row of one discovered resource; its resourceVersion is a hash of the entry, so it changes with any field. */
export function apiResourceRow(entry: DiscoveredResource, custom: boolean): ApiResourceRow {
  const domain = resourceDomain(entry);
  const fields = {
    domain,
    group: entry.group,
    version: entry.version,
    resource: entry.resource,
    kind: entry.kind,
    singular: entry.singular,
    namespaced: entry.namespaced,
    verbs: [...entry.verbs],
    shortNames: [...entry.shortNames],
    categories: [...entry.categories],
    custom,
    preferred: entry.preferred,
  };
  const resourceVersion = createHash('sha256').update(JSON.stringify(fields)).digest('hex').slice(0, 16);
  return { uid: domain, resourceVersion, name: entry.group === '' ? entry.resource : `${entry.resource}.${entry.group}`, ...fields };
}

/** The collection path of a discovered resource: across all namespaces, or in one (namespaced kinds only). */
export function discoveredPath(entry: Pick<DiscoveredResource, 'group' | 'version' | 'resource'>, namespace = ''): string {
  const prefix = entry.group === '' ? `/api/${entry.version}` : `/apis/${entry.group}/${entry.version}`;
  return namespace === '' ? `${prefix}/${entry.resource}` : `${prefix}/namespaces/${encodeURIComponent(namespace)}/${entry.resource}`;
}

/** Whether a discovered resource can back a streamed domain: it can be listed and watched. */
export function isListWatchable(entry: DiscoveredResource): boolean {
  return entry.verbs.includes('list') && entry.verbs.includes('watch');
}

export interface DiscoveryOptions {
  readonly client: KubeClient;
  /** Asked again this often regardless (aggregated APIs appear without a CRD). */
  readonly periodMs: number;
  /** A client naming an unknown resource asks again at most this often. */
  readonly minRefreshMs: number;
  /** Runs once, at the first use, after the first discovery (e.g. to start following CRDs). */
  readonly onStart?: () => void;
}

/** The last discovery, kept fresh, with listeners for when it changes. */
export class Discovery {
  private byDomain = new Map<string, DiscoveredResource>();
  private customNames = new Set<string>();
  private lastResult: DiscoveryResult | null = null;
  private inFlight: Promise<void> | null = null;
  private again = false;
  private lastRefreshAt = 0;
  private timer: NodeJS.Timeout | null = null;
  private readonly listeners = new Set<() => void>();
  /** Refreshes, the last error (null once one works), and when the last one finished. */
  refreshes = 0;
  lastError: string | null = null;
  refreshedAt: number | null = null;

  constructor(private readonly options: DiscoveryOptions) {}

  /**
   * Asks once ahead of the first use (a cluster's runtime just made), starting neither the
   * periodic refresh nor `onStart`: the first use then finds the answer, or shares the request.
   */
  prefetch(): Promise<void> {
    if (this.timer || this.lastResult) return Promise.resolve();
    return this.refresh();
  }

  /** Resolves once a first discovery has been tried. Starts the periodic refresh. */
  ready(): Promise<void> {
    if (!this.timer) {
      this.timer = setInterval(() => void this.refresh(), this.options.periodMs);
      this.timer.unref();
      // A prefetch in flight, or answered within a period (the periodic refresh would not have
      // asked again yet), is the first discovery.
      const fresh = this.lastResult !== null && Date.now() - this.lastRefreshAt < this.options.periodMs;
      const first = this.inFlight ?? (fresh ? Promise.resolve() : this.refresh());
      return first.then(() => this.options.onStart?.());
    }
    return this.lastResult ? Promise.resolve() : this.refreshIfStale();
  }

  /**
   * Asks the cluster again. Calls during a refresh share it, and one more runs after it (the
   * change that prompted the call may have come after the running one read its answer).
   */
  refresh(): Promise<void> {
    if (this.inFlight) {
      this.again = true;
      return this.inFlight;
    }
    this.inFlight = (async () => {
      try {
        do {
          this.again = false;
          this.lastRefreshAt = Date.now();
          try {
            const result = await discover(this.options.client);
            this.refreshes++;
            this.lastError = null;
            this.refreshedAt = Date.now();
            this.apply(result);
          } catch (error) {
            this.lastError = error instanceof Error ? error.message : String(error);
          }
        } while (this.again);
      } finally {
        this.inFlight = null;
      }
    })();
    return this.inFlight;
  }

  /** A client named a resource we do not know: ask again, unless we asked very recently. */
  async refreshIfStale(): Promise<void> {
    if (this.inFlight) return this.inFlight;
    if (Date.now() - this.lastRefreshAt < this.options.minRefreshMs) return;
    return this.refresh();
  }

  /** The CRDs that exist, as `plural.group` (their names): their resources are custom. */
  setCustomResources(names: Iterable<string>): void {
    const next = new Set(names);
    if (next.size === this.customNames.size && [...next].every((n) => this.customNames.has(n))) return;
    this.customNames = next;
    this.emit();
  }

  /** The resource a domain names, when the cluster serves it (at the version named). */
  resolve(domain: string): DiscoveredResource | null {
    return this.byDomain.get(domain) ?? null;
  }

  /** The entry for a group and resource at any version (a domain naming another version of a served resource). */
  resolveAnyVersion(domain: string): DiscoveredResource | null {
    const gvr = parseResourceDomain(domain);
    if (!gvr) return null;
    for (const entry of this.byDomain.values()) if (entry.group === gvr.group && entry.resource === gvr.resource) return entry;
    return null;
  }

  get resources(): readonly DiscoveredResource[] {
    return [...this.byDomain.values()];
  }

  get mode(): DiscoveryResult['mode'] | null {
    return this.lastResult?.mode ?? null;
  }

  get failedGroups(): readonly string[] {
    return this.lastResult?.failed ?? [];
  }

  rows(): ApiResourceRow[] {
    return this.resources.map((entry) => apiResourceRow(entry, this.isCustom(entry)));
  }

  isCustom(entry: DiscoveredResource): boolean {
    return this.customNames.has(`${entry.resource}.${entry.group}`);
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  dispose(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.listeners.clear();
  }

  private apply(result: DiscoveryResult): void {
    const next = new Map<string, DiscoveredResource>();
    for (const entry of result.resources) next.set(resourceDomain(entry) as ResourceDomain, entry);
    const before = JSON.stringify([...this.byDomain.entries()]);
    this.byDomain = next;
    this.lastResult = result;
    if (JSON.stringify([...next.entries()]) !== before) this.emit();
  }

  private emit(): void {
    for (const listener of this.listeners) {
      try {
        listener();
      } catch (error) {
        console.error(`kubelive discovery: a listener failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }
}
