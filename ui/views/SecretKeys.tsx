/**
 * A Secret's keys, values hidden. Revealing one is two deliberate steps (Reveal, then confirm)
 * and fetches that one key's value (`POST /api/v1/secret-key`); the value lives in this
 * component's state only, so it is gone when the panel closes or another object opens, and the
 * engine and its store never see it.
 */
import { useEffect, useRef, useState } from 'react';
import { useScopeCluster } from '../hooks/clusters.js';
import { revealSecretKey } from '../lib/api.js';

/** The keys of a Secret as the backend serves it (values redacted): `data` and `stringData`. */
export function secretKeysOf(object: Record<string, unknown>): string[] {
  const keys = new Set<string>();
  for (const field of ['data', 'stringData']) {
    const value = object[field];
    if (value && typeof value === 'object' && !Array.isArray(value)) for (const k of Object.keys(value)) keys.add(k);
  }
  return [...keys].sort();
}

type KeyState = { readonly step: 'hidden' } | { readonly step: 'confirming' } | { readonly step: 'fetching' } | { readonly step: 'shown'; readonly value: string; readonly binary: boolean } | { readonly step: 'failed'; readonly reason: string };

export function SecretKeys({ namespace, name, keys }: { namespace: string; name: string; keys: readonly string[] }) {
  const [states, setStates] = useState<ReadonlyMap<string, KeyState>>(new Map());
  const cluster = useScopeCluster();
  const aborts = useRef(new Set<AbortController>());
  useEffect(() => {
    const pending = aborts.current;
    return () => {
      for (const abort of pending) abort.abort();
    };
  }, []);
  const set = (key: string, state: KeyState) => setStates((s) => new Map(s).set(key, state));

  async function reveal(key: string) {
    set(key, { step: 'fetching' });
    const abort = new AbortController();
    aborts.current.add(abort);
    try {
      const revealed = await revealSecretKey({ namespace, name, key }, abort.signal, cluster);
      if (!abort.signal.aborted) set(key, { step: 'shown', value: revealed.value, binary: revealed.encoding === 'base64' });
    } catch (error) {
      if (!abort.signal.aborted) set(key, { step: 'failed', reason: error instanceof Error ? error.message : String(error) });
    } finally {
      aborts.current.delete(abort);
    }
  }

  return (
    <div className="secret-keys" role="group" aria-label={`Keys of Secret ${name}`} data-testid="secret-keys">
      <div className="muted small">Values are not sent to the browser unless you reveal one key.</div>
      <ul>
        {keys.map((key) => {
          const state = states.get(key) ?? { step: 'hidden' };
          return (
            <li key={key} data-testid={`secret-key-${key}`} className="secret-key">
              <span className="mono strong">{key}</span>
              {state.step === 'shown' ? (
                <>
                  <pre className="secret-value" data-testid={`secret-value-${key}`}>
                    {state.value}
                  </pre>
                  {state.binary ? <span className="muted small">(not text: shown as base64)</span> : null}
                  <button type="button" className="small" onClick={() => set(key, { step: 'hidden' })} aria-label={`Hide ${key}`}>
                    Hide
                  </button>
                </>
              ) : state.step === 'confirming' ? (
                <span className="confirm" role="group" aria-label={`Reveal ${key}?`}>
                  <span>
                    Show the value of <span className="mono">{key}</span>? It is fetched from the cluster and shown until this panel closes.
                  </span>
                  <button type="button" className="small danger" onClick={() => void reveal(key)} data-testid={`confirm-reveal-${key}`} autoFocus>
                    Reveal value
                  </button>
                  <button type="button" className="small" onClick={() => set(key, { step: 'hidden' })}>
                    Cancel
                  </button>
                </span>
              ) : (
                <>
                  <span className="mono muted" aria-label="hidden value">
                    ••••••••
                  </span>
                  <button
                    type="button"
                    className="small"
                    disabled={state.step === 'fetching'}
                    onClick={() => set(key, { step: 'confirming' })}
                    data-testid={`reveal-${key}`}
                    aria-label={`Reveal ${key}`}
                  >
                    {state.step === 'fetching' ? 'Fetching…' : 'Reveal'}
                  </button>
                  {state.step === 'failed' ? <span className="bad small">{state.reason}</span> : null}
                </>
              )}
            </li>
          );
        })}
      </ul>
    </div>
  );
}
