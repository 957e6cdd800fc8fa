/**
 * The header's identity: which cluster the dashboard is on and as whom it acts, always in view,
 * so nobody cordons a node believing they are on another cluster. Compact (context, user,
 * server's host), with everything in the title: the context, its cluster and user entries, the
 * server, and the user and groups as the API server names them (`GET /api/v1/identity`).
 */
import { useEffect, useState } from 'react';
import type { IdentityBody } from '../../adapters/protocol.js';
import { fetchIdentity } from '../lib/api.js';

/** A backend that did not answer is asked again this often: it is one small request. */
const identityRetryMs = 5_000;
/**
 * The kubeconfig can be rewritten under a running backend (another current context, another
 * user), so the answer is asked again now and then; the backend asks the API server only
 * after such a change.
 */
const identityRefreshMs = 30_000;

function useIdentity(cluster: string | null): IdentityBody | null {
  const [identity, setIdentity] = useState<IdentityBody | null>(null);
  useEffect(() => {
    const controller = new AbortController();
    let retry: ReturnType<typeof setTimeout> | undefined;
    const ask = () =>
      fetchIdentity(controller.signal, cluster).then(
        (answer) => {
          // The same answer keeps the same object, so the header does not render for nothing.
          setIdentity((known) => (JSON.stringify(known) === JSON.stringify(answer) ? known : answer));
          retry = setTimeout(ask, identityRefreshMs);
        },
        () => {
          if (!controller.signal.aborted) retry = setTimeout(ask, identityRetryMs);
        },
      );
    void ask();
    return () => {
      controller.abort();
      clearTimeout(retry);
    };
  }, [cluster]);
  return identity;
}

function hostOf(server: string): string {
  try {
    return new URL(server).host;
  } catch {
    return server;
  }
}

/** The whole identity, one fact a line, for the title. */
export function identityTitle(identity: IdentityBody): string {
  const user = identity.user
    ? `User: ${identity.user.username}${identity.user.groups.length > 0 ? ` (groups: ${identity.user.groups.join(', ')})` : ''}`
    : `User: not named by the API server (kubeconfig user ${identity.userEntry})`;
  return [
    `Context: ${identity.context}${identity.inCluster ? ' (the pod’s service account)' : ''}${identity.demo ? ' (the embedded demo cluster)' : ''}`,
    `Cluster: ${identity.clusterEntry}, server ${identity.server}`,
    user,
    `Kubeconfig user: ${identity.userEntry}`,
  ].join('\n');
}

/** `cluster`: whose identity (null: the backend's default cluster); a page showing several clusters shows one each. */
export function Identity({ cluster = null }: { cluster?: string | null }) {
  const identity = useIdentity(cluster);
  if (!identity) {
    return (
      <span className="identity" data-testid="identity" data-cluster={cluster ?? ''} data-state="unknown" title="Asking the backend which cluster and user…">
        <span className="identity-part identity-context">…</span>
      </span>
    );
  }
  const user = identity.user?.username ?? identity.userEntry;
  return (
    <span
      className="identity"
      data-testid="identity"
      data-cluster={cluster ?? ''}
      data-state="known"
      data-context={identity.context}
      data-user={user}
      data-server={identity.server}
      title={identityTitle(identity)}
      tabIndex={0}
      role="group"
      aria-label={`Cluster ${identity.context}, user ${user}, server ${identity.server}`}
    >
      <span className="identity-part identity-context" data-testid="identity-context">
        {identity.context}
      </span>
      <span className="identity-part identity-user" data-testid="identity-user">
        {user}
      </span>
      <span className="identity-part identity-server" data-testid="identity-server">
        {hostOf(identity.server)}
      </span>
    </span>
  );
}
