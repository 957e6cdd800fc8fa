/**
 * The object a panel is open on, found by the name the route gives it and held past its
 * deletion. While the list carries a row of that name, the panel shows that row's object. When
 * the list drops it, the panel keeps the row last seen, marked gone at the moment the list let
 * go, so its last YAML and the Events about it (a deleted pod's `Killing`, and what follows) stay
 * in front of the operator who was looking at it.
 *
 * An object created again under the same name is another object (another uid). The route names
 * namespace/name, as `kubectl get pod <name>` does, so the panel moves to the new object, and
 * remembers the uid of the one it replaced so it can say so.
 */
export interface OpenObject<R> {
  readonly row: R;
  /** When the list dropped it (ms since the epoch); null while the list carries it. */
  readonly goneAt: number | null;
  /** The uid of the object of this name the panel showed before, deleted since; null if none. */
  readonly replaced: string | null;
}

/**
 * The next state of an open object, from the previous one (null: nothing of this name seen yet)
 * and the list's row of that name now (undefined: the list has none). `at` is now. Returns the
 * previous state itself when nothing moved, so a caller may compare by identity.
 */
export function followOpenObject<R extends { readonly uid: string }>(open: OpenObject<R> | null, found: R | undefined, at: number): OpenObject<R> | null {
  if (found) {
    if (open && open.row === found && open.goneAt === null) return open;
    const replaced = open && open.row.uid !== found.uid ? open.row.uid : (open?.replaced ?? null);
    return { row: found, goneAt: null, replaced };
  }
  if (!open || open.goneAt !== null) return open;
  return { ...open, goneAt: at };
}
