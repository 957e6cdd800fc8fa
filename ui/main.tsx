/**
 * Boots the dashboard: reads the backend's configuration (so the intervals an operator set on
 * `kubelive serve` apply here too), lays the saved metrics interval over it, creates the one
 * engine for the page and renders. `?inspect` connects the Stately inspector to every actor, when
 * it can be reached (lib/inspector.ts), and says so when it cannot.
 */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createEngine } from '../adapters/engine/engine.js';
import { App } from './App.js';
import { EngineProvider } from './hooks/engine.js';
import { engineConfig } from './lib/bootConfig.js';
import { connectInspector } from './lib/inspector.js';
import { loadMetricsInterval } from './lib/settings.js';
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
  const [config, inspect] = await Promise.all([backendConfig(), connectInspector(window.location.search)]);
  const engine = createEngine({
    server: `${window.location.origin}/`,
    config: engineConfig(config, loadMetricsInterval(savedStorage())),
    fetch: (url, init) => window.fetch(url, init),
    ...(inspect ? { inspect } : {}),
  });
  (window as unknown as { kubelive?: unknown }).kubelive = { engine }; // for a developer's console
  root.render(
    <StrictMode>
      <EngineProvider engine={engine}>
        <App />
      </EngineProvider>
    </StrictMode>,
  );
}

void boot();
