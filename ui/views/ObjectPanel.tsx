/**
 * One object, whole, as YAML (`GET /api/v1/object...`), below the list it was opened from.
 * Objects are not streamed whole; the list's row is, and it carries the object's
 * resourceVersion. So the panel fetches when it opens and again whenever that resourceVersion
 * moves: it stays as live as the list without polling. When the row disappears the object was
 * deleted, and the panel says so over the last YAML it had.
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
import { toYaml } from '../lib/yaml.js';
import { SecretKeys, secretKeysOf } from './SecretKeys.js';

interface Fetched {
  readonly yaml: string;
  readonly resourceVersion: string;
  readonly at: string;
  /** A Secret's keys (its values are redacted); empty for anything else. */
  readonly secretKeys: readonly string[];
}

function problemText(error: unknown, ref: ObjectRef): string {
  if (error instanceof ApiError && error.status === 404) return `${ref.name} is not in the cluster any more: it was deleted.`;
  if (error instanceof ApiError) return error.message;
  return String(error);
}

function isSecret(ref: ObjectRef): boolean {
  return ref.domain === 'core/v1/secrets' || ref.resource === 'secrets';
}

/**
 * `resourceVersion`: the list row's, as the stream keeps it; null once the row is gone.
 * `switcher`: controls the parent places in the panel's toolbar (the Pods view's Logs | YAML).
 */
export function ObjectPanel({
  target,
  resourceVersion,
  onClose,
  switcher,
  actions,
  aside,
}: {
  target: ObjectRef;
  resourceVersion: string | null;
  onClose: () => void;
  switcher?: ReactNode;
  /** Buttons that act on the object (Drain, Restart, Scale...: components/ActionButton). */
  actions?: ReactNode;
  aside?: ReactNode;
}) {
  const now = useNow();
  const cluster = useScopeCluster();
  const [fetched, setFetched] = useState<Fetched | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const key = `${cluster ?? ''}:${target.domain ?? target.resource}/${target.namespace}/${target.name}`;

  // Another object: nothing of the previous one may show.
  useEffect(() => {
    setFetched(null);
    setProblem(null);
  }, [key]);

  useEffect(() => {
    if (resourceVersion === null) return; // deleted: nothing newer to fetch
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
        setProblem(problemText(error, target));
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
    <aside className="details" aria-label={`YAML of ${where}`} data-testid="object-panel" data-resource-version={fetched?.resourceVersion ?? ''}>
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
      {resourceVersion === null ? (
        <div className="problem problem-warning" role="status" data-testid="object-deleted">
          {fetched ? `${where} is gone from the list: it was deleted. This is its last known state.` : `${where} is not in the list: it was deleted, or never existed.`}
        </div>
      ) : null}
      {problem ? (
        <div className="problem problem-error" role="alert">
          {problem}
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
