/**
 * The demo cluster's authorizer: decides each request from the Roles, ClusterRoles, RoleBindings
 * and ClusterRoleBindings stored in the cluster, read afresh on every request, so a binding
 * created or deleted with kubectl applies to the very next one. It follows kube-apiserver's
 * RBAC authorizer (plugin/pkg/auth/authorizer/rbac): ClusterRoleBindings apply everywhere,
 * RoleBindings only in their namespace; a rule matches a verb, an API group, a resource (or
 * `resource/subresource`, or `*`, or `* /subresource`), and, when it names any, the object's name;
 * non-resource rules match a path exactly or by a trailing `*`. Deny is the default; a binding
 * whose role is missing adds its error to the refusal's reason, as RBAC does. Members of
 * `system:masters` are allowed everything before RBAC is asked, as kube-apiserver's
 * privileged-group authorizer does. Aggregated ClusterRoles are read as stored (no aggregation).
 */
import type { KubeObject } from './store.js';
import type { Stores } from './stores.js';
import { ApiError } from './status.js';

export interface UserInfo {
  readonly name: string;
  readonly groups: readonly string[];
}

export type RequestAttributes =
  | {
      readonly resourceRequest: true;
      readonly verb: string;
      readonly group: string;
      readonly resource: string;
      readonly subresource?: string;
      readonly namespace?: string;
      readonly name?: string;
    }
  | { readonly resourceRequest: false; readonly verb: string; readonly path: string };

export interface PolicyRule {
  verbs?: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

export interface Decision {
  readonly allowed: boolean;
  /** Why: `RBAC: allowed by ClusterRoleBinding "x" of ClusterRole "y" to User "z"`, or the resolution errors of a refusal. */
  readonly reason: string;
}

const all = '*';
const rbacGroup = 'rbac.authorization.k8s.io';

/** The group kube-apiserver lets do anything without asking RBAC (user.SystemPrivilegedGroup). */
export const privilegedGroup = 'system:masters';

function verbMatches(rule: PolicyRule, verb: string): boolean {
  return (rule.verbs ?? []).some((v) => v === all || v === verb);
}

function apiGroupMatches(rule: PolicyRule, group: string): boolean {
  return (rule.apiGroups ?? []).some((g) => g === all || g === group);
}

function resourceMatches(rule: PolicyRule, combined: string, subresource: string | undefined): boolean {
  return (rule.resources ?? []).some((r) => r === all || r === combined || (subresource !== undefined && subresource !== '' && r === `*/${subresource}`));
}

/** A rule that names objects applies only to requests that name one of them (a list with no name never matches). */
function resourceNameMatches(rule: PolicyRule, name: string | undefined): boolean {
  const names = rule.resourceNames ?? [];
  if (names.length === 0) return true;
  return name !== undefined && name !== '' && names.includes(name);
}

function nonResourceURLMatches(rule: PolicyRule, path: string): boolean {
  return (rule.nonResourceURLs ?? []).some((u) => u === all || u === path || (u.endsWith('*') && path.startsWith(u.slice(0, -1))));
}

export function ruleAllows(attributes: RequestAttributes, rule: PolicyRule): boolean {
  if (!verbMatches(rule, attributes.verb)) return false;
  if (!attributes.resourceRequest) return nonResourceURLMatches(rule, attributes.path);
  const combined = attributes.subresource ? `${attributes.resource}/${attributes.subresource}` : attributes.resource;
  return apiGroupMatches(rule, attributes.group) && resourceMatches(rule, combined, attributes.subresource) && resourceNameMatches(rule, attributes.name);
}

interface Subject {
  kind?: string;
  name?: string;
  namespace?: string;
}

interface Binding extends KubeObject {
  roleRef?: { kind?: string; name?: string };
  subjects?: Subject[];
}

function appliesToUser(user: UserInfo, subject: Subject, bindingNamespace: string): boolean {
  switch (subject.kind) {
    case 'User':
      return subject.name === user.name;
    case 'Group':
      return user.groups.includes(subject.name ?? '');
    case 'ServiceAccount': {
      // An unqualified service account in a RoleBinding is one of the binding's namespace.
      const namespace = subject.namespace || bindingNamespace;
      return namespace !== '' && user.name === `system:serviceaccount:${namespace}:${subject.name ?? ''}`;
    }
    default:
      return false;
  }
}

function describeSubject(subject: Subject, bindingNamespace: string): string {
  if (subject.kind === 'ServiceAccount') return `${subject.kind} ${JSON.stringify(`${subject.name ?? ''}/${subject.namespace || bindingNamespace}`)}`;
  return `${subject.kind ?? ''} ${JSON.stringify(subject.name ?? '')}`;
}

/** A rule with where it came from, in the words RBAC uses in an allow reason. */
interface Visited {
  readonly source: string;
  readonly rule: PolicyRule;
}

export class Authorizer {
  constructor(private readonly stores: Stores) {}

  /** Allowed or not, and why, as the union of the privileged-group and RBAC authorizers decides. */
  authorize(user: UserInfo, attributes: RequestAttributes): Decision {
    if (user.groups.includes(privilegedGroup)) return { allowed: true, reason: '' };
    const errors: string[] = [];
    for (const visited of this.visitRules(user, attributes.resourceRequest ? (attributes.namespace ?? '') : '', errors)) {
      if (ruleAllows(attributes, visited.rule)) return { allowed: true, reason: `RBAC: allowed by ${visited.source}` };
    }
    return { allowed: false, reason: errors.length === 0 ? '' : `RBAC: ${aggregate(errors)}` };
  }

  /** Every rule that applies to the user in a namespace ('' = cluster-wide only), and the errors met finding them: what SelfSubjectRulesReview answers. */
  rulesFor(user: UserInfo, namespace: string): { rules: PolicyRule[]; errors: string[] } {
    const errors: string[] = [];
    const rules = [...this.visitRules(user, namespace, errors)].map((v) => v.rule);
    if (user.groups.includes(privilegedGroup)) {
      // kube-apiserver answers the privileged group's review with everything allowed.
      rules.unshift({ verbs: [all], apiGroups: [all], resources: [all] }, { verbs: [all], nonResourceURLs: [all] });
    }
    return { rules, errors };
  }

  /** ClusterRoleBindings first (they apply everywhere), then the RoleBindings of the namespace. */
  private *visitRules(user: UserInfo, namespace: string, errors: string[]): Generator<Visited> {
    for (const binding of this.stores.byName(`clusterrolebindings.${rbacGroup}`).values() as IterableIterator<Binding>) {
      const subject = (binding.subjects ?? []).find((s) => appliesToUser(user, s, ''));
      if (!subject) continue;
      const rules = this.roleRules(binding, '', errors);
      const source = `ClusterRoleBinding ${JSON.stringify(binding.metadata.name)} of ${binding.roleRef?.kind ?? ''} ${JSON.stringify(binding.roleRef?.name ?? '')} to ${describeSubject(subject, '')}`;
      for (const rule of rules) yield { source, rule };
    }
    if (namespace === '') return;
    for (const binding of this.stores.byName(`rolebindings.${rbacGroup}`).values(namespace) as IterableIterator<Binding>) {
      const subject = (binding.subjects ?? []).find((s) => appliesToUser(user, s, namespace));
      if (!subject) continue;
      const rules = this.roleRules(binding, namespace, errors);
      const source = `RoleBinding ${JSON.stringify(`${binding.metadata.name}/${namespace}`)} of ${binding.roleRef?.kind ?? ''} ${JSON.stringify(binding.roleRef?.name ?? '')} to ${describeSubject(subject, namespace)}`;
      for (const rule of rules) yield { source, rule };
    }
  }

  /** The rules of a binding's role; a missing role is an error in the lister's words, and no rules. */
  private roleRules(binding: Binding, namespace: string, errors: string[]): PolicyRule[] {
    const ref = binding.roleRef ?? {};
    const name = ref.name ?? '';
    let role: KubeObject | undefined;
    if (ref.kind === 'Role') role = this.stores.byName(`roles.${rbacGroup}`).get(namespace, name);
    else if (ref.kind === 'ClusterRole') role = this.stores.byName(`clusterroles.${rbacGroup}`).get(undefined, name);
    else {
      errors.push(`unsupported role reference kind: ${JSON.stringify(ref.kind ?? '')}`);
      return [];
    }
    if (!role) {
      errors.push(`${ref.kind === 'Role' ? 'role' : 'clusterrole'}.${rbacGroup} ${JSON.stringify(name)} not found`);
      return [];
    }
    const rules = (role as { rules?: unknown }).rules;
    return Array.isArray(rules) ? (rules.filter((r) => r !== null && typeof r === 'object') as PolicyRule[]) : [];
  }
}

/** utilerrors.NewAggregate's text: one error as itself, several in brackets. */
function aggregate(errors: string[]): string {
  return errors.length === 1 ? (errors[0] ?? '') : `[${errors.join(', ')}]`;
}

/**
 * The 403 kube-apiserver sends for a refused request (responsewriters.Forbidden, then
 * apierrors.NewForbidden): `pods is forbidden: User "jane" cannot list resource "pods" in API
 * group "" at the cluster scope`, with `pods "x" is forbidden: …` when an object is named, the
 * subresource in the resource's words (`pods/log`), and `forbidden: User "jane" cannot get path
 * "/version"` for a non-resource path; the authorizer's reason, if any, after a colon.
 */
export function forbiddenError(user: UserInfo, attributes: RequestAttributes, reason = ''): ApiError {
  let what: string;
  let qualified = '';
  let group = '';
  let kind = '';
  let name = '';
  if (!attributes.resourceRequest) {
    what = `User ${JSON.stringify(user.name)} cannot ${attributes.verb} path ${JSON.stringify(attributes.path)}`;
  } else {
    const resource = attributes.subresource ? `${attributes.resource}/${attributes.subresource}` : attributes.resource;
    const scope = attributes.namespace ? `in the namespace ${JSON.stringify(attributes.namespace)}` : 'at the cluster scope';
    what = `User ${JSON.stringify(user.name)} cannot ${attributes.verb} resource ${JSON.stringify(resource)} in API group ${JSON.stringify(attributes.group)} ${scope}`;
    group = attributes.group;
    kind = attributes.resource;
    name = attributes.name ?? '';
    qualified = group ? `${attributes.resource}.${group}` : attributes.resource;
  }
  const cause = reason ? `${what}: ${reason}` : what;
  const message = qualified === '' ? `forbidden: ${cause}` : name === '' ? `${qualified} is forbidden: ${cause}` : `${qualified} ${JSON.stringify(name)} is forbidden: ${cause}`;
  return new ApiError(403, 'Forbidden', message, { ...(name ? { name } : {}), group, kind });
}
