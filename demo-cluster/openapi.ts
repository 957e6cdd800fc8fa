/**
 * The least OpenAPI that lets `kubectl create -f` work: for every served resource a PATCH
 * operation that names its kind and takes the `fieldValidation` query parameter. kubectl reads
 * exactly that to decide that the server validates fields itself (k8s.io/cli-runtime's
 * queryParamVerifierV3, and for kubectl 1.27 the v2 queryParamVerifier), and then skips
 * client-side schema validation, for which it would need the full schemas the demo does not
 * have. v3 is a root listing one document per group version; v2 is one document, which client-go
 * asks for as gnostic's protobuf. No schemas are served: `kubectl explain` finds none.
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

// --- OpenAPI v2 ------------------------------------------------------------------------------

/**
 * What the protobuf document is served as. Clients ask for
 * `application/com.github.proto-openapi.spec.v2@v1.0+protobuf`, but that is no valid media type
 * (the `@`), and client-go's REST client fails on a Content-Type that Go's mime package rejects.
 */
export const openApiV2ProtobufType = 'application/octet-stream';

function patchPaths(registry: Registry): { path: string; info: ResourceInfo }[] {
  return registry
    .all()
    .filter((r) => !r.computed)
    .map((info) => ({ info, path: `/${gvPath(info)}${info.namespaced ? '/namespaces/{namespace}' : ''}/${info.plural}/{name}` }));
}

/** The v2 document as JSON, for a client that asks for JSON. */
export function openApiV2Json(registry: Registry): object {
  const paths: Record<string, object> = {};
  for (const { path, info } of patchPaths(registry)) {
    paths[path] = {
      patch: {
        operationId: `patch${info.kind}`,
        parameters: [{ name: 'fieldValidation', in: 'query', type: 'string', uniqueItems: true }],
        'x-kubernetes-action': 'patch',
        'x-kubernetes-group-version-kind': { group: info.group, kind: info.kind, version: info.version },
      },
    };
  }
  return { swagger: '2.0', info: { title: 'Kubernetes', version: 'v1.31.4' }, paths };
}

/** Protocol buffers, as little as the document needs: varints and length-delimited fields. */
function varint(n: number): number[] {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}

function field(num: number, content: Buffer | string): Buffer {
  const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
  return Buffer.concat([Buffer.from(varint((num << 3) | 2)), Buffer.from(varint(bytes.length)), bytes]);
}

const message = (...fields: Buffer[]): Buffer => Buffer.concat(fields);

/**
 * The v2 document in gnostic's openapi_v2 protobuf (field numbers from its OpenAPIv2.proto):
 * Document{swagger=1, info=2, paths=8}, Paths{path=2}, NamedPathItem{name=1, value=2},
 * PathItem{patch=8}, Operation{operation_id=5, parameters=8, vendor_extension=13},
 * ParametersItem{parameter=1}, Parameter{non_body_parameter=2},
 * NonBodyParameter{query_parameter_sub_schema=3}, QueryParameterSubSchema{in=2, name=4, type=6},
 * NamedAny{name=1, value=2}, Any{yaml=2}.
 */
export function openApiV2Protobuf(registry: Registry): Buffer {
  const query = (name: string): Buffer => field(8, field(1, field(2, field(3, message(field(2, 'query'), field(4, name), field(6, 'string'))))));
  const extension = (name: string, yaml: string): Buffer => field(13, message(field(1, name), field(2, field(2, yaml))));
  const items = patchPaths(registry).map(({ path, info }) => {
    const gvk = JSON.stringify({ group: info.group, kind: info.kind, version: info.version });
    const operation = message(field(5, `patch${info.kind}`), query('fieldValidation'), extension('x-kubernetes-action', 'patch\n'), extension('x-kubernetes-group-version-kind', `${gvk}\n`));
    return field(2, message(field(1, path), field(2, field(8, operation))));
  });
  return message(field(1, '2.0'), field(2, message(field(1, 'Kubernetes'), field(2, 'v1.31.4'))), field(8, message(...items)));
}
