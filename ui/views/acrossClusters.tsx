/**
 * What every view across clusters shares: one feed per cluster, rendered under that cluster's
 * ClusterScope, holds the domain's subscription on the cluster's own engine and hands its rows
 * and status up; `useAcrossClusters` merges the rows (tagged with their cluster, keyed by cluster
 * and uid) and gives each cluster its own freshness badge and its own problems, so one stale
 * cluster never paints the others. A cluster whose rows are still arriving says so under its
 * name, and the merged count is said as what has arrived (lib/loading.ts) until every one is whole.
 */
import { useCallback, useEffect, useMemo, useState, type ReactNode } from 'react';
import type { ColumnDefinition, Row } from '../../adapters/rows.js';
import type { DiagnosticsRow } from '../../machines/diagnostics.js';
import type { Domain } from '../../machines/domains.js';
import { FreshnessBadge, Loading, Problems } from '../components/StatusBar.js';
import { ClusterScope } from '../hooks/clusters.js';
import { useDomain } from '../hooks/useDomain.js';
import { useColumns, useLoading, useOrderedRows } from '../hooks/useStore.js';
import { combineLoading, type RowsLoading } from '../lib/loading.js';
import { LoadingNoteOf } from '../components/LoadingNote.js';
import { createClusterMerger, type ClusterRow } from '../lib/clusters.js';
import { isLoading } from '../lib/freshness.js';
import { describeProblem } from '../lib/operatorWords.js';

interface FeedProps<R extends Row> {
  readonly cluster: string;
  readonly domain: Domain;
  readonly scope: string;
  readonly order: (a: R, b: R) => number;
  readonly label: string;
  readonly onRows: (cluster: string, rows: readonly R[]) => void;
  readonly onStatus: (cluster: string, status: DiagnosticsRow | undefined) => void;
  readonly onColumns: (cluster: string, columns: readonly ColumnDefinition[] | null) => void;
  readonly onLoading: (cluster: string, loading: RowsLoading | null) => void;
}

function ClusterFeed<R extends Row>({ cluster, domain, scope, order, label, onRows, onStatus, onColumns, onLoading }: FeedProps<R>) {
  const held = useDomain(domain, scope);
  const list = useOrderedRows<R>(held.key, order);
  // The generic view's columns are each API server's own: clusters of different versions may print different ones.
  const columns = useColumns(held.key);
  const loading = useLoading(held.key);
  useEffect(() => onLoading(cluster, loading), [onLoading, cluster, loading]);
  useEffect(() => onColumns(cluster, columns), [onColumns, cluster, columns]);
  // Handed up after render: a parent's state may not change while a child renders.
  // Its own copy: the list's array is written in place, and the merge keeps each cluster's rows by identity.
  useEffect(() => onRows(cluster, list.rows.slice()), [onRows, cluster, list]);
  useEffect(() => onStatus(cluster, held.status), [onStatus, cluster, held.status]);
  return <FreshnessBadge label={`${label} · ${cluster}`} status={held.status} />;
}

export interface AcrossClusters<R> {
  /** Every cluster's rows, in `order` and then by cluster. */
  readonly rows: readonly ClusterRow<R>[];
  readonly statuses: Readonly<Record<string, DiagnosticsRow | undefined>>;
  /** Each cluster's Table columns (the generic view's), null until its server has printed them. */
  readonly columns: Readonly<Record<string, readonly ColumnDefinition[] | null>>;
  /** The feeds, one badge each: render them where the badges go (they hold the subscriptions). */
  readonly badges: ReactNode;
  /** Each cluster's problems under its name. */
  readonly problems: ReactNode;
  /** No cluster has delivered anything yet. */
  readonly loading: boolean;
  /** Rows still arriving in some cluster, summed over every cluster; null when every one is whole. */
  readonly arriving: RowsLoading | null;
}

/** `order` must be stable (module-level): each cluster's rows are kept in it without re-sorting. */
export function useAcrossClusters<R extends Row>(clusters: readonly string[], domain: Domain, scope: string, order: (a: R, b: R) => number, label: string): AcrossClusters<R> {
  const [parts, setParts] = useState<Readonly<Record<string, readonly R[]>>>({});
  const [statuses, setStatuses] = useState<Readonly<Record<string, DiagnosticsRow | undefined>>>({});
  const onRows = useCallback((cluster: string, rows: readonly R[]) => setParts((p) => (p[cluster] === rows ? p : { ...p, [cluster]: rows })), []);
  const [columns, setColumns] = useState<Readonly<Record<string, readonly ColumnDefinition[] | null>>>({});
  const onColumns = useCallback((cluster: string, defs: readonly ColumnDefinition[] | null) => setColumns((c) => (c[cluster] === defs ? c : { ...c, [cluster]: defs })), []);
  const [arrivals, setArrivals] = useState<Readonly<Record<string, RowsLoading | null>>>({});
  const onLoading = useCallback((cluster: string, loading: RowsLoading | null) => setArrivals((a) => (a[cluster] === loading ? a : { ...a, [cluster]: loading })), []);
  const onStatus = useCallback((cluster: string, status: DiagnosticsRow | undefined) => setStatuses((s) => (s[cluster] === status ? s : { ...s, [cluster]: status })), []);
  const merge = useMemo(() => createClusterMerger<R>(order), [order]);
  const rows = useMemo(() => merge(clusters.map((cluster) => ({ cluster, rows: parts[cluster] ?? [] }))), [merge, clusters, parts]);
  const badges = clusters.map((cluster) => (
    <ClusterScope key={cluster} cluster={cluster}>
      <ClusterFeed<R> cluster={cluster} domain={domain} scope={scope} order={order} label={label} onRows={onRows} onStatus={onStatus} onColumns={onColumns} onLoading={onLoading} />
    </ClusterScope>
  ));
  const problems = clusters.map((cluster) => <ClusterProblems key={cluster} cluster={cluster} status={statuses[cluster]} arriving={arrivals[cluster] ?? null} label={label} />);
  const loading = clusters.every((c) => isLoading(statuses[c], parts[c]?.length ?? 0));
  const arriving = combineLoading(
    clusters.map((c) => arrivals[c] ?? null),
    clusters.reduce((sum, c) => sum + (arrivals[c] ? 0 : (parts[c]?.length ?? 0)), 0),
  );
  return { rows, statuses, columns, badges, problems, loading, arriving };
}

/** One cluster's problems under its name: the same words ("disconnected") for two clusters are two problems. */
function ClusterProblems({ cluster, status, arriving, label }: { cluster: string; status: DiagnosticsRow | undefined; arriving: RowsLoading | null; label: string }) {
  const problem = status ? describeProblem(status) : null;
  if (!problem && !arriving) return null;
  return (
    <div className="cluster-problems" data-testid={`cluster-problems-${cluster}`}>
      <span className="mono strong">{cluster}</span>
      {arriving ? <LoadingNoteOf loading={arriving} what={`${label} in ${cluster}`} narrowed={false} testId={`loading-${cluster}`} /> : null}
      {problem && status ? <Problems statuses={[status]} sayLoading={false} /> : null}
    </div>
  );
}

/** Each cluster's freshness badge, in the view's toolbar. */
export function ClusterBadges({ across }: { across: AcrossClusters<unknown> }) {
  return (
    <div className="badges" data-testid="cluster-badges">
      {across.badges}
    </div>
  );
}

/** Below the toolbar: each cluster's problems, then the list (or what it waits for) and the open object's panel. */
export function AcrossClustersBody({ across, clusters, what, list, panel }: { across: AcrossClusters<unknown>; clusters: readonly string[]; what: string; list: ReactNode; panel?: ReactNode }) {
  return (
    <>
      {across.problems}
      <div className="split">
        {across.loading ? <Loading what={`${what} in ${clusters.join(', ')}`} status={across.statuses[clusters[0] ?? '']} count={across.rows.length} /> : list}
        {panel}
      </div>
    </>
  );
}

/** In an open object's panel: the cluster it was read from (and is acted on in). */
export function PanelCluster({ cluster }: { cluster: string }) {
  return (
    <span className="muted small" data-testid="panel-cluster">
      on {cluster}
    </span>
  );
}
