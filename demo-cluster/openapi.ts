/**
 * The least OpenAPI v3 that lets `kubectl create -f` and `kubectl patch` work: a root listing one
 * document per served group version, and in each document a PATCH operation per resource that
 * names its kind and takes the `fieldValidation` query parameter. kubectl (1.27+) reads exactly
 * that to decide that the server validates fields itself (k8s.io/cli-runtime's
 * queryParamVerifierV3), and then skips client-side schema validation, for which it would need
 * the full schemas the demo does not have. No schemas are served: `kubectl explain` finds none.
 */
import { createHash } from 'node:crypto';
import type { Registry } from './registry.js';
import type { ResourceInfo } from './resources.js';

/** `api/v1`, `apis/apps/v1`: a group version's key in the v3 root. */
function gvPath(info: Pick<ResourceInfo, 'group' | 'version'>): string {
  return info.group ? `apis/${info.group}/${info.version}` : `api/${info.version}`;
}

function groupVersionDocument(registry: Registry, path: string): object | undefined {
  const served = registry.all().filter((r) => !r.computed && gvPath(r) === path);
  if (served.length === 0) return undefined;
  const paths: Record<string, object> = {};
  for (const r of served) {
    const prefix = `/${gvPath(r)}${r.namespaced ? '/namespaces/{namespace}' : ''}/${r.plural}/{name}`;
    paths[prefix] = {
      patch: {
        description: `partially update the specified ${r.kind}`,
        operationId: `patch${r.kind}`,
        'x-kubernetes-action': 'patch',
        'x-kubernetes-group-version-kind': { group: r.group, version: r.version, kind: r.kind },
        parameters: [
          { name: 'dryRun', in: 'query', schema: { type: 'string', uniqueItems: true } },
          { name: 'fieldManager', in: 'query', schema: { type: 'string', uniqueItems: true } },
          { name: 'fieldValidation', in: 'query', schema: { type: 'string', uniqueItems: true } },
        ],
        responses: { '200': { description: 'OK' } },
      },
    };
  }
  return { openapi: '3.0.0', info: { title: 'Kubernetes', version: 'v1.31.4' }, paths, components: { schemas: {} } };
}

const hashOf = (body: object): string => createHash('sha512').update(JSON.stringify(body)).digest('hex').slice(0, 128).toUpperCase();

/** The document for `/openapi/v3` (segments after it empty) or `/openapi/v3/<group version>`, or undefined (404). */
export function openApiV3(registry: Registry, rest: string[]): object | undefined {
  if (rest.length === 0) {
    const paths: Record<string, object> = {};
    for (const r of registry.all()) {
      if (r.computed) continue;
      const path = gvPath(r);
      if (paths[path]) continue;
      const doc = groupVersionDocument(registry, path);
      if (doc) paths[path] = { serverRelativeURL: `/openapi/v3/${path}?hash=${hashOf(doc)}` };
    }
    return { paths };
  }
  return groupVersionDocument(registry, rest.join('/'));
}
