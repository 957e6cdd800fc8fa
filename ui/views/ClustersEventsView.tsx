/**
 * Events across several clusters in one list (`?clusters=a,b,c`): each cluster's events from its
 * own engine, one table with a Cluster column (acrossClusters.tsx), each cluster with its own
 * freshness badge. A click opens the object in the generic view across the same clusters, with
 * the object's cluster named (`in=`), so its YAML and Events are that cluster's.
 */
import { useMemo } from 'react';
import type { ApiResourceRow, EventRow } from '../../adapters/rows.js';
import { FilterBox, NamespaceSelect } from '../components/NamespaceSelect.js';
import { VirtualTable, type Column } from '../components/VirtualTable.js';
import { useNow } from '../hooks/engine.js';
import { useSortedRows } from '../hooks/useSortedRows.js';
import type { ClusterRow } from '../lib/clusters.js';
import { compareText } from '../lib/order.js';
import { rowCountText } from '../lib/loading.js';
import type { Navigate, Route } from '../lib/route.js';
import { AcrossClustersBody, ClusterBadges, useAcrossClusters } from './acrossClusters.js';
import { eventColumns, eventKinds, filterEvents, objectRouteOf, seenKey } from './EventsView.js';

type Event = ClusterRow<EventRow>;

/** Newest first, as an operator reads events; uid last so every row has one place. */
function eventOrder(a: EventRow, b: EventRow): number {
  return seenKey(a) - seenKey(b) || compareText(a.uid, b.uid);
}

export function ClustersEventsView({ clusters, route, navigate, discovery }: { clusters: readonly string[]; route: Route; navigate: Navigate; discovery: readonly ApiResourceRow[] }) {
  const now = useNow();
  const across = useAcrossClusters<EventRow>(clusters, 'events', route.namespace, eventOrder, 'events');
  const rows = across.rows;
  const needle = route.filter.trim().toLowerCase();
  const filtered = useMemo(() => (needle === '' ? rows : rows.filter((e) => e.cluster.toLowerCase().includes(needle) || filterEvents([e], needle).length > 0)), [rows, needle]);
  const columns: Column<Event>[] = useMemo(
    () => [{ id: 'cluster', header: 'Cluster', width: 'minmax(11rem, 1.2fr)', render: (e: Event) => <span className="mono">{e.cluster}</span>, title: (e: Event) => e.cluster, sort: { key: (e: Event) => e.cluster } }, ...eventColumns<Event>(route.namespace, now)],
    [route.namespace, now],
  );
  const shown = useSortedRows(filtered, columns, route.sort, 0);
  const kinds = useMemo(() => eventKinds(discovery), [discovery]);
  const openObject = (e: Event) => {
    const to = objectRouteOf(e, kinds, route);
    if (to) navigate({ ...to, selectedCluster: e.cluster });
  };

  return (
    <section className="view" aria-label="Events across clusters" data-testid="clusters-events">
      <div className="toolbar">
        <h2>Events</h2>
        <span className="count">{rowCountText(shown.length, rows.length, across.arriving, ` in ${clusters.length} clusters`)}</span>
        <NamespaceSelect value={route.namespace} onChange={(ns) => navigate({ ...route, namespace: ns })} />
        <FilterBox value={route.filter} onChange={(filter) => navigate({ ...route, filter }, { replace: true })} placeholder="cluster, type, reason, object or message" />
        <ClusterBadges across={across} />
      </div>
      <AcrossClustersBody
        across={across}
        clusters={clusters}
        what="events"
        list={
          <VirtualTable
            rows={shown}
            columns={columns}
            rowKey={(e) => e.clusterKey}
            onRowClick={openObject}
            rowClassName={(e) => (e.type === 'Warning' ? 'warning' : '')}
            label="Events across clusters"
            empty={rows.length === 0 ? 'No events.' : 'No events match.'}
            sort={route.sort}
            onSort={(sort) => navigate({ ...route, sort })}
          />
        }
      />
    </section>
  );
}
