/**
 * The HTTP end of the API server: JSON and Status responses, bounded request bodies, query
 * parameters read the way kube-apiserver reads them, and lists written in slices.
 */
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ResourceInfo } from './resources.js';
import { apiVersionOf } from './resources.js';
import { ApiError, badRequest } from './status.js';
import type { KubeObject, ListPage } from './store.js';
import type { IncludeObject } from './table.js';
import { encodeListMetaField, encodeStatusEnvelope, envelopeHead, envelopeTail, podListItemKey, protobufMediaType, rawOfEnvelope, varintBytes } from './podProtobuf.js';

/** Largest request body accepted; a real API server's limit is larger, but nothing here needs more. */
export const maxBodyBytes = 1024 * 1024;
export const tableMediaType = 'application/json;as=Table;v=v1;g=meta.k8s.io';

export function sendJson(res: ServerResponse, code: number, body: unknown, contentType = 'application/json'): void {
  const text = JSON.stringify(body);
  res.writeHead(code, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-cache, private' });
  res.end(text);
}

/**
 * An error as a Status, in JSON or, for a request whose answer was negotiated as protobuf, in
 * protobuf (kube-apiserver's ErrorNegotiated writes errors in the negotiated format).
 */
export function sendError(res: ServerResponse, error: ApiError, inProtobuf = false): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const retryAfter = error.details?.retryAfterSeconds;
  if (retryAfter) res.setHeader('Retry-After', String(retryAfter));
  if (inProtobuf) sendProtobuf(res, error.code, encodeStatusEnvelope(error.toStatus()));
  else sendJson(res, error.code, error.toStatus());
}

export function sendProtobuf(res: ServerResponse, code: number, body: Buffer): void {
  res.writeHead(code, { 'Content-Type': protobufMediaType, 'Content-Length': body.length, 'Cache-Control': 'no-cache, private' });
  res.end(body);
}

interface AcceptClause {
  type: string;
  subtype: string;
  params: Map<string, string>;
  q: number;
}

/**
 * True when an Accept header asks for `application/vnd.kubernetes.protobuf` before anything this
 * server answers otherwise. Clauses are ranked as kube-apiserver's negotiation ranks them
 * (goautoneg.ParseAccept): by q, then concrete types before wildcards, then more parameters
 * first, otherwise in the order given; q=0 refuses a type. A protobuf clause asking for a
 * transformation (`as=Table`, `as=PartialObjectMetadata`) is passed over: those are answered
 * in JSON here, by the clauses that ask for JSON.
 */
export function prefersProtobuf(accept: string | undefined): boolean {
  if (!accept || !accept.includes('protobuf')) return false;
  const clauses: AcceptClause[] = [];
  for (const part of accept.split(',')) {
    const [mediaType = '', ...rest] = part.split(';');
    const [type = '', subtype = ''] = mediaType.trim().toLowerCase().split('/');
    const params = new Map<string, string>();
    let q = 1;
    for (const p of rest) {
      const [key = '', value = ''] = p.split('=').map((x) => x.trim());
      if (key === 'q') q = Number(value);
      else if (key) params.set(key, value);
    }
    if (type && subtype && q > 0 && !Number.isNaN(q)) clauses.push({ type, subtype, params, q });
  }
  const wildcards = (c: AcceptClause): number => (c.type === '*' ? 2 : 0) + (c.subtype === '*' ? 1 : 0);
  clauses.sort((a, b) => b.q - a.q || wildcards(a) - wildcards(b) || b.params.size - a.params.size);
  for (const c of clauses) {
    if (c.type === 'application' && c.subtype === 'vnd.kubernetes.protobuf') {
      if (!c.params.has('as')) return true;
    } else if ((c.type === 'application' && ['json', 'yaml', '*'].includes(c.subtype)) || c.type === '*') return false;
  }
  return false;
}

export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');
}

export function sameToken(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Reads a request body up to `maxBodyBytes`; a larger one is a 413 and the rest is discarded. */
export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > maxBodyBytes) {
    req.resume();
    throw new ApiError(413, 'RequestEntityTooLarge', `the request body is ${declared} bytes; the limit is ${maxBodyBytes}`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBodyBytes) {
      req.resume();
      throw new ApiError(413, 'RequestEntityTooLarge', `the request body is larger than the limit of ${maxBodyBytes} bytes`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** Deepest nesting a body may have: deeper ones would overflow the stack of whatever walks them (stringify, clone, patch). */
export const maxBodyDepth = 200;

/** How deeply a JSON text nests its arrays and objects, strings skipped; stops counting past `limit`. */
function nestingDepth(text: string, limit: number): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // a backslash escapes the next character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > deepest && (deepest = depth) > limit) return deepest;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return deepest;
}

export function parseJson(body: Buffer): unknown {
  if (body.length === 0) throw badRequest('the request body is empty');
  const text = body.toString('utf8');
  if (nestingDepth(text, maxBodyDepth) > maxBodyDepth) throw badRequest(`the request body nests more than ${maxBodyDepth} levels deep`);
  try {
    return JSON.parse(text);
  } catch (e) {
    throw badRequest(`the request body is not valid JSON: ${(e as Error).message}`);
  }
}

export function wantsTable(req: IncomingMessage): boolean {
  const accept = String(req.headers.accept ?? '');
  return accept.split(',').some((part) => {
    const params = part.split(';').map((p) => p.trim());
    return params.includes('as=Table') && params.includes('g=meta.k8s.io');
  });
}

/** A metadata-only watch (`as=PartialObjectMetadata`), or list with `as=PartialObjectMetadataList`, asked first in Accept. */
export function wantsPartialMetadata(req: IncomingMessage, as: 'PartialObjectMetadata' | 'PartialObjectMetadataList' = 'PartialObjectMetadata'): boolean {
  const accept = String(req.headers.accept ?? '');
  const first = accept.split(',')[0] ?? '';
  const params = first.split(';').map((p) => p.trim());
  return params.includes(`as=${as}`) && params.includes('g=meta.k8s.io');
}

export const partialMetadataMediaType = 'application/json;as=PartialObjectMetadata;v=v1;g=meta.k8s.io';

export function parseRevision(text: string, what = 'resourceVersion'): number {
  if (!/^\d{1,15}$/.test(text)) throw badRequest(`${what}: Invalid value: "${text}": must be a decimal resourceVersion`);
  return Number(text);
}

export function intParam(q: URLSearchParams, name: string, min: number, max: number): number | undefined {
  const raw = q.get(name);
  if (raw === null || raw === '') return undefined;
  if (!/^-?\d+$/.test(raw)) throw badRequest(`${name}: Invalid value: "${raw}": must be a whole number`);
  const n = Number(raw);
  if (n < min || n > max) throw badRequest(`${name}: Invalid value: ${n}: must be between ${min} and ${max}`);
  return n;
}

export function includeObjectParam(q: URLSearchParams): IncludeObject {
  const include = q.get('includeObject') ?? 'Metadata';
  if (include !== 'None' && include !== 'Metadata' && include !== 'Object') throw badRequest(`includeObject: Unsupported value: "${include}": supported values: "None", "Metadata", "Object"`);
  return include;
}

/**
 * A boolean query parameter as kube-apiserver reads one (apimachinery's
 * Convert_Slice_string_To_bool): absent, "0" or "false" in any case is false; anything else,
 * the empty string and "f" included, is true. So nothing here is a 400, as on a real server.
 */
export function boolParam(q: URLSearchParams, name: string): boolean {
  const raw = q.get(name);
  if (raw === null) return false;
  return raw !== '0' && raw.toLowerCase() !== 'false';
}

/**
 * `dryRun`: absent, or `All` (the only value a real server accepts); true when the write must not
 * be stored. Anything else is a 422 naming the options kind (`PatchOptions`, `DeleteOptions`, ...),
 * as kube-apiserver's ValidatePatchOptions and friends answer.
 */
export function dryRunParam(q: URLSearchParams, optionsKind: 'PatchOptions' | 'UpdateOptions' | 'DeleteOptions' | 'CreateOptions'): boolean {
  const values = q.getAll('dryRun');
  const bad = values.filter((v) => v !== 'All');
  if (bad.length > 0) {
    const given = `[]string{${values.map((v) => JSON.stringify(v)).join(', ')}}`;
    throw new ApiError(422, 'Invalid', `${optionsKind}.meta.k8s.io "" is invalid: dryRun: Unsupported value: ${given}: supported values: "All"`, {
      group: 'meta.k8s.io',
      kind: optionsKind,
      causes: [{ reason: 'FieldValueNotSupported', message: `Unsupported value: ${given}: supported values: "All"`, field: 'dryRun' }],
    });
  }
  return values.length > 0;
}

/**
 * Writes a PodList in protobuf: the magic and an Unknown (v1, PodList) around the list's
 * message, whose ListMeta is followed by one `items` field per pod, each the raw bytes of the
 * pod's full encoding (which the store keeps for current pods). Written in slices, waiting for
 * the socket to drain, as `writeList` writes JSON.
 */
export async function writeProtobufList(res: ServerResponse, page: ListPage, fullEncoding: (o: KubeObject) => Buffer): Promise<void> {
  const listMeta = encodeListMetaField({ resourceVersion: String(page.revision), continue: page.continueToken, remainingItemCount: page.remainingItemCount });
  const raws = page.items.map((o) => rawOfEnvelope(fullEncoding(o)));
  const heads = raws.map((raw) => Buffer.concat([podListItemKey, varintBytes(raw.length)]));
  let rawLength = listMeta.length;
  for (let i = 0; i < raws.length; i++) rawLength += heads[i]!.length + raws[i]!.length;
  const head = envelopeHead('v1', 'PodList', rawLength);
  res.writeHead(200, { 'Content-Type': protobufMediaType, 'Content-Length': head.length + rawLength + envelopeTail.length, 'Cache-Control': 'no-cache, private' });
  res.write(Buffer.concat([head, listMeta]));
  const slice = 500;
  for (let i = 0; i < raws.length; i += slice) {
    const pieces: Buffer[] = [];
    for (let j = i; j < Math.min(raws.length, i + slice); j++) pieces.push(heads[j]!, raws[j]!);
    const ok = res.write(Buffer.concat(pieces));
    if (!ok && !res.destroyed) await drained(res);
    if (res.destroyed) return;
  }
  res.end(envelopeTail);
}

/** Resolves once the response can take more (drain) or is gone (close). */
function drained(res: ServerResponse): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

/** Writes a list in slices, waiting for the socket to drain, so 100,000 pods never become one giant string. */
export async function writeList(res: ServerResponse, info: ResourceInfo, page: ListPage, present: (o: KubeObject) => KubeObject = (o) => o): Promise<void> {
  const metadata: Record<string, unknown> = { resourceVersion: String(page.revision) };
  if (page.continueToken) metadata.continue = page.continueToken;
  if (page.remainingItemCount !== undefined) metadata.remainingItemCount = page.remainingItemCount;
  const head = JSON.stringify({ kind: info.custom?.listKind ?? `${info.kind}List`, apiVersion: apiVersionOf(info), metadata }).slice(0, -1);
  res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private' });
  res.write(`${head},"items":[`);
  const slice = 500;
  for (let i = 0; i < page.items.length; i += slice) {
    const part = page.items.slice(i, i + slice).map((o) => JSON.stringify(present(o))).join(',');
    const ok = res.write(i === 0 ? part : `,${part}`);
    if (!ok && !res.destroyed) await drained(res);
    if (res.destroyed) return;
  }
  res.end(']}');
}
