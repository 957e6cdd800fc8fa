/**
 * Domains are the kinds of data a view subscribes to. Each one says how it is scoped and how
 * the client retrieves it; the machines and diagnostics read this table instead of branching
 * on domain names.
 *
 * Two families share one machine, protocol and diagnostics:
 * - the built-in domains below, with hand-made rows (pods, nodes, workloads...), and
 * - a resource domain for any other resource the cluster serves with list and watch, built-in
 *   or from a CustomResourceDefinition, named `group/version/resource` with the core group
 *   written `core`: `core/v1/configmaps`, `apps/v1/deployments`, `example.com/v1/widgets`.
 *   Its rows carry the columns the API server prints for it. Whether the cluster serves it is
 *   for the backend to say (discovery); here a name is only checked for its shape.
 */
export const builtinDomainNames = [
  'nodes',
  'pods',
  'workloads',
  'namespaces',
  'events',
  'node-metrics',
  'pod-metrics',
  'pod-logs',
  'helm-releases',
  'api-resources',
] as const;

export type BuiltinDomain = (typeof builtinDomainNames)[number];

/** `group/version/resource`, the core group written `core`. */
export type ResourceDomain = `${string}/${string}/${string}`;

export type Domain = BuiltinDomain | ResourceDomain;

/** The built-in domains: kept under their old name for the code that lists them (CLI help, settings). */
export const domainNames = builtinDomainNames;

/** `cluster`: no scope. `namespace`: a namespace name or '' for all. `pod`: ns/pod[/container], required. */
export type ScopeKind = 'cluster' | 'namespace' | 'pod';

/** `stream`: snapshot then streaming. `metrics`: metrics-only polling. `snapshot`: snapshot polling only. */
export type RetrievalKind = 'stream' | 'metrics' | 'snapshot';

export interface DomainSpec {
  readonly scope: ScopeKind;
  readonly retrieval: RetrievalKind;
}

export const domainSpecs: Readonly<Record<BuiltinDomain, DomainSpec>> = {
  nodes: { scope: 'cluster', retrieval: 'stream' },
  pods: { scope: 'namespace', retrieval: 'stream' },
  workloads: { scope: 'namespace', retrieval: 'stream' },
  namespaces: { scope: 'cluster', retrieval: 'stream' },
  events: { scope: 'namespace', retrieval: 'stream' },
  'node-metrics': { scope: 'cluster', retrieval: 'metrics' },
  'pod-metrics': { scope: 'namespace', retrieval: 'metrics' },
  'pod-logs': { scope: 'pod', retrieval: 'stream' },
  // Helm releases, read from the release Secrets Helm writes (one row per release revision).
  'helm-releases': { scope: 'namespace', retrieval: 'stream' },
  // The resources the cluster serves (discovery), polled: it changes when a CRD comes or goes.
  'api-resources': { scope: 'cluster', retrieval: 'snapshot' },
};

/**
 * A resource domain may be namespaced or cluster-wide; only discovery knows which. Its scope is
 * checked like a namespace's ('' or a namespace name) and the backend refuses a namespace for a
 * cluster-wide resource.
 */
const resourceDomainSpec: DomainSpec = { scope: 'namespace', retrieval: 'stream' };

export function isBuiltinDomain(value: unknown): value is BuiltinDomain {
  return typeof value === 'string' && (builtinDomainNames as readonly string[]).includes(value);
}

export interface GroupVersionResource {
  /** '' for the core group. */
  readonly group: string;
  readonly version: string;
  readonly resource: string;
}

const groupPattern = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const versionPattern = /^v[0-9]+((alpha|beta)[0-9]+)?$/;
const resourcePattern = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Reads `group/version/resource`; null when the text is not one (a built-in name, a typo, a path). */
export function parseResourceDomain(value: unknown): GroupVersionResource | null {
  if (typeof value !== 'string' || value.length > 253 + 1 + 20 + 1 + 63) return null;
  const parts = value.split('/');
  if (parts.length !== 3) return null;
  const [group, version, resource] = parts as [string, string, string];
  if (group.length > 253 || !groupPattern.test(group) || !versionPattern.test(version)) return null;
  if (resource.length > 63 || !resourcePattern.test(resource)) return null;
  return { group: group === 'core' ? '' : group, version, resource };
}

export function isResourceDomain(value: unknown): value is ResourceDomain {
  return parseResourceDomain(value) !== null;
}

/** The domain of a resource: `core/v1/configmaps` for the core group. */
export function resourceDomain(gvr: GroupVersionResource): ResourceDomain {
  return `${gvr.group === '' ? 'core' : gvr.group}/${gvr.version}/${gvr.resource}`;
}

/** How a domain is scoped and retrieved. */
export function domainSpec(domain: Domain): DomainSpec {
  return isBuiltinDomain(domain) ? domainSpecs[domain] : resourceDomainSpec;
}

export function isDomain(value: unknown): value is Domain {
  return isBuiltinDomain(value) || isResourceDomain(value);
}

const dnsLabel = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const dnsSubdomain = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

/**
 * Checks a scope string against its domain's scope kind and returns why it is wrong, or null.
 * Cluster domains take '' only; namespace domains take '' (all namespaces) or a namespace name;
 * `pod-logs` needs `namespace/pod` or `namespace/pod/container`.
 */
export function scopeProblem(domain: Domain, scope: string): string | null {
  if (typeof scope !== 'string') return 'scope must be a string';
  if (scope.length > 253 * 3) return 'scope is too long';
  const kind = domainSpec(domain).scope;
  if (kind === 'cluster') return scope === '' ? null : `${domain} is cluster-wide and takes no scope`;
  if (kind === 'namespace') {
    if (scope === '') return null;
    return dnsLabel.test(scope) && scope.length <= 63 ? null : `"${scope}" is not a namespace name`;
  }
  if (scope === '') return 'no scope';
  const parts = scope.split('/');
  if (parts.length < 2 || parts.length > 3) return `"${scope}" is not namespace/pod[/container]`;
  const [ns, pod, container] = parts as [string, string, string | undefined];
  if (!dnsLabel.test(ns) || ns.length > 63) return `"${ns}" is not a namespace name`;
  if (!dnsSubdomain.test(pod) || pod.length > 253) return `"${pod}" is not a pod name`;
  if (container !== undefined && (!dnsLabel.test(container) || container.length > 63)) {
    return `"${container}" is not a container name`;
  }
  return null;
}

/** A scoped domain needs a scope before it can be fetched at all (DESIGN: reason `no scope`). */
export function needsScope(domain: Domain): boolean {
  return domainSpec(domain).scope === 'pod';
}

/** The key of one subscription: the orchestrator shares one actor per key. */
export function subscriptionKey(domain: Domain, scope: string): string {
  return `${domain}:${scope}`;
}
