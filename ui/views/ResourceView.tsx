/**
 * Any kind the cluster serves, as `kubectl get` prints it: the API server's Table columns
 * (priority 0, all of them with "Wide"), live from one resource-domain subscription, virtualized,
 * filtered over name, namespace and every cell, sorted by any column. A row opens its YAML and
 * the Events about it, which stay, marked deleted, when the object is deleted while open. Everything that makes the screen (namespace, filter, sort, wide, the open
 * object) is in the route, so Back, Forward, a reload and a copied link all give it back.
 *
 * A kind that discovery stops listing (its CRD was deleted) is not subscribed to any more: the
 * view says so, and nothing is left polling or retrying for it.
 */
import { useEffect, useMemo } from 'react';
import { ChangeLog } from '../../adapters/engine/changeLog.js';
import type { ApiResourceRow, ResourceRow } from '../../adapters/rows.js';
import type { ResourceDomain } from '../../machines/domains.js';
import { FilterBox, NamespaceSelect } from '../components/NamespaceSelect.js';
import { FreshnessBadge, Loading, Problems } from '../components/StatusBar.js';
import { VirtualTable, type Column } from '../components/VirtualTable.js';
import { useEngine, useNow } from '../hooks/engine.js';
import { useDomain } from '../hooks/useDomain.js';
import { useSortedList } from '../hooks/useSortedRows.js';
import { useColumns, useLoading, useOrderedRows } from '../hooks/useStore.js';
import { rowCountText } from '../lib/loading.js';
import { pluralKind } from '../lib/catalog.js';
import { isLoading } from '../lib/freshness.js';
import { cellText, descendingFirst, filterRows, hasWideColumns, resourceOrder, sortKeyOf, tableColumns, withNumericCells, type TableColumn } from '../lib/resourceTable.js';
import { objectId, type Navigate, type Route } from '../lib/route.js';
import { ObjectEvents, type EventSubject } from './ObjectEvents.js';
import { ObjectPanel } from './ObjectPanel.js';
import { useOpenObject } from '../hooks/useOpenObject.js';
import { DescribeLink } from '../components/DrillLinks.js';

function widthOf(column: TableColumn): string {
  switch (column.kind) {
    case 'name':
      return 'minmax(14rem, 3fr)';
    case 'age':
    case 'date':
      return '5.5rem';
    case 'number':
    case 'boolean':
      return 'minmax(5rem, 0.7fr)';
    default:
      return column.id === 'Namespace' ? 'minmax(7rem, 1fr)' : 'minmax(6rem, 1.5fr)';
  }
}

export function ResourceView({ kind, discoveryAnswered, route, navigate }: { kind: ApiResourceRow | undefined; discoveryAnswered: boolean; route: Route; navigate: Navigate }) {
  const domain = route.domain ?? '';
  if (!kind) {
    if (!discoveryAnswered) {
      return (
        <section className="view" aria-label={domain}>
          <div className="loading" role="status" data-testid="loading">
            <span className="spinner" aria-hidden="true" />
            Asking the cluster which kinds it serves…
          </div>
        </section>
      );
    }
    return (
      <section className="view" aria-label={domain}>
        <div className="toolbar">
          <h2>{domain}</h2>
        </div>
        <div className="problem problem-warning" role="status" data-testid="kind-gone">
          The cluster does not serve <span className="mono">{domain}</span> (any more): if it came from a CustomResourceDefinition, that was deleted. Nothing is
          watched for it.
        </div>
      </section>
    );
  }
  return <ResourceList key={domain} kind={kind} route={route} navigate={navigate} />;
}

function ResourceList({ kind, route, navigate }: { kind: ApiResourceRow; route: Route; navigate: Navigate }) {
  const engine = useEngine();
  const now = useNow();
  const domain = kind.domain as ResourceDomain;
  const scope = kind.namespaced ? route.namespace : '';
  const handle = useDomain(domain, scope);
  const list = useOrderedRows<ResourceRow>(handle.key, resourceOrder);
  const rows = list.rows;
  const arriving = useLoading(handle.key);
  const definitions = useColumns(handle.key);
  const label = pluralKind(kind.kind, kind.resource);

  // A kind whose reads fail may have just stopped being served: ask discovery now rather than
  // at its next poll, so the view can say so and let go.
  const lastError = handle.status?.lastError ?? null;
  useEffect(() => {
    if (lastError) engine.refresh('api-resources', '');
  }, [engine, lastError]);

  // Which columns hold numbers is read from the first rows, once they are there.
  const hasRows = rows.length > 0;
  const columns = useMemo(
    () => withNumericCells(tableColumns(definitions ?? [], { wide: route.wide, withNamespace: kind.namespaced && scope === '' }), rows),
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [definitions, route.wide, kind.namespaced, scope, hasRows],
  );
  const viewColumns: Column<ResourceRow>[] = useMemo(
    () =>
      columns.map((column) => ({
        id: column.id,
        header: column.name,
        width: widthOf(column),
        align: column.kind === 'number' ? ('right' as const) : undefined,
        render: (row: ResourceRow) => {
          const text = cellText(row, column, now);
          return column.kind === 'name' ? <span className={`mono ${row.deleting ? 'muted' : ''}`}>{text}</span> : text;
        },
        title: (row: ResourceRow) => cellText(row, column, now),
        sort: { key: sortKeyOf(column), descendingFirst: descendingFirst(column) },
      })),
    [columns, now],
  );

  // A kind can have tens of thousands of objects (ConfigMaps): sorted by a value, a write
  // re-places only its row, as in the Pods view (docs/ui.md, Large lists).
  const follow = useMemo(
    () => ({ order: resourceOrder, byUid: () => (engine.store.collection(handle.key)?.rows ?? new Map()) as ReadonlyMap<string, ResourceRow>, writes: new ChangeLog(engine.store, handle.key) }),
    [engine, handle.key],
  );
  const sorted = useSortedList(list, viewColumns, route.sort, 0, follow);
  const shown = useMemo(() => filterRows(sorted.rows, route.filter), [sorted, route.filter]);

  // The open object: the row of its name, or once deleted the row last seen (useOpenObject).
  const found = useMemo(() => (route.selected ? list.rows.find((r) => objectId(r.namespace, r.name) === route.selected) : undefined), [list, route.selected]);
  const open = useOpenObject(route.selected, found);
  const selected = open?.row ?? null;
  const selectedName = route.selected ? route.selected.slice(route.selected.indexOf('/') + 1) : '';
  const selectedNamespace = route.selected && route.selected.includes('/') ? route.selected.slice(0, route.selected.indexOf('/')) : '';
  const subject: EventSubject | null = useMemo(
    () => (selected ? { uid: selected.uid, kind: kind.kind, namespace: selected.namespace, name: selected.name } : null),
    [selected, kind.kind],
  );
  const loading = isLoading(handle.status, rows.length);
  const wideAvailable = definitions !== null && hasWideColumns(definitions);

  return (
    <section className={`view ${route.selected && !loading ? 'with-panel' : ''}`} aria-label={label} data-testid="resource-view" data-domain={kind.domain}>
      <div className="toolbar">
        <h2>
          {label} <span className="muted small mono">{kind.group ? `${kind.group}/${kind.version}` : kind.version}</span>
        </h2>
        <span className="count" data-testid="row-count">
          {rowCountText(shown.length, rows.length, arriving)}
        </span>
        {kind.namespaced ? <NamespaceSelect value={route.namespace} onChange={(ns) => navigate({ ...route, namespace: ns, selected: null })} /> : null}
        <FilterBox value={route.filter} onChange={(filter) => navigate({ ...route, filter }, { replace: true })} placeholder="name, namespace or any column" />
        {wideAvailable ? (
          <label className="field">
            <input type="checkbox" checked={route.wide} onChange={(e) => navigate({ ...route, wide: e.target.checked })} data-testid="wide" />
            <span>Wide</span>
          </label>
        ) : null}
        <div className="badges">
          <FreshnessBadge label={kind.resource} status={handle.status} />
        </div>
      </div>
      <Problems statuses={[handle.status]} what={kind.namespaced ? `${label.toLowerCase()} in ${route.namespace || 'all namespaces'}` : label.toLowerCase()} narrowed={route.filter.trim() !== '' || route.sort !== null} />
      <div className="split">
        {loading ? (
          <Loading what={kind.namespaced ? `${label.toLowerCase()} in ${route.namespace || 'all namespaces'}` : label.toLowerCase()} status={handle.status} count={rows.length} />
        ) : (
          <VirtualTable
            rows={shown}
            rowsFrom={sorted}
            columns={viewColumns}
            rowKey={(r) => objectId(r.namespace, r.name)}
            selectedKey={route.selected}
            onRowClick={(r) => navigate({ ...route, selected: objectId(r.namespace, r.name) })}
            rowClassName={(r) => (r.deleting ? 'deleting' : '')}
            label={label}
            empty={rows.length === 0 ? `No ${label.toLowerCase()}${kind.namespaced && route.namespace ? ` in ${route.namespace}` : ''}.` : `No ${label.toLowerCase()} match${arriving ? ' among those received so far' : ''}.`}
            sort={route.sort}
            onSort={(sort) => navigate({ ...route, sort })}
          />
        )}
        {route.selected && !loading ? (
          <ObjectPanel
            key={`${route.selected}:${selected?.uid ?? ''}`}
            target={{ domain: kind.domain, namespace: selected?.namespace ?? selectedNamespace, name: selected?.name ?? selectedName }}
            open={open}
            onClose={() => navigate({ ...route, selected: null })}
            switcher={<DescribeLink from={route} domain={kind.domain} namespace={selected?.namespace ?? selectedNamespace} name={selected?.name ?? selectedName} />}
            aside={subject ? <ObjectEvents subject={subject} /> : null}
          />
        ) : null}
      </div>
    </section>
  );
}
