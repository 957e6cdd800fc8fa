/**
 * The demo cluster's users: who each bearer token is, the expiring tokens the credential plugin
 * is issued, and the RBAC objects that give each user what it may do.
 *
 * | kubeconfig user | identity | may | credential |
 * | --- | --- | --- | --- |
 * | `kubelive-demo` | `kubelive-demo`, group `system:masters` | everything | static token (the one kubelive always had) |
 * | `…-jane` | `jane` | read everything, and change pods and Deployments, in two namespaces; list namespaces | static token |
 * | `…-viewer` | `viewer` | read everything, change nothing | static token |
 * | `…-rotating` | `rotating` | read everything | a token that expires (a minute by default), renewed by `bin/kubelive-demo-credential` |
 * | (none) | `system:serviceaccount:NS:NAME` | what RBAC binds to the service account | a token issued at `POST /_demo/serviceaccount-token`, as the kubelet gets one for a pod |
 *
 * The bindings are ordinary stored objects: kubectl as the admin can delete or add bindings and
 * the next request is decided by what is stored then.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { UserInfo } from './rbac.js';
import { privilegedGroup } from './rbac.js';
import type { KubeObject } from './store.js';
import type { Stores } from './stores.js';

export const authenticated = 'system:authenticated';

export const adminUser: UserInfo = { name: 'kubelive-demo', groups: [privilegedGroup, authenticated] };
export const namespaceUser: UserInfo = { name: 'jane', groups: ['kubelive-demo:developers', authenticated] };
export const readOnlyUser: UserInfo = { name: 'viewer', groups: ['kubelive-demo:viewers', authenticated] };
export const rotatingUser: UserInfo = { name: 'rotating', groups: ['kubelive-demo:viewers', authenticated] };

/** How long an issued token lives unless the cluster is told otherwise. */
export const defaultTokenLifetimeMs = 60_000;

/** The static credentials of one start: tokens for the admin, jane and viewer, and the rotating user's refresh secret. */
export interface DemoCredentials {
  readonly admin: string;
  readonly namespaceUser: string;
  readonly readOnly: string;
  /** Shown only to the credential plugin (through the kubeconfig's exec env), which trades it for a token. */
  readonly rotatingRefresh: string;
}

export interface IssuedToken {
  readonly token: string;
  /** RFC 3339, to the second, as ExecCredential's `status.expirationTimestamp`. */
  readonly expirationTimestamp: string;
}

const digest = (token: string): string => createHash('sha256').update(token).digest('hex');

/**
 * Authenticator knows who a bearer token belongs to. Tokens are looked up by their SHA-256, so
 * the lookup takes the same time whatever the guess. Issued tokens are forgotten once expired.
 */
export class Authenticator {
  private readonly static = new Map<string, UserInfo>();
  private readonly refreshers = new Map<string, UserInfo>();
  private readonly issued = new Map<string, { user: UserInfo; expiresAt: number }>();
  readonly credentials: DemoCredentials;
  /** Tokens issued since the start: tells a test whether a client ran its credential plugin again. */
  issuedCount = 0;

  constructor(
    adminToken: string,
    private readonly tokenLifetimeMs: number = defaultTokenLifetimeMs,
    private readonly now: () => number = Date.now,
  ) {
    const fresh = () => randomBytes(24).toString('base64url');
    this.credentials = { admin: adminToken, namespaceUser: fresh(), readOnly: fresh(), rotatingRefresh: fresh() };
    this.static.set(digest(adminToken), adminUser);
    this.static.set(digest(this.credentials.namespaceUser), namespaceUser);
    this.static.set(digest(this.credentials.readOnly), readOnlyUser);
    this.refreshers.set(digest(this.credentials.rotatingRefresh), rotatingUser);
  }

  /** The user an `Authorization` header names, or undefined (a 401). */
  authenticate(header: string | undefined): UserInfo | undefined {
    const token = bearer(header);
    if (token === undefined) return undefined;
    const key = digest(token);
    const known = this.static.get(key);
    if (known) return known;
    const issued = this.issued.get(key);
    if (!issued) return undefined;
    if (issued.expiresAt <= this.now()) {
      this.issued.delete(key);
      return undefined;
    }
    return issued.user;
  }

  /** A new token for the holder of a refresh secret, expiring on a whole second (RFC 3339 has no need of more). */
  issue(header: string | undefined): IssuedToken | undefined {
    const secret = bearer(header);
    const user = secret === undefined ? undefined : this.refreshers.get(digest(secret));
    if (!user) return undefined;
    return this.issueFor(user, this.tokenLifetimeMs);
  }

  /**
   * A token for a service account, as TokenRequest gives the kubelet one for a pod: the user
   * `system:serviceaccount:NS:NAME` in the groups `system:serviceaccounts` and
   * `system:serviceaccounts:NS`, authorised by RBAC like anyone else.
   */
  issueServiceAccountToken(namespace: string, name: string, lifetimeMs: number): IssuedToken {
    return this.issueFor(serviceAccountUser(namespace, name), lifetimeMs);
  }

  private issueFor(user: UserInfo, lifetimeMs: number): IssuedToken {
    const now = this.now();
    for (const [key, t] of this.issued) if (t.expiresAt <= now) this.issued.delete(key);
    const expiresAt = Math.ceil((now + lifetimeMs) / 1000) * 1000;
    const token = randomBytes(24).toString('base64url');
    this.issued.set(digest(token), { user, expiresAt });
    this.issuedCount++;
    return { token, expirationTimestamp: new Date(expiresAt).toISOString().replace(/\.\d{3}Z$/, 'Z') };
  }

  /** Forgets one issued token (a service account token of a pod that was deleted, say): its next request is a 401. */
  revoke(token: string): void {
    this.issued.delete(digest(token));
  }

  /** Forgets every issued token at once, as an identity provider rotating its keys would: a client holding one gets 401. */
  revokeIssued(): void {
    this.issued.clear();
  }
}

/** Who a service account's token authenticates as (serviceaccount.UserInfo in kube-apiserver). */
export function serviceAccountUser(namespace: string, name: string): UserInfo {
  return { name: `system:serviceaccount:${namespace}:${name}`, groups: ['system:serviceaccounts', `system:serviceaccounts:${namespace}`, authenticated] };
}

function bearer(header: string | undefined): string | undefined {
  if (header === undefined || !header.startsWith('Bearer ')) return undefined;
  const token = header.slice('Bearer '.length).trim();
  return token === '' ? undefined : token;
}

/** The namespaces jane may use: the first two app namespaces the cluster has (`shop`, `payments` by default). */
export function namespacesOfNamespaceUser(stores: Stores): string[] {
  const names = [...stores.namespaces.values()].map((n) => n.metadata.name).filter((n) => n !== 'kube-system' && n !== 'default');
  const preferred = ['shop', 'payments'].filter((n) => names.includes(n));
  const chosen = [...preferred, ...names.filter((n) => !preferred.includes(n))].slice(0, 2);
  return chosen.length > 0 ? chosen : ['default'];
}

const rbac = 'rbac.authorization.k8s.io';
const bootstrap = { 'kubernetes.io/bootstrapping': 'rbac-defaults' };

function role(kind: 'ClusterRole' | 'Role', name: string, rules: object[], namespace?: string, labels?: Record<string, string>): KubeObject {
  return {
    apiVersion: `${rbac}/v1`,
    kind,
    metadata: { name, ...(namespace ? { namespace } : {}), uid: randomUUID(), resourceVersion: '', creationTimestamp: '', ...(labels ? { labels } : {}) },
    rules,
  };
}

function binding(kind: 'ClusterRoleBinding' | 'RoleBinding', name: string, roleRef: { kind: 'ClusterRole' | 'Role'; name: string }, subjects: { kind: 'User' | 'Group'; name: string }[], namespace?: string, labels?: Record<string, string>): KubeObject {
  return {
    apiVersion: `${rbac}/v1`,
    kind,
    metadata: { name, ...(namespace ? { namespace } : {}), uid: randomUUID(), resourceVersion: '', creationTimestamp: '', ...(labels ? { labels } : {}) },
    roleRef: { apiGroup: rbac, ...roleRef },
    subjects: subjects.map((s) => ({ apiGroup: rbac, ...s })),
  };
}

const read = ['get', 'list', 'watch'];

/**
 * The roles every authenticated user has on a real cluster (kube-apiserver's bootstrap policy:
 * discovery, the self reviews, version and health), and the demo users' own. Added at start,
 * before anyone can watch; a name the content already has is left as it is.
 */
export function seedUserRbac(stores: Stores, now: string): void {
  const namespaces = namespacesOfNamespaceUser(stores);
  const objects: KubeObject[] = [
    role('ClusterRole', 'system:discovery', [{ verbs: ['get'], nonResourceURLs: ['/api', '/api/*', '/apis', '/apis/*', '/healthz', '/livez', '/openapi', '/openapi/*', '/readyz', '/version', '/version/'] }], undefined, bootstrap),
    role('ClusterRole', 'system:basic-user', [{ verbs: ['create'], apiGroups: ['authorization.k8s.io'], resources: ['selfsubjectaccessreviews', 'selfsubjectrulesreviews'] }, { verbs: ['create'], apiGroups: ['authentication.k8s.io'], resources: ['selfsubjectreviews'] }], undefined, bootstrap),
    role('ClusterRole', 'system:public-info-viewer', [{ verbs: ['get'], nonResourceURLs: ['/healthz', '/livez', '/readyz', '/version', '/version/'] }], undefined, bootstrap),
    binding('ClusterRoleBinding', 'system:discovery', { kind: 'ClusterRole', name: 'system:discovery' }, [{ kind: 'Group', name: authenticated }], undefined, bootstrap),
    binding('ClusterRoleBinding', 'system:basic-user', { kind: 'ClusterRole', name: 'system:basic-user' }, [{ kind: 'Group', name: authenticated }], undefined, bootstrap),
    binding('ClusterRoleBinding', 'system:public-info-viewer', { kind: 'ClusterRole', name: 'system:public-info-viewer' }, [{ kind: 'Group', name: authenticated }], undefined, bootstrap),
    role('ClusterRole', 'kubelive-demo:read-only', [{ verbs: read, apiGroups: ['*'], resources: ['*'] }]),
    role('ClusterRole', 'kubelive-demo:namespace-developer', [
      { verbs: read, apiGroups: ['*'], resources: ['*'] },
      { verbs: ['create', 'delete', 'patch', 'update'], apiGroups: [''], resources: ['pods', 'pods/eviction'] },
      { verbs: ['patch', 'update'], apiGroups: ['apps'], resources: ['deployments', 'deployments/scale'] },
    ]),
    // Seeing which namespaces exist is what lets a tool find the ones a user may work in.
    role('ClusterRole', 'kubelive-demo:namespace-reader', [{ verbs: read, apiGroups: [''], resources: ['namespaces'] }]),
    binding('ClusterRoleBinding', 'kubelive-demo:developers', { kind: 'ClusterRole', name: 'kubelive-demo:namespace-reader' }, [{ kind: 'Group', name: 'kubelive-demo:developers' }]),
    binding('ClusterRoleBinding', 'kubelive-demo:viewers', { kind: 'ClusterRole', name: 'kubelive-demo:read-only' }, [{ kind: 'Group', name: 'kubelive-demo:viewers' }]),
    ...namespaces.map((ns) => binding('RoleBinding', 'jane-developer', { kind: 'ClusterRole', name: 'kubelive-demo:namespace-developer' }, [{ kind: 'User', name: namespaceUser.name }], ns)),
  ];
  for (const object of objects) {
    const resource = object.kind === 'ClusterRole' ? `clusterroles.${rbac}` : object.kind === 'Role' ? `roles.${rbac}` : object.kind === 'ClusterRoleBinding' ? `clusterrolebindings.${rbac}` : `rolebindings.${rbac}`;
    const store = stores.byName(resource);
    if (store.get(object.metadata.namespace, object.metadata.name)) continue;
    object.metadata.creationTimestamp = now;
    store.create(object);
  }
}
