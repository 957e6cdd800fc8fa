/**
 * Reads the protobuf bodies kubectl sends for the RBAC kinds. kubectl 1.32 and later create
 * objects through typed clients with `Content-Type: application/vnd.kubernetes.protobuf` (`kubectl
 * create rolebinding`, `create role`, `create clusterrolebinding`, `create clusterrole`) and do
 * not fall back to JSON on a 415, so a demo cluster with RBAC must read these four. The wire
 * format is kube-apiserver's: the magic `k8s\0`, then a `runtime.Unknown` (typeMeta = 1, raw = 2)
 * whose raw bytes are the object, field numbers from k8s.io/api/rbac/v1/generated.proto and
 * apimachinery's ObjectMeta. Fields this cluster does not use are skipped; any other kind is a 415.
 */
import { ApiError } from './status.js';

const magic = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

/** One field: its number and its value (a number for varints and fixed widths, bytes for length-delimited). */
interface Field {
  readonly no: number;
  readonly value: number | Buffer;
}

function varint(buf: Buffer, at: number): [number, number] {
  let value = 0;
  let shift = 0;
  for (let i = at; i < buf.length && i < at + 10; i++) {
    const byte = buf[i] as number;
    value += (byte & 0x7f) * 2 ** shift;
    shift += 7;
    if ((byte & 0x80) === 0) return [value, i + 1];
  }
  throw unreadable('a varint runs past the end of the body');
}

function fields(buf: Buffer): Field[] {
  const out: Field[] = [];
  let at = 0;
  while (at < buf.length) {
    const [key, next] = varint(buf, at);
    at = next;
    const no = Math.floor(key / 8);
    switch (key & 7) {
      case 0: {
        const [value, after] = varint(buf, at);
        out.push({ no, value });
        at = after;
        break;
      }
      case 1:
        at += 8;
        break;
      case 2: {
        const [length, after] = varint(buf, at);
        if (after + length > buf.length) throw unreadable('a field runs past the end of the body');
        out.push({ no, value: buf.subarray(after, after + length) });
        at = after + length;
        break;
      }
      case 5:
        at += 4;
        break;
      default:
        throw unreadable(`wire type ${key & 7} is not one kube-apiserver writes`);
    }
  }
  return out;
}

function unreadable(why: string): ApiError {
  return new ApiError(400, 'BadRequest', `the protobuf body could not be read: ${why}`);
}

const bytesOf = (fs: Field[], no: number): Buffer[] => fs.filter((f) => f.no === no && Buffer.isBuffer(f.value)).map((f) => f.value as Buffer);
const text = (fs: Field[], no: number): string | undefined => bytesOf(fs, no).at(-1)?.toString('utf8');
const texts = (fs: Field[], no: number): string[] => bytesOf(fs, no).map((b) => b.toString('utf8'));

/** A map<string, string> field: repeated entries of key = 1, value = 2. */
function stringMap(fs: Field[], no: number): Record<string, string> | undefined {
  const entries = bytesOf(fs, no).map((b) => fields(b));
  if (entries.length === 0) return undefined;
  return Object.fromEntries(entries.map((e) => [text(e, 1) ?? '', text(e, 2) ?? '']));
}

function objectMeta(buf: Buffer | undefined): Record<string, unknown> {
  if (!buf) return {};
  const fs = fields(buf);
  const meta: Record<string, unknown> = {};
  const put = (key: string, value: unknown) => {
    if (value !== undefined) meta[key] = value;
  };
  put('name', text(fs, 1));
  put('generateName', text(fs, 2));
  put('namespace', text(fs, 3));
  put('labels', stringMap(fs, 11));
  put('annotations', stringMap(fs, 12));
  return meta;
}

function policyRule(buf: Buffer): Record<string, string[]> {
  const fs = fields(buf);
  const rule: Record<string, string[]> = { verbs: texts(fs, 1) };
  for (const [key, no] of [['apiGroups', 2], ['resources', 3], ['resourceNames', 4], ['nonResourceURLs', 5]] as const) {
    const values = texts(fs, no);
    if (values.length > 0) rule[key] = values;
  }
  return rule;
}

function subject(buf: Buffer): Record<string, string> {
  const fs = fields(buf);
  const s: Record<string, string> = {};
  for (const [key, no] of [['kind', 1], ['apiGroup', 2], ['name', 3], ['namespace', 4]] as const) {
    const value = text(fs, no);
    // proto2 writes optional strings even when empty; JSON omits them (omitempty).
    if (value !== undefined && value !== '') s[key] = value;
  }
  return s;
}

/** True when a request's body is protobuf. */
export function isProtobuf(contentType: string | undefined): boolean {
  return (contentType ?? '').includes('application/vnd.kubernetes.protobuf');
}

/** The JSON object a protobuf body of an RBAC kind stands for; a 415 for any other kind. */
export function decodeRbacProtobuf(body: Buffer): unknown {
  if (body.length < magic.length || !body.subarray(0, magic.length).equals(magic)) throw unreadable('it does not start with the k8s magic bytes');
  const unknown = fields(body.subarray(magic.length));
  const typeMeta = fields(bytesOf(unknown, 1)[0] ?? Buffer.alloc(0));
  const apiVersion = text(typeMeta, 1) ?? '';
  const kind = text(typeMeta, 2) ?? '';
  const raw = fields(bytesOf(unknown, 2)[0] ?? Buffer.alloc(0));
  if (apiVersion !== 'rbac.authorization.k8s.io/v1' || !['Role', 'ClusterRole', 'RoleBinding', 'ClusterRoleBinding'].includes(kind)) {
    throw new ApiError(415, 'UnsupportedMediaType', 'the body of the request was in an unknown format - accepted media types include: application/json, application/yaml');
  }
  const object: Record<string, unknown> = { apiVersion, kind, metadata: objectMeta(bytesOf(raw, 1)[0]) };
  if (kind === 'Role' || kind === 'ClusterRole') object.rules = bytesOf(raw, 2).map(policyRule);
  else {
    object.subjects = bytesOf(raw, 2).map(subject);
    const ref = fields(bytesOf(raw, 3)[0] ?? Buffer.alloc(0));
    object.roleRef = { apiGroup: text(ref, 1) ?? '', kind: text(ref, 2) ?? '', name: text(ref, 3) ?? '' };
  }
  return object;
}
