/**
 * Problems in the words a cluster operator uses: what is wrong, what the dashboard is doing
 * about it, and what they can do. Derived from a diagnostics row and the connection state.
 */
import type { ConnectionDiagnostics, DiagnosticsRow } from '../../machines/diagnostics.js';
import { domainSpec, parseResourceDomain } from '../../machines/domains.js';
import { formatInterval } from './format.js';

export interface Problem {
  /** `error`: no trustworthy data; `warning`: data is kept fresh another way. */
  readonly severity: 'error' | 'warning';
  readonly text: string;
}

/**
 * What a subscription's scope covers, in words: a resource domain's scope is '' for a kind that
 * is cluster-wide as well as for all namespaces of a namespaced one, and only discovery knows
 * which, so '' reads "the whole cluster" there, true either way.
 */
export function scopeText(row: Pick<DiagnosticsRow, 'domain' | 'scope'>): string {
  if (row.domain === 'pod-logs') return row.scope === '' ? 'no pod' : `pod ${row.scope}`;
  if (row.scope !== '') return `namespace ${row.scope}`;
  if (parseResourceDomain(row.domain)) return 'the whole cluster';
  return domainSpec(row.domain).scope === 'cluster' ? 'the cluster' : 'all namespaces';
}

function where(row: DiagnosticsRow): string {
  return scopeText(row);
}

function what(row: DiagnosticsRow): string {
  const resource = parseResourceDomain(row.domain);
  // `core/v1/configmaps` reads "configmaps"; a custom resource keeps its group: "widgets.example.com".
  if (resource) return resource.group === '' ? resource.resource : `${resource.resource}.${resource.group}`;
  switch (row.domain) {
    case 'api-resources':
      return 'the list of kinds the cluster serves';
    case 'helm-releases':
      return 'Helm releases';
    case 'node-metrics':
      return 'node metrics';
    case 'pod-metrics':
      return 'pod metrics';
    case 'pod-logs':
      return 'logs';
    default:
      return row.domain;
  }
}

/** Null when the row is healthy, or starting normally. */
export function describeProblem(row: DiagnosticsRow): Problem | null {
  const polling = row.polling.enabled && row.polling.intervalMs !== null ? `every ${formatInterval(row.polling.intervalMs)}` : '';
  switch (row.reason) {
    case null:
    case 'starting':
      if (row.health === 'unhealthy' && row.lastError) {
        return { severity: 'error', text: `Cannot load ${what(row)} for ${where(row)}: ${row.lastError}. Retrying.` };
      }
      return null;
    case 'permissions':
      return {
        severity: 'error',
        text: `Forbidden: your Kubernetes account may not list ${what(row)} in ${where(row)}. Asking again ${polling}.`,
      };
    case 'no scope':
      return { severity: 'warning', text: row.domain === 'pod-logs' ? 'No pod selected: click a pod to see its logs.' : `No scope chosen for ${what(row)}.` };
    case 'disconnect':
      return {
        severity: 'warning',
        text: `Disconnected from the kubelive backend's live stream: ${what(row)} are polled ${polling} until it reconnects.`,
      };
    case 'stalled':
      return { severity: 'warning', text: `The live stream for ${what(row)} went quiet: polling ${polling} until it delivers again.` };
    case 'drift':
      return { severity: 'warning', text: `${capitalize(what(row))} disagreed with the backend: resyncing, polling ${polling} meanwhile.` };
    case 'no delivery':
      return { severity: 'warning', text: `The live stream for ${what(row)} has not delivered yet: polling ${polling}.` };
    case 'upstream': {
      const detail = row.upstream?.reason ? ` (${row.upstream.reason})` : '';
      return {
        severity: 'warning',
        text: `The backend's watch on the cluster for ${what(row)} is unhealthy${detail}: data is read fresh from the API server ${polling}.`,
      };
    }
    case 'upstream unproven':
      // No proof in time (the view's own timer, or a backend still proving): neither can say yet
      // whether the watch fell behind or went quiet, so the words claim neither.
      return {
        severity: 'warning',
        text: `No proof came from the backend, within the freshness bound, that its watch on the cluster for ${what(row)} is up to date. Polling resumed: ${what(row)} are read fresh from the API server ${polling} until the backend proves its watch again.`,
      };
    case 'upstream stalled':
      return {
        severity: 'warning',
        text: `The backend's watch on the cluster for ${what(row)} went quiet and has not proven itself within the freshness bound: data is read fresh from the API server ${polling} until it does.`,
      };
    case 'upstream behind':
      return {
        severity: 'warning',
        text: `The backend's watch on the cluster for ${what(row)} is still delivering but falling behind, so its data may be older than the freshness bound: ${what(row)} are read fresh from the API server ${polling} until it catches up.`,
      };
    case 'metrics unavailable':
      return {
        severity: 'warning',
        text: `Metrics unavailable: this cluster does not serve metrics.k8s.io (no metrics-server), so CPU and memory are not shown. Everything else is live. Asking again ${polling}.`,
      };
    case 'errors':
      return {
        severity: row.health === 'unhealthy' ? 'error' : 'warning',
        text: `Requests for ${what(row)} in ${where(row)} are failing${row.lastError ? `: ${row.lastError}` : ''}. Retrying.`,
      };
  }
}

/** The connection banner: null while the stream socket is open. */
export function describeConnection(connection: ConnectionDiagnostics | null): Problem | null {
  if (!connection || connection.open) return null;
  if (connection.connects === 0 && connection.disconnects === 0) return null; // still opening the first time
  const why = connection.lastCloseReason ? ` (${connection.lastCloseReason})` : '';
  return {
    severity: 'warning',
    text: `Disconnected from the kubelive backend${why}. Reconnecting; views are polled meanwhile.`,
  };
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
