/**
 * One object, whole, as YAML (`GET /api/v1/object...`), below the list it was opened from.
 * Objects are not streamed whole; the list's row is, and it carries the object's
 * resourceVersion. So the panel fetches when it opens and again whenever that resourceVersion
 * moves: it stays as live as the list without polling. When the row disappears the object was
 * deleted: the view keeps it open (hooks/useOpenObject.ts), and the panel says when it went over
 * the last YAML it had, with the Events about it still beside it.
 *
 * A Secret arrives with its values redacted by the backend; the panel lists its keys, and a key's
 * value is fetched only when the user asks for it and confirms (SecretKeys). `aside` is shown
 * beside the YAML: the Events about the object.
 */
import { useEffect, useMemo, useState, type ReactNode } from 'react';
import { useScopeCluster } from '../hooks/clusters.js';
import { useNow } from '../hooks/engine.js';
import { ApiError, fetchObject, type ObjectRef } from '../lib/api.js';
import { ageSince } from '../lib/format.js';
import type { OpenObject } from '../lib/openObject.js';
import { DeletedNote, ReplacedNote } from '../components/GoneNote.js';
import { toYaml } from '../lib/yaml.js';
import { SecretKeys, secretKeysOf } from './SecretKeys.js';

interface Fetched {
  readonly yaml: string;
  readonly resourceVersion: string;
  readonly at: string;
  /** A Secret's keys (its values are redacted); empty for anything else. */
  readonly secretKeys: readonly string[];
}

interface Problem {
  readonly text: string;
  /** The object was not found: said better by the deleted note once the list has dropped it. */
  readonly notFound: boolean;
}

function problemOf(error: unknown, ref: ObjectRef): Problem {
  const notFound = error instanceof ApiError && error.status === 404;
  if (notFound) return { text: `${ref.name} is not in the cluster any more: it was deleted.`, notFound };
  return { text: error instanceof ApiError ? error.message : String(error), notFound };
}

function isSecret(ref: ObjectRef): boolean {
  return ref.domain === 'core/v1/secrets' || ref.resource === 'secrets';
}

/**
 * `open`: the object as the view follows it (hooks/useOpenObject.ts); null when the list has
 * never carried a row of this name (yet). Its row's resourceVersion moves the YAML along.
 * `switcher`: controls the parent places in the panel's toolbar (the Pods view's Logs | YAML).
 */
export function ObjectPanel({
  target,
  open,
  onClose,
  switcher,
  actions,
  aside,
}: {
  target: ObjectRef;
  open: OpenObject<{ readonly uid: string; readonly resourceVersion?: string }> | null;
  onClose: () => void;
  switcher?: ReactNode;
  /** Buttons that act on the object (Drain, Restart, Scale...: components/ActionButton). */
  actions?: ReactNode;
  aside?: ReactNode;
}) {
  const now = useNow();
  const cluster = useScopeCluster();
  const [fetched, setFetched] = useState<Fetched | null>(null);
  const [problem, setProblem] = useState<Problem | null>(null);
  // Nothing newer to fetch for an object gone from the list, or one it never carried.
  const resourceVersion = open && open.goneAt === null ? (open.row.resourceVersion ?? '') : null;
  const goneAt = open?.goneAt ?? null;
  const [loading, setLoading] = useState(false);
  const key = `${cluster ?? ''}:${target.domain ?? target.resource}/${target.namespace}/${target.name}`;

  // Another object: nothing of the previous one may show.
  useEffect(() => {
    setFetched(null);
    setProblem(null);
  }, [key]);

  useEffect(() => {
    if (resourceVersion === null) return;
    const abort = new AbortController();
    setLoading(true);
    fetchObject(target, abort.signal, cluster).then(
      (object) => {
        const metadata = (object.metadata ?? {}) as { resourceVersion?: string };
        setFetched({
          yaml: toYaml(object),
          resourceVersion: metadata.resourceVersion ?? '',
          at: new Date().toISOString(),
          secretKeys: isSecret(target) ? secretKeysOf(object) : [],
        });
        setProblem(null);
        setLoading(false);
      },
      (error: unknown) => {
        if (abort.signal.aborted) return;
        setProblem(problemOf(error, target));
        setLoading(false);
      },
    );
    return () => abort.abort();
    // target is identified by key; a new resourceVersion fetches again.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key, resourceVersion, cluster]);

  // Esc closes the panel through the page's keyboard model (hooks/useListKeys.ts), which puts
  // focus back on the list: the close button is how it finds a panel the route does not name.

  const lines = useMemo(() => (fetched ? fetched.yaml.split('\n').length - 1 : 0), [fetched]);
  const where = target.namespace ? `${target.namespace}/${target.name}` : target.name;
  return (
    <aside className={`details ${goneAt !== null ? 'gone' : ''}`} aria-label={`YAML of ${where}`} data-testid="object-panel" data-resource-version={fetched?.resourceVersion ?? ''} data-uid={open?.row.uid ?? ''}>
      <div className="toolbar">
        <h3>
          YAML <span className="mono">{where}</span>
        </h3>
        {switcher}
        <span className="count">
          {fetched ? `resourceVersion ${fetched.resourceVersion} · ${lines} lines · fetched ${ageSince(fetched.at, now)} ago` : ''}
          {loading && fetched ? ' · updating…' : ''}
        </span>
        <div className="badges">
          {actions}
          <button type="button" className="small" onClick={onClose} aria-label="Close YAML" data-testid="close-panel">
            Close
          </button>
        </div>
      </div>
      {goneAt !== null ? <DeletedNote where={where} at={goneAt} now={now} lastVersion={fetched?.resourceVersion ?? null} /> : null}
      {open === null ? (
        <div className="problem problem-warning" role="status" data-testid="object-missing">
          {where} is not in the list: it was deleted, or never existed.
        </div>
      ) : null}
      {open?.replaced && goneAt === null ? <ReplacedNote where={where} uid={open.row.uid} before={open.replaced} /> : null}
      {problem && !(problem.notFound && goneAt !== null) ? (
        <div className="problem problem-error" role="alert">
          {problem.text}
        </div>
      ) : null}
      <div className="details-body">
        <div className="details-main">
          {fetched && fetched.secretKeys.length > 0 ? <SecretKeys key={key} namespace={target.namespace} name={target.name} keys={fetched.secretKeys} /> : null}
          {fetched ? (
            <pre className="yaml" data-testid="object-yaml" tabIndex={0} aria-label={`YAML of ${where}`}>
              {fetched.yaml}
            </pre>
          ) : problem || resourceVersion === null ? null : (
            <div className="muted">Fetching {where}…</div>
          )}
        </div>
        {aside}
      </div>
    </aside>
  );
}
