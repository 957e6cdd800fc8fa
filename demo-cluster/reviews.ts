/**
 * The self access reviews of authorization.k8s.io/v1, answered from the same RBAC rules that
 * decide requests: SelfSubjectAccessReview ("may I do this?", what `kubectl auth can-i VERB
 * RESOURCE` asks) and SelfSubjectRulesReview ("what may I do in this namespace?", what `kubectl
 * auth can-i --list` asks). Both are create-only and stored nowhere; the answer is 201 Created
 * with the request's spec and a status, as kube-apiserver's registry answers
 * (pkg/registry/authorization/selfsubject*review). And authentication.k8s.io/v1
 * SelfSubjectReview ("who am I?", `kubectl auth whoami`): the user's name and groups.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseJson, readBody, sendJson } from './http.js';
import type { Authorizer, PolicyRule, RequestAttributes, UserInfo } from './rbac.js';
import { ApiError, badRequest } from './status.js';

export type ReviewResource = 'selfsubjectaccessreviews' | 'selfsubjectrulesreviews' | 'selfsubjectreviews';

const group = 'authorization.k8s.io';

/** The review a path names (`/apis/authorization.k8s.io/v1/selfsubject…reviews`, `/apis/authentication.k8s.io/v1/selfsubjectreviews`), if any. */
export function accessReviewResource(segments: readonly string[]): ReviewResource | undefined {
  if (segments.length !== 4 || segments[0] !== 'apis' || segments[2] !== 'v1') return undefined;
  const resource = segments[3];
  if (segments[1] === 'authentication.k8s.io') return resource === 'selfsubjectreviews' ? resource : undefined;
  if (segments[1] !== group) return undefined;
  return resource === 'selfsubjectaccessreviews' || resource === 'selfsubjectrulesreviews' ? resource : undefined;
}

/** The API group a review resource belongs to. */
export const reviewGroup = (resource: ReviewResource): string => (resource === 'selfsubjectreviews' ? 'authentication.k8s.io' : group);

const text = (value: unknown): string => (typeof value === 'string' ? value : '');

export async function answerReview(req: IncomingMessage, res: ServerResponse, resource: ReviewResource, user: UserInfo, authorizer: Authorizer): Promise<void> {
  if (req.method !== 'POST') {
    req.resume();
    throw new ApiError(405, 'MethodNotAllowed', `the server does not allow this method on the requested resource (${resource}.${reviewGroup(resource)} supports only create)`);
  }
  const body = parseJson(await readBody(req));
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw badRequest('the request body must be an object');
  const spec = ((body as { spec?: unknown }).spec ?? {}) as Record<string, unknown>;
  if (resource === 'selfsubjectreviews') {
    return sendJson(res, 201, { kind: 'SelfSubjectReview', apiVersion: 'authentication.k8s.io/v1', metadata: { creationTimestamp: null }, status: { userInfo: { username: user.name, groups: [...user.groups] } } });
  }
  if (resource === 'selfsubjectrulesreviews') return sendJson(res, 201, rulesReview(spec, user, authorizer));
  return sendJson(res, 201, accessReview(spec, user, authorizer));
}

function accessReview(spec: Record<string, unknown>, user: UserInfo, authorizer: Authorizer): object {
  const resourceAttributes = spec.resourceAttributes as Record<string, unknown> | undefined | null;
  const nonResourceAttributes = spec.nonResourceAttributes as Record<string, unknown> | undefined | null;
  const has = (v: unknown) => v !== undefined && v !== null && typeof v === 'object';
  if (has(resourceAttributes) === has(nonResourceAttributes)) {
    const both = has(resourceAttributes);
    throw new ApiError(422, 'Invalid', `SelfSubjectAccessReview.${group} "" is invalid: spec.${both ? 'nonResourceAttributes' : 'resourceAttributes'}: Invalid value: ${both ? '"{...}"' : '"null"'}: exactly one of nonResourceAttributes or resourceAttributes must be specified`);
  }
  let attributes: RequestAttributes;
  if (has(resourceAttributes)) {
    const r = resourceAttributes as Record<string, unknown>;
    const namespace = text(r.namespace);
    const name = text(r.name);
    const subresource = text(r.subresource);
    attributes = {
      resourceRequest: true,
      verb: text(r.verb),
      group: text(r.group),
      resource: text(r.resource),
      ...(subresource ? { subresource } : {}),
      ...(namespace ? { namespace } : {}),
      ...(name ? { name } : {}),
    };
  } else {
    const n = nonResourceAttributes as Record<string, unknown>;
    attributes = { resourceRequest: false, verb: text(n.verb), path: text(n.path) };
  }
  const decision = authorizer.authorize(user, attributes);
  return {
    kind: 'SelfSubjectAccessReview',
    apiVersion: `${group}/v1`,
    metadata: { creationTimestamp: null },
    spec,
    status: { allowed: decision.allowed, ...(decision.reason ? { reason: decision.reason } : {}) },
  };
}

function rulesReview(spec: Record<string, unknown>, user: UserInfo, authorizer: Authorizer): object {
  const namespace = text(spec.namespace);
  if (namespace === '') throw badRequest('no namespace on request');
  const { rules, errors } = authorizer.rulesFor(user, namespace);
  const list = (v: string[] | undefined) => [...(v ?? [])];
  const resourceRules = rules
    .filter((r: PolicyRule) => (r.resources ?? []).length > 0)
    .map((r) => ({ verbs: list(r.verbs), apiGroups: list(r.apiGroups), resources: list(r.resources), ...((r.resourceNames ?? []).length > 0 ? { resourceNames: list(r.resourceNames) } : {}) }));
  const nonResourceRules = rules.filter((r) => (r.nonResourceURLs ?? []).length > 0).map((r) => ({ verbs: list(r.verbs), nonResourceURLs: list(r.nonResourceURLs) }));
  return {
    kind: 'SelfSubjectRulesReview',
    apiVersion: `${group}/v1`,
    metadata: { creationTimestamp: null },
    spec: { namespace },
    status: { resourceRules, nonResourceRules, incomplete: false, ...(errors.length > 0 ? { evaluationError: errors.length === 1 ? errors[0] : `[${errors.join(', ')}]` } : {}) },
  };
}
