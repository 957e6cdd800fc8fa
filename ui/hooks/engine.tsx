/**
 * The React binding to the engine: one Engine for the page, provided by context, and a shared
 * clock tick so every age on screen moves together once a second.
 */
import { createContext, useContext, useEffect, useState, type ReactNode } from 'react';
import type { Engine } from '../../adapters/engine/engine.js';

const EngineContext = createContext<Engine | null>(null);
const NowContext = createContext<number>(0);

export function EngineProvider({ engine, tickMs = 1000, children }: { engine: Engine; tickMs?: number; children: ReactNode }) {
  const [now, setNow] = useState(() => engine.clock.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(engine.clock.now()), tickMs);
    return () => clearInterval(timer);
  }, [engine, tickMs]);
  return (
    <EngineContext.Provider value={engine}>
      <NowContext.Provider value={now}>{children}</NowContext.Provider>
    </EngineContext.Provider>
  );
}

export function useEngine(): Engine {
  const engine = useContext(EngineContext);
  if (!engine) throw new Error('useEngine needs an <EngineProvider>');
  return engine;
}

/** The engine clock's time, refreshed once a tick. */
export function useNow(): number {
  return useContext(NowContext);
}
