/**
 * Discovery documents, built from the Registry at each request so they follow CRDs as they come
 * and go: the classic ones (/api, /api/v1, /apis, /apis/G, /apis/G/V) and aggregated discovery
 * (apidiscovery.k8s.io v2 and v2beta1 APIGroupDiscoveryList on /api and /apis), which a client
 * asks for by Accept and which kubectl 1.26+ and client-go prefer when a server offers it.
 * Shapes follow k8s.io/api/apidiscovery/v2/types.go and the apiserver's aggregated handler
 * (staging/src/k8s.io/apiserver/pkg/endpoints/discovery/aggregated).
 */
import { createHash } from 'node:crypto';
import type { Registry } from './registry.js';
import type { ResourceInfo } from './resources.js';
import { subresources } from './resources.js';

export type DiscoveryFormat = 'v2' | 'v2beta1' | 'classic';

export const aggregatedMediaType = (version: 'v2' | 'v2beta1'): string => `application/json;g=apidiscovery.k8s.io;v=${version};as=APIGroupDiscoveryList`;

/**
 * Which document an Accept header asks for: the first acceptable entry in order of preference
 * (q, then as written), as the apiserver's negotiation picks. Anything but an aggregated entry
 * gets the classic document, as kube-apiserver does for plain JSON or no Accept at all.
 */
export function discoveryFormat(accept: string | undefined): DiscoveryFormat {
  const entries = String(accept ?? '')
    .split(',')
    .map((entry, order) => {
      const [type = '', ...rawParams] = entry.split(';').map((p) => p.trim());
      const params = new Map(rawParams.map((p) => [p.split('=')[0]?.trim() ?? '', p.split('=').slice(1).join('=').trim()] as [string, string]));
      const q = params.has('q') ? Number(params.get('q')) : 1;
      return { type: type.toLowerCase(), params, q: Number.isFinite(q) ? q : 0, order };
    })
    .filter((e) => e.q > 0)
    .sort((a, b) => b.q - a.q || a.order - b.order);
  for (const e of entries) {
    if (e.type === 'application/json' && e.params.get('g') === 'apidiscovery.k8s.io' && e.params.get('as') === 'APIGroupDiscoveryList') {
      const v = e.params.get('v');
      if (v === 'v2' || v === 'v2beta1') return v;
      continue;
    }
    if (e.type === 'application/json' || e.type === '*/*' || e.type === 'application/*') return 'classic';
  }
  return 'classic';
}

/**
 * Orders versions as Kubernetes does (CompareKubeAwareVersionStrings): GA before beta before
 * alpha, higher numbers first; names that are not Kubernetes versions last, alphabetically.
 */
export function compareKubeVersions(a: string, b: string): number {
  const rank = (v: string): [number, number, number] | undefined => {
    const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v);
    if (!m) return undefined;
    return [m[2] === undefined ? 2 : m[2] === 'beta' ? 1 : 0, Number(m[1]), Number(m[3] ?? 0)];
  };
  const ra = rank(a);
  const rb = rank(b);
  if (!ra || !rb) return ra ? -1 : rb ? 1 : a < b ? -1 : a > b ? 1 : 0;
  if (ra[0] !== rb[0]) return rb[0] - ra[0];
  if (ra[1] !== rb[1]) return rb[1] - ra[1];
  return rb[2] - ra[2];
}

interface GroupVersions {
  name: string;
  /** Preferred first. */
  versions: string[];
}

/** Every non-core group with its versions, built-in groups first in catalogue order, then custom groups by name. */
function groups(registry: Registry): GroupVersions[] {
  const byName = new Map<string, Set<string>>();
  const custom = new Set<string>();
  for (const r of registry.all()) {
    if (!r.group) continue;
    if (!byName.has(r.group)) byName.set(r.group, new Set());
    byName.get(r.group)?.add(r.version);
    if (r.custom) custom.add(r.group);
  }
  const all = [...byName].map(([name, versions]) => ({ name, versions: [...versions].sort(compareKubeVersions) }));
  const builtIn = all.filter((g) => !custom.has(g.name));
  const crdGroups = all.filter((g) => custom.has(g.name)).sort((a, b) => (a.name < b.name ? -1 : 1));
  return [...builtIn, ...crdGroups];
}

export function apiVersions(serverAddress: string): object {
  return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }] };
}

function apiGroup(g: GroupVersions): object {
  const versions = g.versions.map((version) => ({ groupVersion: `${g.name}/${version}`, version }));
  return { kind: 'APIGroup', apiVersion: 'v1', name: g.name, versions, preferredVersion: versions[0] };
}

export function apiGroupList(registry: Registry): object {
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: groups(registry).map(apiGroup) };
}

export function apiGroupDocument(registry: Registry, group: string): object | undefined {
  const g = groups(registry).find((x) => x.name === group);
  return g ? apiGroup(g) : undefined;
}

function subresourcesOf(r: ResourceInfo): typeof subresources {
  if (r.custom) return r.custom.statusSubresource ? [{ parent: r.plural, parentGroup: r.group, name: 'status', group: r.group, version: r.version, kind: r.kind, verbs: ['get', 'patch', 'update'] }] : [];
  return r.computed ? [] : subresources.filter((s) => s.parent === r.plural && s.parentGroup === r.group);
}

/** APIResourceList for one group version, or undefined when it is not served. */
export function apiResourceList(registry: Registry, group: string, version: string): object | undefined {
  const list = registry.all().filter((r) => r.group === group && r.version === version);
  if (list.length === 0) return undefined;
  const entries: object[] = [];
  for (const r of list) {
    entries.push({
      name: r.plural,
      singularName: r.singular,
      namespaced: r.namespaced,
      kind: r.kind,
      verbs: r.verbs,
      ...(r.shortNames ? { shortNames: r.shortNames } : {}),
      ...(r.categories ? { categories: r.categories } : {}),
    });
    for (const s of subresourcesOf(r)) {
      entries.push({
        name: `${r.plural}/${s.name}`,
        singularName: '',
        namespaced: r.namespaced,
        ...(s.group !== r.group ? { group: s.group } : {}),
        ...(s.version !== r.version || s.group !== r.group ? { version: s.version } : {}),
        kind: s.kind,
        verbs: s.verbs,
      });
    }
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: group ? `${group}/${version}` : version, resources: entries };
}

function resourceDiscovery(r: ResourceInfo): object {
  const subs = subresourcesOf(r);
  return {
    resource: r.plural,
    responseKind: { group: r.group, version: r.version, kind: r.kind },
    scope: r.namespaced ? 'Namespaced' : 'Cluster',
    singularResource: r.singular,
    verbs: r.verbs,
    ...(r.shortNames ? { shortNames: r.shortNames } : {}),
    ...(r.categories ? { categories: r.categories } : {}),
    ...(subs.length > 0 ? { subresources: subs.map((s) => ({ subresource: s.name, responseKind: { group: s.group, version: s.version, kind: s.kind }, verbs: s.verbs })) } : {}),
  };
}

function groupDiscovery(registry: Registry, name: string, versions: string[]): object {
  return {
    metadata: { ...(name ? { name } : {}), creationTimestamp: null },
    versions: versions.map((version) => ({
      version,
      resources: registry
        .all()
        .filter((r) => r.group === name && r.version === version)
        .map(resourceDiscovery),
      freshness: 'Current',
    })),
  };
}

/** The APIGroupDiscoveryList for /api (the core group alone) or /apis (every other group). */
export function aggregatedDiscovery(registry: Registry, root: 'api' | 'apis', version: 'v2' | 'v2beta1'): object {
  const items = root === 'api' ? [groupDiscovery(registry, '', ['v1'])] : groups(registry).map((g) => groupDiscovery(registry, g.name, g.versions));
  return { kind: 'APIGroupDiscoveryList', apiVersion: `apidiscovery.k8s.io/${version}`, metadata: {}, items };
}

/** The ETag kube-apiserver puts on an aggregated document: a hash of its JSON, quoted. */
export function etagOf(text: string): string {
  return `"${createHash('sha512').update(text).digest('hex').toUpperCase()}"`;
}
