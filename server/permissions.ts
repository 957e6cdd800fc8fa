/**
 * Permissions knows, for each resource a view shows, where the kubeconfig's user may list and
 * watch it: everywhere (one cluster-wide list-watch, as before), or only in some namespaces (one
 * list-watch per permitted namespace behind the same view: a partial view), or nowhere.
 *
 * How it finds out, per resource, on the first view of it and again every
 * `permissionsRecheckMs` (60 s) while some view holds it:
 * 1. SelfSubjectAccessReview: may the user `list` and `watch` it at the cluster scope? Both yes:
 *    cluster-wide. A server that cannot answer (no authorization.k8s.io, an error) is taken as
 *    yes, so the list-watch itself tells (a 403 then shows the view `forbidden`, as before).
 * 2. Otherwise the candidate namespaces: every namespace, when the user may list them; the
 *    kubeconfig context's namespace; the namespaces views are scoped to; and the explicit list of
 *    the `namespaces` setting (`--namespaces a,b`), the last resort for a user who may list no
 *    namespaces and works in several.
 * 3. For each candidate, one SelfSubjectRulesReview (shared by every resource in the round, so a
 *    round costs one request per namespace, not per namespace and resource): its rules permit
 *    list and watch of the resource, or they do not. A review the server marks `incomplete`
 *    (another authorizer beside RBAC), or that fails, is checked with SelfSubjectAccessReviews
 *    for that resource and namespace instead.
 *
 * A change of the answer (a RoleBinding created or deleted) is told to listeners, who re-plan
 * their views: a grant or revocation shows up within one recheck, without a restart.
 */
import { KubeApiError, type KubeClient } from '../adapters/kube/client.js';

/** A resource as authorization names it: `{group: 'apps', resource: 'deployments'}`. */
export interface ResourceRef {
  readonly group: string;
  readonly resource: string;
}

export type AccessSource = 'namespace list' | 'context namespace' | 'view scope' | 'namespaces setting';

export interface RefusedNamespace {
  readonly namespace: string;
  readonly reason: string;
}

export type NamespaceAccess =
  | { readonly kind: 'cluster' }
  | {
      readonly kind: 'namespaces';
      /** Where list and watch are both permitted, sorted. */
      readonly permitted: readonly string[];
      /** The other candidates, and why each is refused. */
      readonly refused: readonly RefusedNamespace[];
      /** How many namespaces the cluster has, when the user may list them; null otherwise. */
      readonly total: number | null;
      /** Where the candidates came from. */
      readonly sources: readonly AccessSource[];
      /** Why the cluster-wide list is not allowed (the review's words). */
      readonly clusterWideRefusal: string;
    };

export interface PermissionsOptions {
  readonly client: KubeClient;
  /** How often held resources are checked again. */
  readonly recheckMs: () => number;
  /** The kubeconfig context's namespace, if it names one. */
  readonly contextNamespace?: () => string | undefined;
  /** The explicit list (`--namespaces`), tried when nothing else names a namespace the user may use. */
  readonly namespaces?: readonly string[];
  /** Reviews in flight at once: a round over 500 namespaces must not queue 500 requests on the API server. */
  readonly concurrency?: number;
}

interface RulesReview {
  readonly resourceRules: readonly { verbs?: string[]; apiGroups?: string[]; resources?: string[]; resourceNames?: string[] }[];
  readonly incomplete: boolean;
}

const refKey = (ref: ResourceRef): string => (ref.group === '' ? ref.resource : `${ref.resource}.${ref.group}`);
const needed = ['list', 'watch'] as const;

/** Whether a rules review's rules permit a verb on a resource (no resourceNames: a list names no object). */
export function rulesPermit(rules: RulesReview['resourceRules'], ref: ResourceRef, verb: string): boolean {
  return rules.some(
    (r) =>
      (r.verbs ?? []).some((v) => v === '*' || v === verb) &&
      (r.apiGroups ?? []).some((g) => g === '*' || g === ref.group) &&
      (r.resources ?? []).some((x) => x === '*' || x === ref.resource) &&
      (r.resourceNames ?? []).length === 0,
  );
}

interface Entry {
  readonly ref: ResourceRef;
  holders: number;
  access: NamespaceAccess | undefined;
  checking: Promise<NamespaceAccess> | null;
  checkedAt: number | null;
  lastError: string | null;
  /** Namespaces views of this resource are scoped to, with how many views each. */
  readonly scopes: Map<string, number>;
  /** A check out of the round, after a refusal (recheckSoon). */
  soon: NodeJS.Timeout | null;
}

/** Out-of-round checks of one resource come at most this often: a refusal may repeat every probe. */
const minRecheckMs = 5_000;

export class Permissions {
  private readonly entries = new Map<string, Entry>();
  private readonly listeners = new Set<(ref: ResourceRef) => void>();
  private timer: NodeJS.Timeout | null = null;
  private rounds = 0;
  private requests = 0;
  /** Who the API server says the kubeconfig's user is (SelfSubjectReview), once asked; null when it cannot say. */
  private identity: { username: string; groups: string[] } | null = null;
  private identityAsked: Promise<void> | null = null;
  /** The client's reload and renewal counts when the identity was asked. */
  private identityReading = '';

  constructor(private readonly options: PermissionsOptions) {}

  /** Hears that a resource's access changed: views of it should be planned again. */
  onChange(listener: (ref: ResourceRef) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The last answer for a resource, or undefined before its first check. */
  current(ref: ResourceRef): NamespaceAccess | undefined {
    return this.entries.get(refKey(ref))?.access;
  }

  /** The answer for a resource: the last one while it is fresh, else a check (shared by concurrent callers). */
  async access(ref: ResourceRef, scope: string | null = null): Promise<NamespaceAccess> {
    void this.whoami();
    const entry = this.entry(ref);
    // A view scoped to a namespace the last check did not consider is worth a check, but at most
    // every few seconds: a client naming made-up namespaces must not set the pace of reviews.
    const sinceCheck = entry.checkedAt === null ? Infinity : Date.now() - entry.checkedAt;
    const newScope =
      scope !== null && sinceCheck >= minRecheckMs && !entry.scopes.has(scope) && entry.access?.kind === 'namespaces' && !entry.access.permitted.includes(scope) && !entry.access.refused.some((r) => r.namespace === scope);
    if (entry.access && !newScope && sinceCheck < this.options.recheckMs()) return entry.access;
    return this.check(entry, scope);
  }

  /** Every namespace some resource's partial access permits, sorted: where a user limited to namespaces works. */
  permittedNamespaces(): string[] {
    const all = new Set<string>();
    for (const entry of this.entries.values()) if (entry.access?.kind === 'namespaces') for (const n of entry.access.permitted) all.add(n);
    return [...all].sort();
  }

  /** Keeps a resource rechecked while a view shows it (scoped to `scope`, or all namespaces when null). */
  hold(ref: ResourceRef, scope: string | null = null): void {
    const entry = this.entry(ref);
    entry.holders++;
    if (scope !== null) entry.scopes.set(scope, (entry.scopes.get(scope) ?? 0) + 1);
    this.schedule();
  }

  release(ref: ResourceRef, scope: string | null = null): void {
    const entry = this.entries.get(refKey(ref));
    if (!entry) return;
    entry.holders = Math.max(0, entry.holders - 1);
    if (scope !== null) {
      const n = (entry.scopes.get(scope) ?? 1) - 1;
      if (n <= 0) entry.scopes.delete(scope);
      else entry.scopes.set(scope, n);
    }
  }

  /**
   * Checks a resource again soon, out of the round: one of its list-watches was refused (403),
   * so a revocation probably happened. At most once per `minRecheckMs` per resource, so a
   * refusal that repeats cannot make a loop of reviews.
   */
  recheckSoon(ref: ResourceRef): void {
    const entry = this.entries.get(refKey(ref));
    if (!entry || entry.checking || entry.soon) return;
    const wait = entry.checkedAt === null ? 0 : Math.max(0, entry.checkedAt + minRecheckMs - Date.now());
    entry.soon = setTimeout(() => {
      entry.soon = null;
      void this.check(entry, null);
    }, wait);
    entry.soon.unref();
  }

  /** Checks every held resource now (the recheck round; tests call it to skip the wait). */
  async recheck(): Promise<void> {
    this.rounds++;
    const held = [...this.entries.values()].filter((e) => e.holders > 0);
    // One rules review per namespace serves every resource of the round.
    const reviews = new Map<string, Promise<RulesReview | null>>();
    await Promise.all(held.map((entry) => this.check(entry, null, reviews).catch(() => undefined)));
  }

  /**
   * Asks the API server who we are (authentication.k8s.io/v1 SelfSubjectReview, `kubectl auth
   * whoami`; GA in Kubernetes 1.28), once per reading of the credentials: what a header naming
   * the user should show.
   */
  whoami(): Promise<{ username: string; groups: string[] } | null> {
    // A kubeconfig read again (another current context, a rotated token) may be someone else:
    // ask again, once per reading, so the header never names the previous user.
    const reading = `${this.options.client.reloads}/${this.options.client.credentialRenewals}`;
    if (reading !== this.identityReading) {
      this.identityReading = reading;
      this.identityAsked = null;
    }
    this.identityAsked ??= (async () => {
      try {
        this.requests++;
        const review = await this.options.client.requestJson<{ status?: { userInfo?: { username?: string; groups?: string[] } } }>('POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', {
          body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' },
        });
        const info = review.status?.userInfo;
        this.identity = info?.username ? { username: info.username, groups: [...(info.groups ?? [])] } : null;
      } catch {
        // An older server, or one that refuses it: the user is unnamed (never the previous one).
        this.identity = null;
      }
    })();
    return this.identityAsked.then(() => this.identity);
  }

  diagnostics(now = Date.now()) {
    return {
      /** As the API server named us (null until asked, or when it cannot say). */
      user: this.identity,
      recheckMs: this.options.recheckMs(),
      rounds: this.rounds,
      reviewRequests: this.requests,
      namespacesSetting: [...(this.options.namespaces ?? [])],
      resources: [...this.entries.values()].map((e) => ({
        resource: refKey(e.ref),
        views: e.holders,
        checkedAgoMs: e.checkedAt === null ? null : now - e.checkedAt,
        lastError: e.lastError,
        access: e.access ?? null,
      })),
    };
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    for (const entry of this.entries.values()) if (entry.soon) clearTimeout(entry.soon);
    this.listeners.clear();
  }

  private entry(ref: ResourceRef): Entry {
    const key = refKey(ref);
    let entry = this.entries.get(key);
    if (!entry) {
      entry = { ref, holders: 0, access: undefined, checking: null, checkedAt: null, lastError: null, scopes: new Map(), soon: null };
      this.entries.set(key, entry);
    }
    return entry;
  }

  /** The recheck timer runs while anything is held, one round at a time. */
  private schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      if (![...this.entries.values()].some((e) => e.holders > 0)) return;
      void this.recheck().finally(() => this.schedule());
    }, this.options.recheckMs());
    this.timer.unref();
  }

  private check(entry: Entry, scope: string | null, reviews = new Map<string, Promise<RulesReview | null>>()): Promise<NamespaceAccess> {
    if (entry.checking) return entry.checking;
    const checking: Promise<NamespaceAccess> = this.decide(entry.ref, scope === null ? [...entry.scopes.keys()] : [...entry.scopes.keys(), scope], reviews).then(
      (access): NamespaceAccess => {
        entry.checking = null;
        entry.checkedAt = Date.now();
        entry.lastError = null;
        const changed = entry.access !== undefined && JSON.stringify(entry.access) !== JSON.stringify(access);
        entry.access = access;
        if (changed) for (const listener of this.listeners) listener(entry.ref);
        return access;
      },
      (error: unknown): NamespaceAccess => {
        entry.checking = null;
        entry.lastError = error instanceof Error ? error.message : String(error);
        // Keep the last answer through a failed check; with none, let the list-watch tell.
        return entry.access ?? { kind: 'cluster' };
      },
    );
    entry.checking = checking;
    return checking;
  }

  private async decide(ref: ResourceRef, scopes: readonly string[], reviews: Map<string, Promise<RulesReview | null>>): Promise<NamespaceAccess> {
    const clusterWide = await this.accessReview(ref, '');
    if (clusterWide.allowed) return { kind: 'cluster' };

    const sources: AccessSource[] = [];
    const candidates = new Set<string>();
    const listed = await this.namespaceNames();
    if (listed !== null) {
      sources.push('namespace list');
      for (const n of listed) candidates.add(n);
    }
    const contextNamespace = this.options.contextNamespace?.();
    if (contextNamespace) {
      sources.push('context namespace');
      candidates.add(contextNamespace);
    }
    if (scopes.length > 0) {
      sources.push('view scope');
      for (const s of scopes) candidates.add(s);
    }
    if ((this.options.namespaces ?? []).length > 0) {
      sources.push('namespaces setting');
      for (const n of this.options.namespaces ?? []) candidates.add(n);
    }

    const names = [...candidates].sort();
    const verdicts = await this.inBatches(names, async (namespace): Promise<string | null> => {
      let review = reviews.get(namespace);
      if (!review) {
        review = this.rulesReview(namespace);
        reviews.set(namespace, review);
      }
      const rules = await review;
      if (rules) {
        const missing = needed.filter((verb) => !rulesPermit(rules.resourceRules, ref, verb));
        if (missing.length === 0) return null;
        if (!rules.incomplete) return `${missing.join(' and ')} not permitted (SelfSubjectRulesReview in "${namespace}")`;
      }
      // No usable rules review: ask about this resource and namespace alone.
      const answer = await this.accessReview(ref, namespace);
      return answer.allowed ? null : answer.reason;
    });
    const permitted: string[] = [];
    const refused: RefusedNamespace[] = [];
    names.forEach((namespace, i) => {
      const reason = verdicts[i];
      if (reason === null || reason === undefined) permitted.push(namespace);
      else refused.push({ namespace, reason });
    });
    return { kind: 'namespaces', permitted, refused, total: listed === null ? null : listed.length, sources, clusterWideRefusal: clusterWide.reason };
  }

  /** May the user list and watch the resource in `namespace` ('' = cluster scope)? With the refusal's words. */
  private async accessReview(ref: ResourceRef, namespace: string): Promise<{ allowed: boolean; reason: string }> {
    const where = namespace === '' ? 'at the cluster scope' : `in the namespace "${namespace}"`;
    for (const verb of needed) {
      let status: { allowed?: boolean; reason?: string; evaluationError?: string } | undefined;
      try {
        this.requests++;
        const review = await this.options.client.requestJson<{ status?: typeof status }>('POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', {
          body: { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: { resourceAttributes: { verb, group: ref.group, resource: ref.resource, ...(namespace ? { namespace } : {}) } } },
        });
        status = review.status;
      } catch (error) {
        // A server that cannot answer reviews: take the cluster-wide list as allowed and let the
        // list-watch itself tell (a 403 shows the view forbidden, as without this component).
        if (namespace === '') return { allowed: true, reason: '' };
        return { allowed: false, reason: `could not ask whether ${refKey(ref)} may be listed ${where}: ${error instanceof Error ? error.message : String(error)}` };
      }
      if (!status?.allowed) {
        const why = status?.reason || status?.evaluationError;
        return { allowed: false, reason: `cannot ${verb} ${refKey(ref)} ${where}${why ? `: ${why}` : ''}` };
      }
    }
    return { allowed: true, reason: '' };
  }

  private async rulesReview(namespace: string): Promise<RulesReview | null> {
    try {
      this.requests++;
      const review = await this.options.client.requestJson<{ status?: { resourceRules?: RulesReview['resourceRules']; incomplete?: boolean } }>(
        'POST',
        '/apis/authorization.k8s.io/v1/selfsubjectrulesreviews',
        { body: { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectRulesReview', spec: { namespace } } },
      );
      return { resourceRules: review.status?.resourceRules ?? [], incomplete: review.status?.incomplete === true };
    } catch {
      return null;
    }
  }

  /** Every namespace's name, or null when the user may not list them. */
  private async namespaceNames(): Promise<string[] | null> {
    try {
      this.requests++;
      const names: string[] = [];
      let token: string | undefined;
      do {
        const page = await this.options.client.requestJson<{ items?: { metadata?: { name?: string } }[]; metadata?: { continue?: string } }>('GET', '/api/v1/namespaces', {
          query: { limit: 500, ...(token ? { continue: token } : {}) },
          accept: 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json',
        });
        for (const item of page.items ?? []) if (item.metadata?.name) names.push(item.metadata.name);
        token = page.metadata?.continue || undefined;
      } while (token);
      return names;
    } catch (error) {
      if (error instanceof KubeApiError && error.status === 403) return null;
      throw error;
    }
  }

  private async inBatches<T, R>(items: readonly T[], work: (item: T) => Promise<R>): Promise<R[]> {
    const results: R[] = new Array(items.length);
    let next = 0;
    const worker = async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await work(items[i] as T);
      }
    };
    await Promise.all(Array.from({ length: Math.min(items.length, this.options.concurrency ?? 4) }, worker));
    return results;
  }
}
