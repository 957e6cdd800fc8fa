/**
 * Events, from the hand-made `events` domain rather than the Table of `core/v1/events`: its rows
 * carry the last time each event was seen, so Last Seen counts up live where the Table's cell is
 * frozen at the moment the row was printed. A click (or Enter) on an event opens the object it is
 * about, in the generic view of its kind, with its YAML and all its events.
 */
import { useMemo } from 'react';
import type { ApiResourceRow, EventRow } from '../../adapters/rows.js';
import { FilterBox, NamespaceSelect } from '../components/NamespaceSelect.js';
import { FreshnessBadge, Loading, Problems } from '../components/StatusBar.js';
import { VirtualTable, type Column } from '../components/VirtualTable.js';
import { useNow } from '../hooks/engine.js';
import { useDomain } from '../hooks/useDomain.js';
import { useSortedRows } from '../hooks/useSortedRows.js';
import { useLoading, useRows } from '../hooks/useStore.js';
import { rowCountText } from '../lib/loading.js';
import { servedKinds } from '../lib/catalog.js';
import { ageSince } from '../lib/format.js';
import { isLoading } from '../lib/freshness.js';
import { openView, objectId, type Navigate, type Route } from '../lib/route.js';

export const seenKey = (e: EventRow) => {
  const at = e.lastTimestamp ? Date.parse(e.lastTimestamp) : Number.NaN;
  return Number.isFinite(at) ? -at : Number.POSITIVE_INFINITY;
};
export const objectText = (e: EventRow) => `${e.involvedObject.kind.toLowerCase()}/${e.involvedObject.name}`;

/** Rows with every word of the filter in their type, reason, object, message or namespace. */
export function filterEvents(rows: readonly EventRow[], filter: string): readonly EventRow[] {
  const words = filter.trim().toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return rows;
  return rows.filter((e) => {
    const text = [e.namespace, e.type, e.reason, objectText(e), e.message].join('\u0000').toLowerCase();
    return words.every((w) => text.includes(w));
  });
}

/** The Events table's columns; the view across clusters puts its Cluster column before them. */
export function eventColumns<E extends EventRow>(namespace: string, now: number): Column<E>[] {
  return [
    ...(namespace === '' ? [{ id: 'namespace', header: 'Namespace', width: 'minmax(7rem, 1fr)', render: (e: E) => e.namespace, sort: { key: (e: E) => e.namespace } }] : []),
    { id: 'seen', header: 'Last Seen', width: '6.75rem', align: 'right', render: (e) => ageSince(e.lastTimestamp, now), title: (e) => e.lastTimestamp ?? '', sort: { key: seenKey } },
    { id: 'type', header: 'Type', width: '6rem', render: (e) => <span className={e.type === 'Warning' ? 'warn' : undefined}>{e.type}</span>, sort: { key: (e) => e.type } },
    { id: 'reason', header: 'Reason', width: 'minmax(10.5rem, 1fr)', render: (e) => e.reason, sort: { key: (e) => e.reason } },
    { id: 'object', header: 'Object', width: 'minmax(12rem, 2fr)', render: (e) => <span className="mono">{objectText(e)}</span>, title: objectText, sort: { key: objectText } },
    { id: 'count', header: 'Count', width: '5rem', align: 'right', render: (e) => e.count, sort: { key: (e) => e.count, descendingFirst: true } },
    { id: 'message', header: 'Message', width: 'minmax(14rem, 4fr)', render: (e) => e.message, title: (e) => e.message, sort: { key: (e) => e.message } },
  ];
}

/** An event names its object's kind, not its resource: a built-in kind wins over a CRD's of the same name. */
export function eventKinds(discovery: readonly ApiResourceRow[]): ReadonlyMap<string, ApiResourceRow> {
  const byKind = new Map<string, ApiResourceRow>();
  for (const k of servedKinds(discovery)) if (!byKind.has(k.kind) || (byKind.get(k.kind)!.custom && !k.custom)) byKind.set(k.kind, k);
  return byKind;
}

/** The generic view of the kind an event is about, with its object open; null for a kind not served. */
export function objectRouteOf(e: EventRow, kinds: ReadonlyMap<string, ApiResourceRow>, from: Route): Route | null {
  const kind = kinds.get(e.involvedObject.kind);
  if (!kind) return null;
  const namespace = e.involvedObject.namespace ?? '';
  return { ...openView(from, 'resource', kind.domain), namespace: kind.namespaced ? namespace : from.namespace, selected: objectId(kind.namespaced ? namespace : '', e.involvedObject.name) };
}

export function EventsView({ route, navigate, discovery }: { route: Route; navigate: Navigate; discovery: readonly ApiResourceRow[] }) {
  const now = useNow();
  const handle = useDomain('events', route.namespace);
  const rows = useRows<EventRow>(handle.key);
  const arriving = useLoading(handle.key);
  // Newest first unless a header says otherwise, as an operator reads events.
  const byTime = useMemo(() => [...rows].sort((a, b) => seenKey(a) - seenKey(b)), [rows]);
  const filtered = useMemo(() => filterEvents(byTime, route.filter), [byTime, route.filter]);
  const kinds = useMemo(() => eventKinds(discovery), [discovery]);

  const columns = useMemo(() => eventColumns<EventRow>(route.namespace, now), [route.namespace, now]);
  const shown = useSortedRows(filtered, columns, route.sort, 0);

  const openObject = (e: EventRow) => {
    const to = objectRouteOf(e, kinds, route);
    if (to) navigate(to);
  };

  return (
    <section className="view" aria-label="Events" data-testid="events-view">
      <div className="toolbar">
        <h2>Events</h2>
        <span className="count" data-testid="row-count">{rowCountText(shown.length, rows.length, arriving)}</span>
        <NamespaceSelect value={route.namespace} onChange={(ns) => navigate({ ...route, namespace: ns })} />
        <FilterBox value={route.filter} onChange={(filter) => navigate({ ...route, filter }, { replace: true })} placeholder="type, reason, object or message" />
        <div className="badges">
          <FreshnessBadge label="events" status={handle.status} />
        </div>
      </div>
      <Problems statuses={[handle.status]} what={`events in ${route.namespace || 'all namespaces'}`} narrowed={route.filter.trim() !== '' || route.sort !== null} />
      <div className="split">
        {isLoading(handle.status, rows.length) ? (
          <Loading what={`events in ${route.namespace || 'all namespaces'}`} status={handle.status} count={rows.length} />
        ) : (
          <VirtualTable
            rows={shown}
            columns={columns}
            rowKey={(e) => e.uid}
            onRowClick={openObject}
            rowClassName={(e) => (e.type === 'Warning' ? 'warning' : '')}
            label="Events"
            empty={rows.length === 0 ? 'No events.' : arriving ? 'No events match among those received so far.' : 'No events match.'}
            sort={route.sort}
            onSort={(sort) => navigate({ ...route, sort })}
          />
        )}
      </div>
    </section>
  );
}
