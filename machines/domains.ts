/**
 * Domains are the kinds of data a view subscribes to. Each one says how it is scoped and how
 * the client retrieves it; the machines and diagnostics read this table instead of branching
 * on domain names.
 */
export const domainNames = [
  'nodes',
  'pods',
  'workloads',
  'namespaces',
  'events',
  'node-metrics',
  'pod-metrics',
  'pod-logs',
] as const;

export type Domain = (typeof domainNames)[number];

/** `cluster`: no scope. `namespace`: a namespace name or '' for all. `pod`: ns/pod[/container], required. */
export type ScopeKind = 'cluster' | 'namespace' | 'pod';

/** `stream`: snapshot then streaming. `metrics`: metrics-only polling. `snapshot`: snapshot polling only. */
export type RetrievalKind = 'stream' | 'metrics' | 'snapshot';

export interface DomainSpec {
  readonly scope: ScopeKind;
  readonly retrieval: RetrievalKind;
}

export const domainSpecs: Readonly<Record<Domain, DomainSpec>> = {
  nodes: { scope: 'cluster', retrieval: 'stream' },
  pods: { scope: 'namespace', retrieval: 'stream' },
  workloads: { scope: 'namespace', retrieval: 'stream' },
  namespaces: { scope: 'cluster', retrieval: 'stream' },
  events: { scope: 'namespace', retrieval: 'stream' },
  'node-metrics': { scope: 'cluster', retrieval: 'metrics' },
  'pod-metrics': { scope: 'namespace', retrieval: 'metrics' },
  'pod-logs': { scope: 'pod', retrieval: 'stream' },
};

export function isDomain(value: unknown): value is Domain {
  return typeof value === 'string' && (domainNames as readonly string[]).includes(value);
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
  const kind = domainSpecs[domain].scope;
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
  return domainSpecs[domain].scope === 'pod';
}

/** The key of one subscription: the orchestrator shares one actor per key. */
export function subscriptionKey(domain: Domain, scope: string): string {
  return `${domain}:${scope}`;
}
