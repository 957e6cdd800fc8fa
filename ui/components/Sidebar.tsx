/**
 * The sidebar: every kind the cluster serves, grouped where a Kubernetes user looks for it
 * (lib/catalog.ts), each with its count, and the namespace in scope (the same one the views'
 * selectors set). Counts come from `/api/v1/counts` for the namespace in
 * scope, refreshed slowly; the entry that is open counts the rows its view holds, live. Entries
 * are links, so a kind can be opened in a new tab or its address copied.
 */
import { useMemo } from 'react';
import { subscriptionKey, type ResourceDomain } from '../../machines/domains.js';
import { useCounts } from '../hooks/useCatalog.js';
import { NamespaceSelect } from './NamespaceSelect.js';
import { useRowCount } from '../hooks/useStore.js';
import { buildCatalog, countOf, type CatalogItem, type CatalogTarget } from '../lib/catalog.js';
import type { ApiResourceRow } from '../../adapters/rows.js';
import { openView, routeHash, type Route } from '../lib/route.js';

function isOpen(target: CatalogTarget, route: Route): boolean {
  if (target.view === 'resource') return route.tab === 'resource' && route.domain === target.domain;
  return route.tab === target.view;
}

function targetRoute(target: CatalogTarget, route: Route): Route {
  return target.view === 'resource' ? openView(route, 'resource', target.domain) : openView(route, target.view);
}

/** The store key whose rows the open entry's view holds, for a live count. */
function liveKey(entry: CatalogItem, namespace: string): string | null {
  const scope = entry.namespaced ? namespace : '';
  if (entry.target.view === 'resource') return subscriptionKey(entry.target.domain as ResourceDomain, scope);
  if (entry.target.view === 'pods') return subscriptionKey('pods', scope);
  if (entry.target.view === 'events') return subscriptionKey('events', scope);
  if (entry.target.view === 'nodes') return subscriptionKey('nodes', '');
  return null;
}

function Entry({ entry, route, counts, onNavigate }: { entry: CatalogItem; route: Route; counts: Readonly<Record<string, number>>; onNavigate: (route: Route) => void }) {
  const open = isOpen(entry.target, route);
  const live = useRowCount(open ? liveKey(entry, route.namespace) : null);
  const count = live ?? countOf(entry, counts);
  const next = targetRoute(entry.target, route);
  return (
    <li>
      <a
        href={routeHash(next)}
        className={`nav-item ${open ? 'active' : ''}`}
        aria-current={open ? 'page' : undefined}
        data-testid={`nav-${entry.id}`}
        title={entry.detail ? `${entry.label} (${entry.detail})` : entry.label}
        onClick={(e) => {
          if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return; // a new tab or window: let the browser
          e.preventDefault();
          if (!open) onNavigate(next);
        }}
      >
        <span className="nav-label">{entry.label}</span>
        {count !== null ? (
          <span className="nav-count" data-testid={`count-${entry.id}`} aria-label={`${count} ${entry.label}`}>
            {count.toLocaleString()}
          </span>
        ) : null}
      </a>
    </li>
  );
}

/** `onEscape`: the sidebar is open as a menu (a narrow screen), and Esc closes it. */
export function Sidebar({
  route,
  discovery,
  onNavigate,
  onEscape,
}: {
  route: Route;
  discovery: readonly ApiResourceRow[];
  onNavigate: (route: Route) => void;
  onEscape?: (() => void) | undefined;
}) {
  const sections = useMemo(() => buildCatalog(discovery), [discovery]);
  const counts = useCounts(route.namespace);
  return (
    <nav
      id="sidebar"
      className="sidebar"
      aria-label="Resources"
      data-testid="sidebar"
      onKeyDown={(e) => {
        if (e.key !== 'Escape' || !onEscape) return;
        e.preventDefault(); // before the page's Esc, which would close a panel behind the menu
        onEscape();
      }}
    >
      {sections.map((section) => (
        <section key={section.id} className="nav-section" aria-labelledby={`nav-${section.id}-title`}>
          <div className="nav-section-head">
            <h2 id={`nav-${section.id}-title`} className="nav-section-title">
              {section.label}
            </h2>
            {section.id === 'namespace' ? <NamespaceSelect compact value={route.namespace} onChange={(ns) => onNavigate({ ...route, namespace: ns, selected: null })} /> : null}
          </div>
          {section.groups.map((group) => (
            <div key={group.id} className={group.label ? 'nav-group' : 'nav-group nav-top'} data-testid={`nav-group-${group.id}`}>
              {group.label ? <h3 className="nav-group-title">{group.label}</h3> : null}
              <ul>
                {group.items.map((entry) => (
                  <Entry key={entry.id} entry={entry} route={route} counts={counts} onNavigate={onNavigate} />
                ))}
              </ul>
            </div>
          ))}
        </section>
      ))}
      <section className="nav-section" aria-labelledby="nav-kubelive-title">
        <h2 id="nav-kubelive-title" className="nav-section-title">
          kubelive
        </h2>
        <ul>
          <li>
            <a
              href={routeHash(openView(route, 'diagnostics'))}
              className={`nav-item ${route.tab === 'diagnostics' ? 'active' : ''}`}
              aria-current={route.tab === 'diagnostics' ? 'page' : undefined}
              data-testid="nav-diagnostics"
              onClick={(e) => {
                if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
                e.preventDefault();
                onNavigate(openView(route, 'diagnostics'));
              }}
            >
              <span className="nav-label">Diagnostics</span>
            </a>
          </li>
        </ul>
      </section>
    </nav>
  );
}
