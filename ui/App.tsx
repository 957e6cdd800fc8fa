/**
 * The dashboard's frame: tabs, settings, the connection banner, and the current view. The last
 * data view stays mounted (hidden) while Diagnostics is open, so Diagnostics shows the
 * subscriptions of what you were looking at instead of watching them linger and stop.
 */
import { useSelector } from '@xstate/react';
import { useEffect, useState } from 'react';
import { diagnoseConnection } from '../machines/diagnostics.js';
import { Settings } from './components/Settings.js';
import { useEngine, useNow } from './hooks/engine.js';
import { headerStatus } from './lib/freshness.js';
import { describeConnection } from './lib/operatorWords.js';
import { parseRoute, routeHash, type Route, type Tab } from './lib/route.js';
import { DiagnosticsView } from './views/DiagnosticsView.js';
import { NodesView } from './views/NodesView.js';
import { PodsView } from './views/PodsView.js';
import { WorkloadsView } from './views/WorkloadsView.js';

const tabs: readonly { id: Tab; label: string }[] = [
  { id: 'nodes', label: 'Nodes' },
  { id: 'workloads', label: 'Workloads' },
  { id: 'pods', label: 'Pods' },
  { id: 'diagnostics', label: 'Diagnostics' },
];

function useRoute(): [Route, (route: Route) => void] {
  const [route, setRoute] = useState(() => parseRoute(window.location.hash));
  useEffect(() => {
    const onHash = () => setRoute(parseRoute(window.location.hash));
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);
  const navigate = (next: Route) => {
    window.history.replaceState(null, '', `${window.location.pathname}${window.location.search}${routeHash(next)}`);
    setRoute(next);
  };
  return [route, navigate];
}

/**
 * The header's dot: green only while the stream is open and every active view is proven fresh
 * end to end; amber while connected with a view that is not; red with no stream at all.
 */
function ConnectionBanner() {
  const engine = useEngine();
  useNow(); // proofs age even when no machine moves
  useSelector(engine.actor, (s) => s.context.subscriptions);
  const connectionRef = useSelector(engine.actor, (s) => s.children.connection);
  const connection = useSelector(connectionRef, (s) => (s ? diagnoseConnection(s) : null), (a, b) => JSON.stringify(a) === JSON.stringify(b));
  const status = headerStatus(connection, engine.diagnostics().rows);
  const problem = describeConnection(connection);
  return (
    <span
      className={`conn conn-${status.level}`}
      data-testid="connection"
      data-state={connection?.state ?? 'none'}
      data-level={status.level}
      title={problem?.text ?? status.title}
    >
      <span className="dot" aria-hidden="true" />
      {status.text}
    </span>
  );
}

function DisconnectedNotice() {
  const engine = useEngine();
  const connectionRef = useSelector(engine.actor, (s) => s.children.connection);
  const connection = useSelector(connectionRef, (s) => (s ? diagnoseConnection(s) : null), (a, b) => JSON.stringify(a) === JSON.stringify(b));
  const problem = describeConnection(connection);
  return problem ? (
    <div className="banner" role="alert" data-testid="disconnected">
      {problem.text}
    </div>
  ) : null;
}

export function App() {
  const [route, navigate] = useRoute();
  // The data view to keep mounted under Diagnostics.
  const [dataTab, setDataTab] = useState<Exclude<Tab, 'diagnostics'>>(route.tab === 'diagnostics' ? 'nodes' : route.tab);
  useEffect(() => {
    if (route.tab !== 'diagnostics') setDataTab(route.tab);
  }, [route.tab]);
  const setNamespace = (namespace: string) => navigate({ ...route, namespace });
  const showing = route.tab === 'diagnostics' ? dataTab : route.tab;

  return (
    <div className="app">
      <header className="top">
        <h1>kubelive</h1>
        <nav className="tabs" role="tablist">
          {tabs.map((t) => (
            <button
              key={t.id}
              type="button"
              role="tab"
              aria-selected={route.tab === t.id}
              className={route.tab === t.id ? 'tab active' : 'tab'}
              onClick={() => navigate({ ...route, tab: t.id })}
              data-testid={`tab-${t.id}`}
            >
              {t.label}
            </button>
          ))}
        </nav>
        <div className="spacer" />
        <ConnectionBanner />
        <Settings />
      </header>
      <DisconnectedNotice />
      <main className="main">
        <div className={route.tab === 'diagnostics' ? 'hidden' : 'pane'}>
          {showing === 'nodes' ? <NodesView /> : null}
          {showing === 'workloads' ? <WorkloadsView namespace={route.namespace} onNamespace={setNamespace} /> : null}
          {showing === 'pods' ? <PodsView namespace={route.namespace} onNamespace={setNamespace} /> : null}
        </div>
        {route.tab === 'diagnostics' ? (
          <div className="pane">
            <DiagnosticsView />
          </div>
        ) : null}
      </main>
    </div>
  );
}
