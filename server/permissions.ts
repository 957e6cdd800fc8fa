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
 * 3. For candidates, one SelfSubjectRulesReview each (shared by every resource in the round, so
 *    a round costs one request per namespace, not per namespace and resource): its rules permit
 *    list and watch of the resource, or they do not. A review the server marks `incomplete`
 *    (another authorizer beside RBAC), or that fails, is checked with SelfSubjectAccessReviews
 *    for that resource and namespace instead.
 *
 * The bound: a cluster of thousands of namespaces must not cost thousands of reviews a minute.
 * The namespaces that matter most (the context's, the ones views are scoped to, the explicit
 * list, the ones permitted last time) are reviewed every round, first. The others share a budget
 * of `rulesBudget` reviews per round, taken least recently reviewed first, so successive rounds
 * walk the whole list; in a scheduled round they are spread over half the recheck period, and no
 * more are asked once a resource has as many permitted namespaces as one view can watch. At most
 * `concurrency` reviews are in flight at once. A namespace not yet reviewed keeps its last
 * verdict, or counts as `unchecked`.
 *
 * The Kubernetes API reference meant SelfSubjectRulesReview for UIs deciding what to show, not
 * for authorization decisions: here it only chooses which namespaces to try; the list-watch in
 * each is the authority, and its 403 asks for a check at once (recheckSoon).
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
      /** Candidates no review has answered yet (the round's budget ran out before them). */
      readonly unchecked?: number;
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
  /** Rules reviews per round for the namespaces beyond the most relevant ones. */
  readonly rulesBudget?: number;
  /** Past this many permitted namespaces of a resource, no more are sought: one view watches no more. */
  readonly enoughNamespaces?: number;
}

/**
 * 100 rules reviews a minute, by default: about two a second, small beside what a kubectl user
 * costs an API server, and a pass over 1,000 namespaces in ten minutes.
 */
export const defaultRulesBudget = 100;
/** A view watches at most this many namespaces (views.ts maxNamespacesPerView); more permitted ones would go unused. */
const defaultEnoughNamespaces = 64;
/** Four reviews in flight: enough to finish a first check of a small cluster at once, never a queue on the API server. */
const defaultConcurrency = 4;

/** What one round of reviews did, for Diagnostics: how far it got. */
interface RoundReport {
  readonly number: number;
  readonly kind: 'scheduled' | 'first check' | 'out of round';
  readonly startedAt: number;
  finishedAt: number | null;
  /** Rules reviews asked in the round (the most relevant namespaces, then the budget's). */
  rulesReviews: number;
  /** Of the budget for the others. */
  readonly budget: number;
  budgetSpent: number;
  /** Candidates left for a later round because the budget ran out, or the resource had enough namespaces. */
  deferred: number;
}

/** One round's shared reviews (one per namespace, whatever the resource) and its spending. */
interface Round {
  readonly report: RoundReport;
  readonly reviews: Map<string, Promise<RulesReview | null>>;
  /** Namespaces beyond the relevant ones are spread this far apart; 0 when not paced. */
  readonly spacingMs: number;
  nextStartAt: number;
  readonly deferred: Set<string>;
  /** The namespace list, read once per round. */
  namespaces: Promise<string[] | null> | null;
}

interface RulesReview {
  readonly resourceRules: readonly { verbs?: string[]; apiGroups?: string[]; resources?: string[]; resourceNames?: string[] }[];
  readonly incomplete: boolean;
}

const refKey = (ref: ResourceRef): string => (ref.group === '' ? ref.resource : `${ref.resource}.${ref.group}`);
const needed = ['list', 'watch'] as const;

/** What a SelfSubjectAccessReview answers. */
interface ReviewStatus {
  readonly allowed?: boolean;
  readonly reason?: string;
  readonly evaluationError?: string;
}

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
  /** The last verdict per candidate namespace: null when permitted, else why not. */
  readonly verdicts: Map<string, string | null>;
}

/** Out-of-round checks of one resource come at most this often: a refusal may repeat every probe. */
const minRecheckMs = 5_000;
/** What a review about to be asked of a disposed `Permissions` throws. */
const disposedMessage = 'permissions disposed: its cluster was stopped';

export class Permissions {
  private readonly entries = new Map<string, Entry>();
  private readonly listeners = new Set<(ref: ResourceRef) => void>();
  private timer: NodeJS.Timeout | null = null;
  /** Disposed (its cluster stopped): a round in progress asks nothing more, and none follows. */
  private disposed = false;
  private rounds = 0;
  private requests = 0;
  private rulesRequests = 0;
  /** When each namespace's rules were last reviewed: the budget goes to the longest unreviewed. */
  private readonly reviewedAt = new Map<string, number>();
  private lastRound: RoundReport | null = null;
  /** Reviews in flight, and those waiting for a slot. */
  private inFlight = 0;
  private readonly waiting: (() => void)[] = [];
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
    if (!entry || entry.checking || entry.soon || this.disposed) return;
    const wait = entry.checkedAt === null ? 0 : Math.max(0, entry.checkedAt + minRecheckMs - Date.now());
    entry.soon = setTimeout(() => {
      entry.soon = null;
      void this.check(entry, null, this.newRound('out of round'));
    }, wait);
    entry.soon.unref();
  }

  /** Checks every held resource now (the recheck round; tests call it to skip the wait). */
  async recheck(): Promise<void> {
    const held = [...this.entries.values()].filter((e) => e.holders > 0);
    // One rules review per namespace serves every resource of the round.
    const round = this.newRound('scheduled');
    await Promise.all(held.map((entry) => this.check(entry, null, round).catch(() => undefined)));
    round.report.finishedAt = Date.now();
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
      rulesReviewRequests: this.rulesRequests,
      rulesBudget: this.budget(),
      /** How far the last round got: reviews asked, of the budget, and candidates left for later rounds. */
      lastRound: this.lastRound && { ...this.lastRound, startedAgoMs: now - this.lastRound.startedAt, finishedAgoMs: this.lastRound.finishedAt === null ? null : now - this.lastRound.finishedAt },
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
    this.disposed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    for (const entry of this.entries.values()) if (entry.soon) clearTimeout(entry.soon);
    this.listeners.clear();
  }

  private entry(ref: ResourceRef): Entry {
    const key = refKey(ref);
    let entry = this.entries.get(key);
    if (!entry) {
      entry = { ref, holders: 0, access: undefined, checking: null, checkedAt: null, lastError: null, scopes: new Map(), soon: null, verdicts: new Map() };
      this.entries.set(key, entry);
    }
    return entry;
  }

  /** The recheck timer runs while anything is held, one round at a time. */
  private schedule(): void {
    if (this.timer || this.disposed) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      if (this.disposed || ![...this.entries.values()].some((e) => e.holders > 0)) return;
      void this.recheck().finally(() => this.schedule());
    }, this.options.recheckMs());
    this.timer.unref();
  }

  private budget(): number {
    return this.options.rulesBudget ?? defaultRulesBudget;
  }

  private newRound(kind: RoundReport['kind']): Round {
    this.rounds++;
    // Out of a round (a refusal, a new scope) only the relevant namespaces are asked: those
    // checks come at the pace of probes, not of the recheck period.
    const budget = kind === 'out of round' ? 0 : this.budget();
    const report: RoundReport = { number: this.rounds, kind, startedAt: Date.now(), finishedAt: null, rulesReviews: 0, budget, budgetSpent: 0, deferred: 0 };
    this.lastRound = report;
    // A scheduled round spreads its budget over half the period, so it ends before the next begins.
    const spacingMs = kind === 'scheduled' && budget > 0 ? this.options.recheckMs() / 2 / budget : 0;
    return { report, reviews: new Map(), spacingMs, nextStartAt: Date.now(), deferred: new Set(), namespaces: null };
  }

  /** Records an answer; listeners hear when it changed. */
  private publish(entry: Entry, access: NamespaceAccess): void {
    entry.checkedAt = Date.now();
    entry.lastError = null;
    const changed = entry.access !== undefined && JSON.stringify(entry.access) !== JSON.stringify(access);
    entry.access = access;
    if (changed) for (const listener of this.listeners) listener(entry.ref);
  }

  private check(entry: Entry, scope: string | null, round?: Round): Promise<NamespaceAccess> {
    if (entry.checking) return entry.checking;
    const scopes = scope === null ? [...entry.scopes.keys()] : [...entry.scopes.keys(), scope];
    const thisRound = round ?? this.newRound(entry.access === undefined ? 'first check' : 'out of round');
    const checking: Promise<NamespaceAccess> = this.decide(entry, scopes, thisRound).then(
      (access): NamespaceAccess => {
        entry.checking = null;
        this.publish(entry, access);
        if (!round) thisRound.report.finishedAt = Date.now();
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

  private async decide(entry: Entry, scopes: readonly string[], round: Round): Promise<NamespaceAccess> {
    const ref = entry.ref;
    const clusterWide = await this.accessReview(ref, '');
    if (clusterWide.allowed) {
      entry.verdicts.clear();
      return { kind: 'cluster' };
    }

    const sources: AccessSource[] = [];
    // The most relevant first, in this order: reviewed every round, whatever the budget.
    const relevant = new Set<string>();
    const contextNamespace = this.options.contextNamespace?.();
    if (contextNamespace) {
      sources.push('context namespace');
      relevant.add(contextNamespace);
    }
    if (scopes.length > 0) {
      sources.push('view scope');
      for (const s of scopes) relevant.add(s);
    }
    if ((this.options.namespaces ?? []).length > 0) {
      sources.push('namespaces setting');
      for (const n of this.options.namespaces ?? []) relevant.add(n);
    }
    round.namespaces ??= this.namespaceNames();
    const listed = await round.namespaces;
    if (listed !== null) sources.unshift('namespace list');
    const listedSet = new Set(listed ?? []);
    // Permitted last time: reviewed again so a revocation is seen, if the namespace still exists.
    for (const [namespace, verdict] of entry.verdicts) if (verdict === null && (listed === null || listedSet.has(namespace) || relevant.has(namespace))) relevant.add(namespace);
    const others = (listed ?? []).filter((n) => !relevant.has(n)).sort((a, b) => (this.reviewedAt.get(a) ?? -1) - (this.reviewedAt.get(b) ?? -1) || (a < b ? -1 : 1));
    const candidates = new Set([...relevant, ...others]);
    for (const namespace of entry.verdicts.keys()) if (!candidates.has(namespace)) entry.verdicts.delete(namespace);

    const verdict = (namespace: string) => this.verdictFor(ref, namespace, round).then((v) => void entry.verdicts.set(namespace, v));
    await this.inBatches([...relevant], verdict);
    const enough = this.options.enoughNamespaces ?? defaultEnoughNamespaces;
    const permittedCount = () => [...entry.verdicts.values()].filter((v) => v === null).length;
    if (others.length > 0 && round.spacingMs > 0) this.publish(entry, this.accessOf(entry, candidates, listed, sources, clusterWide.reason));
    await this.inBatches(others, async (namespace) => {
      if (!round.reviews.has(namespace) && (round.report.budgetSpent >= round.report.budget || permittedCount() >= enough)) {
        if (!round.deferred.has(namespace)) {
          round.deferred.add(namespace);
          round.report.deferred++;
        }
        return;
      }
      if (!round.reviews.has(namespace)) {
        round.report.budgetSpent++;
        await this.paced(round);
      }
      await verdict(namespace);
    });
    return this.accessOf(entry, candidates, listed, sources, clusterWide.reason);
  }

  /** The answer the verdicts give so far: permitted, refused with why, and how many are still unchecked. */
  private accessOf(entry: Entry, candidates: ReadonlySet<string>, listed: readonly string[] | null, sources: readonly AccessSource[], clusterWideRefusal: string): NamespaceAccess {
    const permitted: string[] = [];
    const refused: RefusedNamespace[] = [];
    let unchecked = 0;
    for (const namespace of [...candidates].sort()) {
      const verdict = entry.verdicts.get(namespace);
      if (verdict === undefined) unchecked++;
      else if (verdict === null) permitted.push(namespace);
      else refused.push({ namespace, reason: verdict });
    }
    return { kind: 'namespaces', permitted, refused, total: listed === null ? null : listed.length, sources: [...sources], clusterWideRefusal, unchecked };
  }

  /** Null when list and watch of the resource are permitted in the namespace, else why not. */
  private async verdictFor(ref: ResourceRef, namespace: string, round: Round): Promise<string | null> {
    let review = round.reviews.get(namespace);
    if (!review) {
      round.report.rulesReviews++;
      review = this.rulesReview(namespace);
      round.reviews.set(namespace, review);
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
  }

  /** Waits for this review's turn in a spread-out round. */
  private async paced(round: Round): Promise<void> {
    if (round.spacingMs <= 0) return;
    const startAt = Math.max(Date.now(), round.nextStartAt);
    round.nextStartAt = startAt + round.spacingMs;
    const wait = startAt - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait).unref());
    if (this.disposed) throw new Error(disposedMessage);
  }

  /** Runs one review request when a slot is free: at most `concurrency` in flight for every resource together. */
  private async limited<T>(request: () => Promise<T>): Promise<T> {
    while (this.inFlight >= (this.options.concurrency ?? defaultConcurrency)) await new Promise<void>((resolve) => this.waiting.push(resolve));
    if (this.disposed) {
      this.waiting.shift()?.();
      throw new Error(disposedMessage);
    }
    this.inFlight++;
    this.requests++;
    try {
      return await request();
    } finally {
      this.inFlight--;
      this.waiting.shift()?.();
    }
  }

  /**
   * May the user list and watch the resource in `namespace` ('' = cluster scope)? With the
   * refusal's words. At the cluster scope the two verbs are asked at once: that answer is on a
   * view's first list's path (the list is planned from it), and asking watch only after list
   * cost the cold load of 20,345 ConfigMaps a second round trip before its first page (bench row
   * 12). Per namespace (background rounds over up to hundreds of namespaces) they stay one after
   * the other, so a refused list spares the watch's review.
   */
  private async accessReview(ref: ResourceRef, namespace: string): Promise<{ allowed: boolean; reason: string }> {
    const where = namespace === '' ? 'at the cluster scope' : `in the namespace "${namespace}"`;
    const verdicts = namespace === '' ? needed.map((verb) => this.reviewVerb(ref, namespace, verb)) : null;
    for (const [i, verb] of needed.entries()) {
      const verdict = await (verdicts ? verdicts[i]! : this.reviewVerb(ref, namespace, verb));
      if ('failed' in verdict) {
        // A server that cannot answer reviews: take the cluster-wide list as allowed and let the
        // list-watch itself tell (a 403 shows the view forbidden, as without this component).
        if (namespace === '') return { allowed: true, reason: '' };
        return { allowed: false, reason: `could not ask whether ${refKey(ref)} may be listed ${where}: ${verdict.failed}` };
      }
      if (!verdict.status?.allowed) {
        const why = verdict.status?.reason || verdict.status?.evaluationError;
        return { allowed: false, reason: `cannot ${verb} ${refKey(ref)} ${where}${why ? `: ${why}` : ''}` };
      }
    }
    return { allowed: true, reason: '' };
  }

  /** One SelfSubjectAccessReview's status, or why the server could not answer it (never rejects). */
  private async reviewVerb(ref: ResourceRef, namespace: string, verb: (typeof needed)[number]): Promise<{ status: ReviewStatus | undefined } | { failed: string }> {
    try {
      const review = await this.limited(() =>
        this.options.client.requestJson<{ status?: ReviewStatus }>('POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', {
          body: { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: { resourceAttributes: { verb, group: ref.group, resource: ref.resource, ...(namespace ? { namespace } : {}) } } },
        }),
      );
      return { status: review.status };
    } catch (error) {
      return { failed: error instanceof Error ? error.message : String(error) };
    }
  }

  private async rulesReview(namespace: string): Promise<RulesReview | null> {
    this.reviewedAt.set(namespace, Date.now());
    this.rulesRequests++;
    try {
      const review = await this.limited(() =>
        this.options.client.requestJson<{ status?: { resourceRules?: RulesReview['resourceRules']; incomplete?: boolean } }>('POST', '/apis/authorization.k8s.io/v1/selfsubjectrulesreviews', {
          body: { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectRulesReview', spec: { namespace } },
        }),
      );
      return { resourceRules: review.status?.resourceRules ?? [], incomplete: review.status?.incomplete === true };
    } catch {
      return null;
    }
  }

  /** Every namespace's name, or null when the user may not list them. */
  private async namespaceNames(): Promise<string[] | null> {
    try {
      const names: string[] = [];
      let token: string | undefined;
      do {
        const page = await this.limited(() =>
          this.options.client.requestJson<{ items?: { metadata?: { name?: string } }[]; metadata?: { continue?: string } }>('GET', '/api/v1/namespaces', {
            query: { limit: 500, ...(token ? { continue: token } : {}) },
            accept: 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json',
          }),
        );
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
    await Promise.all(Array.from({ length: Math.min(items.length, this.options.concurrency ?? defaultConcurrency) }, worker));
    return results;
  }
}
