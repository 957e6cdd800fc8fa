/**
 * Nodes across several clusters in one list (`?clusters=a,b,c`), as `kubectl get nodes` prints
 * them with a Cluster column before: status, roles, version, age. Each cluster's nodes come from
 * its own engine and each cluster keeps its own badge (acrossClusters.tsx). Usage, the node panel
 * and the node actions stay in the one-cluster Nodes view.
 */
import { useDeferredValue, useMemo } from 'react';
import type { NodeRow } from '../../adapters/rows.js';
import { FilterBox } from '../components/NamespaceSelect.js';
import { Loading } from '../components/StatusBar.js';
import { VirtualTable, type Column } from '../components/VirtualTable.js';
import { useNow } from '../hooks/engine.js';
import type { ClusterRow } from '../lib/clusters.js';
import { ageKey, ageSince } from '../lib/format.js';
import { byName, nodeMatches, rolesText, statusText } from '../lib/nodes.js';
import { sortByKey } from '../lib/order.js';
import { rowCountText } from '../lib/loading.js';
import type { Navigate, Route } from '../lib/route.js';
import { useAcrossClusters } from './acrossClusters.js';

type Node = ClusterRow<NodeRow>;

export function ClustersNodesView({ clusters, route, navigate }: { clusters: readonly string[]; route: Route; navigate: Navigate }) {
  const now = useNow();
  const { rows, statuses, badges, problems, loading, arriving } = useAcrossClusters<NodeRow>(clusters, 'nodes', '', byName, 'nodes');
  const deferredFilter = useDeferredValue(route.filter);
  const sort = route.sort;
  const columns: Column<Node>[] = useMemo(
    () => [
      { id: 'cluster', header: 'Cluster', width: 'minmax(10rem, 1.2fr)', render: (n) => <span className="mono">{n.cluster}</span>, title: (n) => n.cluster, sort: { key: (n) => n.cluster } },
      { id: 'name', header: 'Name', width: 'minmax(12rem, 2fr)', render: (n) => <span className="mono">{n.name}</span>, title: (n) => n.name, sort: { key: (n) => n.name } },
      { id: 'status', header: 'Status', width: 'minmax(10rem, 1.4fr)', render: (n) => <span className={n.ready === 'True' && !n.unschedulable ? 'ok' : 'warn'}>{statusText(n)}</span>, sort: { key: statusText } },
      { id: 'roles', header: 'Roles', width: 'minmax(8rem, 1fr)', render: rolesText, sort: { key: rolesText } },
      { id: 'version', header: 'Version', width: '7rem', render: (n) => n.kubeletVersion, sort: { key: (n) => n.kubeletVersion } },
      { id: 'age', header: 'Age', width: '5.5rem', align: 'right', render: (n) => ageSince(n.createdAt, now), sort: { key: ageKey } },
    ],
    [now],
  );
  const listed = useMemo(() => {
    const column = sort ? columns.find((c) => c.id === sort.column) : undefined;
    const ordered = sort && column?.sort?.key ? sortByKey(rows, column.sort.key, sort.descending) : rows;
    const needle = deferredFilter.trim().toLowerCase();
    return needle === '' ? ordered : ordered.filter((n) => n.cluster.toLowerCase().includes(needle) || nodeMatches(n, needle));
    // The columns move with the clock; only the sort's column matters here.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [rows, sort?.column, sort?.descending, deferredFilter]);

  return (
    <section className="view" aria-label="Nodes across clusters" data-testid="clusters-nodes">
      <div className="toolbar">
        <h2>Nodes</h2>
        <span className="count">{rowCountText(listed.length, rows.length, arriving, ` in ${clusters.length} clusters`)}</span>
        <FilterBox value={route.filter} onChange={(text) => navigate({ ...route, filter: text }, { replace: true })} placeholder="cluster, node, role or status" />
        <div className="badges" data-testid="cluster-badges">
          {badges}
        </div>
      </div>
      {problems}
      {loading ? (
        <Loading what={`nodes in ${clusters.join(', ')}`} status={statuses[clusters[0] ?? '']} count={rows.length} />
      ) : (
        <VirtualTable rows={listed} columns={columns} rowKey={(n) => n.clusterKey} label="Nodes across clusters" empty="No nodes match." sort={sort} onSort={(next) => navigate({ ...route, sort: next })} />
      )}
    </section>
  );
}
