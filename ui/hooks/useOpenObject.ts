/**
 * React's side of lib/openObject.ts: the open object, followed from render to render. `id` is
 * whatever names the selection in the view (namespace/name, with kind or cluster where the view
 * needs them); another id starts afresh, so nothing of the previously open object is held.
 */
import { useState } from 'react';
import { followOpenObject, type OpenObject } from '../lib/openObject.js';
import { useEngine } from './engine.js';

export function useOpenObject<R extends { readonly uid: string }>(id: string | null, found: R | undefined): OpenObject<R> | null {
  const clock = useEngine().clock;
  const [held, setHeld] = useState<{ id: string | null; open: OpenObject<R> | null }>({ id: null, open: null });
  const previous = held.id === id ? held.open : null;
  const open = id === null ? null : followOpenObject(previous, found, clock.now());
  // Kept from the previous render, as React documents for state derived from props: the setter
  // called while rendering re-renders at once, before anything is painted.
  if (held.id !== id || held.open !== open) setHeld({ id, open });
  return open;
}
