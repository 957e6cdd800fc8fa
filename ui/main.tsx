/**
 * Boots the dashboard: reads the backend's configuration (so the intervals an operator set on
 * `kubelive serve` apply here too), lays the saved metrics interval over it, creates the pool of
 * engines (one per cluster shown, hooks/clusters.tsx) and renders the page against the engine of
 * the first cluster the address names. `?inspect` connects the Stately inspector to every actor, when
 * it can be reached (lib/inspector.ts), and says so when it cannot.
 */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createEngine } from '../adapters/engine/engine.js';
import type { FetchLike } from '../adapters/engine/snapshots.js';
import { App } from './App.js';
import { askClusterList, ClusterScope, ClustersProvider, useClusterChoice, useEngineKey } from './hooks/clusters.js';
import { parseClusterChoice } from './lib/clusters.js';
import { engineConfig } from './lib/bootConfig.js';
import { connectInspector } from './lib/inspector.js';
import { loadMetricsInterval } from './lib/settings.js';
import { createEnginePool, type EnginePool } from './state/enginePool.js';
import { metricsFetchIn } from './state/workerFetch.js';
import { markMetricsApplied } from './state/metricsMark.js';
import { pageYield } from './state/pageYield.js';
import './styles.css';

async function backendConfig(): Promise<unknown> {
  try {
    const response = await fetch('api/v1/diagnostics', { headers: { accept: 'application/json' } });
    if (!response.ok) return null;
    return ((await response.json()) as { config?: unknown }).config ?? null;
  } catch {
    return null; // the engine will say "disconnected" in its own words
  }
}

function savedStorage(): Storage | null {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}

async function boot(): Promise<void> {
  const element = document.getElementById('root');
  if (!element) throw new Error('index.html has no #root');
  const root = createRoot(element);
  root.render(<div className="splash">Connecting to the kubelive backend…</div>);
  // An address that names a cluster is keyed by the list (which is the default), asked alongside.
  const namesCluster = parseClusterChoice(window.location.search).names.length > 0;
  const [config, inspect, clusters] = await Promise.all([backendConfig(), connectInspector(window.location.search), namesCluster ? askClusterList() : Promise.resolve(null)]);
  const overrides = engineConfig(config, loadMetricsInterval(savedStorage()));
  // One Worker reads every engine's metrics answers off the main thread (state/workerFetch.ts).
  const pageFetch: FetchLike = (url, init) => window.fetch(url, init);
  // Its answers are unpacked and merged in slices between frames, then shown at once (RowStore.stageMetrics).
  const metricsFetch = metricsFetchIn(new Worker(new URL('./state/metricsWorker.ts', import.meta.url), { type: 'module' }), pageFetch, pageYield);
  const pool = createEnginePool((cluster) => {
    const engine = createEngine({
      server: `${window.location.origin}/`,
      ...(cluster === null ? {} : { cluster }),
      config: overrides,
      fetch: pageFetch,
      metricsFetch,
      pause: pageYield,
      ...(inspect ? { inspect } : {}),
    });
    // Lives as long as the engine's store, which holds it.
    markMetricsApplied(engine.store);
    return engine;
  });
  root.render(
    <StrictMode>
      <ClustersProvider pool={pool} initial={clusters?.error === null ? clusters : undefined}>
        <Page pool={pool} />
      </ClustersProvider>
    </StrictMode>,
  );
}

/** The page against its first cluster's engine; the views across clusters hold the others' themselves. */
function Page({ pool }: { pool: EnginePool }) {
  // The default cluster by name is the engine that names none: ticking a second cluster keeps the page.
  const primary = useEngineKey()(useClusterChoice().names[0] ?? null);
  // For a developer's console (and the browser tests): the page's engine, and every cluster's.
  const kubelive = window as unknown as { kubelive?: unknown };
  kubelive.kubelive = { get engine() { return pool.peek(primary); }, pool };
  return (
    <ClusterScope cluster={primary}>
      {/* A new first cluster is a new page: nothing a view kept belongs to the cluster left. */}
      <App key={primary ?? ''} />
    </ClusterScope>
  );
}

void boot();
