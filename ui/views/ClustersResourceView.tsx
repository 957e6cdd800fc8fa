/**
 * Any kind across several clusters in one list (`?clusters=a,b,c`): each cluster's objects come
 * from its own engine and share one table with a Cluster column (acrossClusters.tsx), each
 * cluster with its own freshness badge.
 *
 * Columns are each cluster's API server's own, matched by name: the table shows the columns
 * every chosen cluster prints, in the first cluster's order, then the ones only some print. A
 * row of a cluster whose server does not print a column shows an empty cell there (its title
 * says why), never another column's value. An open object's YAML and Events, and Describe, are
 * read from the object's own cluster (`in=` in the address).
 */
import { useMemo } from 'react';
import type { ApiResourceRow, ResourceRow } from '../../adapters/rows.js';
import type { ResourceDomain } from '../../machines/domains.js';
import { DescribeLink } from '../components/DrillLinks.js';
import { FilterBox, NamespaceSelect } from '../components/NamespaceSelect.js';
import { VirtualTable, type Column } from '../components/VirtualTable.js';
import { ClusterScope } from '../hooks/clusters.js';
import { useNow } from '../hooks/engine.js';
import { pluralKind } from '../lib/catalog.js';
import type { ClusterRow } from '../lib/clusters.js';
import { sortByKey } from '../lib/order.js';
import { cellText, descendingFirst, filterRows, resourceOrder, sharedColumns, sortKeyOf, type SharedColumn } from '../lib/resourceTable.js';
import { rowCountText } from '../lib/loading.js';
import { objectId, type Navigate, type Route } from '../lib/route.js';
import { AcrossClustersBody, ClusterBadges, PanelCluster, useAcrossClusters } from './acrossClusters.js';
import { ObjectEvents } from './ObjectEvents.js';
import { ObjectPanel } from './ObjectPanel.js';
import { useOpenObject } from '../hooks/useOpenObject.js';

type Item = ClusterRow<ResourceRow>;

export function ClustersResourceView({ clusters, kind, route, navigate }: { clusters: readonly string[]; kind: ApiResourceRow; route: Route; navigate: Navigate }) {
  const now = useNow();
  const domain = kind.domain as ResourceDomain;
  const scope = kind.namespaced ? route.namespace : '';
  const label = pluralKind(kind.kind, kind.resource);
  const across = useAcrossClusters<ResourceRow>(clusters, domain, scope, resourceOrder, kind.resource);
  const { rows, columns: definitions } = across;
  const shared = useMemo(() => sharedColumns(clusters, definitions, route.wide), [clusters, definitions, route.wide]);

  const viewColumns: Column<Item>[] = useMemo(() => {
    const cell = (c: SharedColumn, row: Item): string => {
      const column = c.byCluster.get(row.cluster);
      return column ? cellText(row, column, now) : '';
    };
    return [
      { id: 'cluster', header: 'Cluster', width: 'minmax(11rem, 1.2fr)', render: (r) => <span className="mono">{r.cluster}</span>, title: (r) => r.cluster, sort: { key: (r) => r.cluster } },
      ...(kind.namespaced && scope === '' ? [{ id: 'Namespace', header: 'Namespace', width: 'minmax(7rem, 1fr)', render: (r: Item) => r.namespace, title: (r: Item) => r.namespace, sort: { key: (r: Item) => r.namespace } }] : []),
      ...shared.map((c) => ({
        id: c.id,
        header: c.first.name,
        align: c.first.kind === 'number' ? ('right' as const) : undefined,
        width: c.first.kind === 'name' ? 'minmax(14rem, 3fr)' : c.first.kind === 'age' ? '5.5rem' : 'minmax(6rem, 1.5fr)',
        render: (r: Item) => (c.first.kind === 'name' ? <span className={`mono ${r.deleting ? 'muted' : ''}`}>{cell(c, r)}</span> : cell(c, r)),
        title: (r: Item) => (c.byCluster.has(r.cluster) ? cell(c, r) : `${r.cluster}'s API server does not print ${c.first.name}`),
        sort: { key: (r: Item) => { const column = c.byCluster.get(r.cluster); return column ? sortKeyOf(column)(r) : ''; }, descendingFirst: descendingFirst(c.first) },
      })),
    ];
  }, [shared, now, kind.namespaced, scope]);

  const sort = route.sort;
  const sorted = useMemo(() => {
    const column = sort ? viewColumns.find((c) => c.id === sort.column) : undefined;
    return sort && column?.sort?.key ? sortByKey(rows, column.sort.key, sort.descending) : rows;
    // The columns move with the clock; only the sort's column matters here.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [rows, sort?.column, sort?.descending, shared]);
  const needle = route.filter.trim().toLowerCase();
  const shown = useMemo(() => (needle === '' ? sorted : sorted.filter((r) => r.cluster.toLowerCase().includes(needle) || filterRows([r], needle).length > 0)), [sorted, needle]);

  const found = route.selected ? rows.find((r) => objectId(r.namespace, r.name) === route.selected && r.cluster === (route.selectedCluster ?? clusters[0])) : undefined;
  // Held as last seen once deleted (useOpenObject): its YAML and Events stay, marked deleted.
  const open = useOpenObject(route.selected ? `${route.selectedCluster ?? clusters[0]}/${route.selected}` : null, found);
  const selected = open?.row;
  const select = (r: Item | null) => navigate({ ...route, selected: r ? objectId(r.namespace, r.name) : null, selectedCluster: r ? r.cluster : null });

  return (
    <section className={`view ${selected ? 'with-panel' : ''}`} aria-label={`${label} across clusters`} data-testid="clusters-resource" data-domain={kind.domain}>
      <div className="toolbar">
        <h2>
          {label} <span className="muted small mono">{kind.group ? `${kind.group}/${kind.version}` : kind.version}</span>
        </h2>
        <span className="count" data-testid="row-count">
          {rowCountText(shown.length, rows.length, across.arriving, ` in ${clusters.length} clusters`)}
        </span>
        {kind.namespaced ? <NamespaceSelect value={route.namespace} onChange={(ns) => navigate({ ...route, namespace: ns, selected: null, selectedCluster: null })} /> : null}
        <FilterBox value={route.filter} onChange={(filter) => navigate({ ...route, filter }, { replace: true })} placeholder="cluster, name, namespace or any column" />
        <label className="field">
          <input type="checkbox" checked={route.wide} onChange={(e) => navigate({ ...route, wide: e.target.checked })} data-testid="wide" />
          <span>Wide</span>
        </label>
        <ClusterBadges across={across} />
      </div>
      <AcrossClustersBody
        across={across}
        clusters={clusters}
        what={label.toLowerCase()}
        list={
          <VirtualTable
            rows={shown}
            columns={viewColumns}
            rowKey={(r) => r.clusterKey}
            selectedKey={selected?.clusterKey ?? null}
            onRowClick={(r) => select(r)}
            rowClassName={(r) => (r.deleting ? 'deleting' : '')}
            label={`${label} across clusters`}
            empty={`No ${label.toLowerCase()} match.`}
            sort={sort}
            onSort={(next) => navigate({ ...route, sort: next })}
          />
        }
        panel={
          selected ? (
          <ClusterScope cluster={selected.cluster}>
            <ObjectPanel
              key={selected.clusterKey}
              target={{ domain: kind.domain, namespace: selected.namespace, name: selected.name }}
              open={open}
              onClose={() => select(null)}
              switcher={
                <span className="drill-links">
                  <PanelCluster cluster={selected.cluster} />
                  <DescribeLink from={route} domain={kind.domain} namespace={selected.namespace} name={selected.name} />
                </span>
              }
              aside={<ObjectEvents subject={{ uid: selected.uid, kind: kind.kind, namespace: selected.namespace, name: selected.name }} />}
            />
          </ClusterScope>
          ) : null
        }
      />
    </section>
  );
}
