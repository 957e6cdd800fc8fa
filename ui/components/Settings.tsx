/**
 * Settings in the header: the one metrics interval (kept in localStorage, applied to the engine
 * at once) and a manual refresh, which the engine defines: a healthy stream resyncs, anything
 * else fetches a snapshot now.
 */
import { useSelector } from '@xstate/react';
import { useEngine } from '../hooks/engine.js';
import { formatInterval } from '../lib/format.js';
import { metricsIntervalChoices, saveMetricsInterval } from '../lib/settings.js';

function storage(): Storage | null {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}

export function Settings() {
  const engine = useEngine();
  const current = useSelector(engine.actor, (s) => s.context.config.metricsIntervalMs);
  const choices = metricsIntervalChoices.includes(current) ? metricsIntervalChoices : [...metricsIntervalChoices, current].sort((a, b) => a - b);
  return (
    <div className="settings">
      <label className="field inline">
        <span>Metrics every</span>
        <select
          value={current}
          data-testid="metrics-interval"
          onChange={(e) => {
            const ms = Number(e.target.value);
            saveMetricsInterval(storage(), ms);
            engine.setConfig({ metricsIntervalMs: ms });
          }}
        >
          {choices.map((ms) => (
            <option key={ms} value={ms}>
              {formatInterval(ms)}
            </option>
          ))}
        </select>
      </label>
      <button type="button" onClick={() => engine.refresh()} data-testid="refresh" title="Resync healthy streams; fetch a snapshot now for everything else">
        Refresh
      </button>
    </div>
  );
}
